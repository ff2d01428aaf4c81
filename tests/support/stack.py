"""Start the real Tekkie stack (`tekkie run`: Rasa, action server, app) on free ports."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.ops import rasa_project
from bot.settings import PROJECT_ROOT, Settings

TEKKIE = Path(sys.executable).parent / "tekkie"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Stack:
    """A running `tekkie run` process and how to talk to it."""

    settings: Settings
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    output: Path | None = None
    client: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60))

    @property
    def app_url(self) -> str:
        return self.settings.base_url

    def send(self, sender_id: str, **body: Any) -> httpx.Response:
        """POST one web chat message."""
        return self.client.post(
            f"{self.app_url}/api/webchat/messages", json={"sender_id": sender_id, **body}
        )

    def say(self, sender_id: str, **body: Any) -> list[dict[str, Any]]:
        """Send and return the replies, insisting on success."""
        response = self.send(sender_id, **body)
        assert response.status_code == 200, response.text
        messages: list[dict[str, Any]] = response.json()["messages"]
        return messages

    def tracker(self, sender_id: str) -> dict[str, Any]:
        """Rasa's tracker of a web chat conversation (through its token-protected API)."""
        token = self.settings.rasa_token.get_secret_value()
        response = self.client.get(
            f"{self.settings.rasa_url}/conversations/webchat:{sender_id}/tracker",
            params={"token": token},
        )
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


def make_stack(workdir: Path, **overrides: str) -> Stack:
    """Settings and environment for an isolated stack in `workdir` on free ports."""
    app_port = free_port()
    values = {
        "ENVIRONMENT": "test",
        "RASA_TOKEN": secrets.token_urlsafe(24),
        "APP_PORT": str(app_port),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{app_port}",
        "RASA_PORT": str(free_port()),
        "ACTION_PORT": str(free_port()),
        "DATABASE_URL": f"sqlite:///{workdir / 'tekkie.db'}",
        "RASA_TRACKER_DB": str(workdir / "rasa-tracker.db"),
        "RUNTIME_DIR": str(workdir / "run"),
        "LOG_LEVEL": "WARNING",
        "DEMO_SLOTS": "true",
        "OUTBOX_WORKER_INTERVAL": "0.5",
        **overrides,
    }
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "DATABASE_URL"}}
    env.update(values)
    settings = Settings(_env_file=None, **{k.lower(): v for k, v in values.items()})  # type: ignore[arg-type]
    return Stack(settings=settings, env=env)


def start(stack: Stack, timeout: float = 300.0) -> Stack:
    """Train if needed, migrate when not automatic, then `tekkie run` until healthy."""
    rasa_project.train(stack.settings)
    if not stack.settings.should_auto_migrate:
        subprocess.run([str(TEKKIE), "db", "upgrade"], env=stack.env, check=True, cwd=PROJECT_ROOT)
    stack.output = stack.settings.runtime_dir / "tekkie-run.out"
    stack.output.parent.mkdir(parents=True, exist_ok=True)
    with stack.output.open("wb") as out:
        stack.process = subprocess.Popen(
            [str(TEKKIE), "run", "--no-train"],
            env=stack.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=PROJECT_ROOT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if stack.process.poll() is not None:
            raise RuntimeError(f"tekkie run exited early:\n{stack.output.read_text()[-3000:]}")
        try:
            if stack.client.get(f"{stack.app_url}/health").status_code == 200:
                return stack
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    stop(stack)
    raise RuntimeError(
        f"tekkie run not healthy in {timeout} s:\n{stack.output.read_text()[-3000:]}"
    )


def stop(stack: Stack, timeout: float = 60.0) -> int:
    """Ctrl-C (SIGINT) as a person would; return the exit code."""
    stack.client.close()
    if stack.process is None:
        return 0
    if stack.process.poll() is None:
        stack.process.send_signal(signal.SIGINT)
        try:
            stack.process.wait(timeout)
        except subprocess.TimeoutExpired:
            stack.process.kill()
            stack.process.wait()
            return -1
    return stack.process.returncode


def listening_addresses(port: int) -> set[str]:
    """Local IPv4/IPv6 addresses with a listening TCP socket on `port` (from /proc/net)."""
    found: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _, state = line.split()[1], line.split()[2], line.split()[3]
            address, port_hex = local.rsplit(":", 1)
            if state == "0A" and int(port_hex, 16) == port:  # 0A = LISTEN
                found.add(address)
    return found


def wait_for_inbox(stack: Stack, sender: str, timeout: float = 15.0) -> list[dict[str, Any]]:
    """Poll the web chat inbox like the page does, until something arrives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = stack.client.get(
            f"{stack.app_url}/api/webchat/messages", params={"sender_id": sender}
        )
        assert response.status_code == 200
        if messages := response.json()["messages"]:
            return list(messages)
        time.sleep(0.3)
    raise AssertionError("no message arrived in the web chat inbox")
