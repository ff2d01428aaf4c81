"""A stand-in for Rasa on 127.0.0.1: its HTTP API and Tekkie's token-protected channel.

The HTTP API (token in the query, as Rasa's `--auth-token` wants it): `GET /status`,
`GET /conversations/{id}/tracker` and `POST /conversations/{id}/tracker/events`, recording
what the app appends. The channel (`integrations/rasa_token_channel.py`):
`POST /webhooks/tekkie/webhook` with `Authorization: Bearer <token>`, answering the replies
and headers a test sets, and recording the messages it was given.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

WEBHOOK = "/webhooks/tekkie/webhook"


class FakeRasa(ThreadingHTTPServer):
    """Rasa's status and tracker API and the `tekkie` channel webhook, checking the token.

    `down` makes every route answer 500; `actions_down` makes the webhook answer 503, as the
    channel does when the action server is away; `model_file = None` makes /status answer
    409, as Rasa does with no model loaded.
    """

    def __init__(self, token: str) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.token = token
        self.events: dict[str, list[dict[str, Any]]] = {}
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.down = False
        self.actions_down = False
        self.model_file: str | None = "models/fake-model.tar.gz"
        self.replies: list[dict[str, Any]] = []  # what the webhook answers
        self.reply_headers: dict[str, str] = {}  # e.g. X-Tekkie-Language, X-Tekkie-Paused
        self.received: list[dict[str, Any]] = []  # bodies of authorised webhook requests

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


class _Handler(BaseHTTPRequestHandler):
    server: FakeRasa

    def log_message(self, *_: Any) -> None:
        """Quiet."""

    def _answer(self, status: int, body: object, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _token_ok(self) -> bool:
        return parse_qs(urlparse(self.path).query).get("token") == [self.server.token]

    def _sender(self, suffix: str) -> str | None:
        if not self._token_ok():
            return None
        path = urlparse(self.path).path.removeprefix("/conversations/")
        return path.removesuffix(suffix) if path.endswith(suffix) else None

    def do_GET(self) -> None:
        if urlparse(self.path).path == "/status":
            self._status()
            return
        sender = self._sender("/tracker")
        if self.server.down or sender is None:
            self._answer(500 if self.server.down else 401, {})
            return
        self._answer(200, {"sender_id": sender, "events": self.server.events.get(sender, [])})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if urlparse(self.path).path == WEBHOOK:
            self._webhook(body)
            return
        sender = self._sender("/tracker/events")
        if self.server.down or sender is None:
            self._answer(500 if self.server.down else 401, {})
            return
        self.server.appended.append((sender, body))
        self.server.events.setdefault(sender, []).extend(body)
        self._answer(200, {"sender_id": sender})

    def _status(self) -> None:
        if self.server.down or not self._token_ok():
            self._answer(500 if self.server.down else 401, {})
        elif self.server.model_file is None:
            self._answer(409, {"status": "failure", "reason": "NoAgent", "code": 409})
        else:
            self._answer(200, {"model_file": self.server.model_file, "model_id": "fake"})

    def _webhook(self, body: Any) -> None:
        if self.server.down:
            self._answer(500, {"error": "RuntimeError"})
        elif self.headers.get("Authorization") != f"Bearer {self.server.token}":
            self._answer(401, {"error": "unauthorised"})
        elif not isinstance(body, dict) or not all(
            isinstance(body.get(key), str) for key in ("sender", "message")
        ):
            self._answer(400, {"error": "sender and message are required"})
        elif self.server.actions_down:
            self._answer(503, {"error": "action server unavailable"})
        else:
            self.server.received.append(body)
            self._answer(200, self.server.replies, self.server.reply_headers)


@contextmanager
def running(token: str) -> Iterator[FakeRasa]:
    """A FakeRasa serving in a background thread until the block ends."""
    server = FakeRasa(token)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
