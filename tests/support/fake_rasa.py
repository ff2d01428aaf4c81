"""A stand-in for Rasa's tracker API on 127.0.0.1 that records what the app appends."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class FakeRasa(ThreadingHTTPServer):
    """Rasa's tracker API: GET .../tracker and POST .../tracker/events, checking the token."""

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.down = False

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: FakeRasa

    def log_message(self, *_: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: object) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _sender(self, suffix: str) -> str | None:
        url = urlparse(self.path)
        if parse_qs(url.query).get("token") != [self.server.token]:
            return None
        path = url.path.removeprefix("/conversations/")
        return path.removesuffix(suffix) if path.endswith(suffix) else None

    def do_GET(self) -> None:
        sender = self._sender("/tracker")
        if self.server.down or sender is None:
            self._answer(500 if self.server.down else 401, {})
            return
        self._answer(200, {"sender_id": sender, "events": self.server.events.get(sender, [])})

    def do_POST(self) -> None:
        sender = self._sender("/tracker/events")
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.server.down or sender is None:
            self._answer(500 if self.server.down else 401, {})
            return
        self.server.appended.append((sender, body))
        self.server.events.setdefault(sender, []).extend(body)
        self._answer(200, {"sender_id": sender})


@contextmanager
def running(token: str) -> Iterator[FakeRasa]:
    """A FakeRasa serving in a background thread until the block ends."""
    server = FakeRasa(token)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
