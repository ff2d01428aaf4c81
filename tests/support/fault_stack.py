"""A production-like Tekkie for fault injection: each process on its own, dependencies cuttable.

PostgreSQL and Redis are the real servers, reached through `CuttableProxy`s; Rasa, the action
server and the app each run as `tekkie serve <name>` in their own process group, so a test can
kill one (SIGKILL, the whole group) and start it again. Telegram and Twilio are the local
stand-ins of tests/e2e/fakes.py.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from bot.ops import rasa_project
from bot.settings import PROJECT_ROOT
from tests.support.proxy import CuttableProxy
from tests.support.stack import TEKKIE, Stack


@dataclass
class Service:
    """One `tekkie serve <name>` process."""

    name: str
    env: dict[str, str]
    ready_url: str
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [str(TEKKIE), "serve", self.name], env=self.env, cwd=PROJECT_ROOT,
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the whole process group, as a crash or an OOM kill would."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 15  # the group's workers go too
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        self.process = None

    def ready(self) -> bool:
        try:
            return httpx.get(self.ready_url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def wait_ready(self, timeout: float = 240.0) -> float:
        """Seconds until the service answers its health check."""
        started = time.monotonic()
        while not self.ready():
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited:\n{self.log.read_text()[-3000:]}")
            if time.monotonic() - started > timeout:
                raise RuntimeError(f"{self.name} not ready:\n{self.log.read_text()[-3000:]}")
            time.sleep(0.2)
        return time.monotonic() - started


@dataclass
class FaultStack:
    """The running processes, the cuttable dependencies, and a direct line to the database."""

    stack: Stack
    postgres: CuttableProxy
    redis: CuttableProxy
    database: Engine
    services: dict[str, Service] = field(default_factory=dict)
    telegram: Any = None  # the FakeTelegramApi the app sends to
    twilio: Any = None  # the FakeTwilioApi

    def start(self) -> None:
        env = self.stack.env
        settings = self.stack.settings
        rasa_project.train(settings)
        subprocess.run([str(TEKKIE), "db", "upgrade"], env=env, check=True, cwd=PROJECT_ROOT)
        logs = settings.runtime_dir
        logs.mkdir(parents=True, exist_ok=True)
        token = settings.rasa_token.get_secret_value()
        urls = {
            "actions": f"http://127.0.0.1:{settings.action_port}/health",
            "rasa": f"{settings.rasa_url}/status?token={token}",
            "app": f"{settings.base_url}/health/live",
        }
        for name, url in urls.items():
            self.services[name] = Service(name, env, url, logs / f"{name}.log")
            self.services[name].start()
        for service in self.services.values():
            service.wait_ready()

    def stop(self) -> None:
        for service in self.services.values():
            service.kill()
        self.database.dispose()

    def health(self) -> dict[str, Any]:
        try:
            response = httpx.get(f"{self.stack.app_url}/health", timeout=10)
        except httpx.HTTPError:
            return {"status": "unreachable"}
        body: dict[str, Any] = response.json()
        return body

    def rows(self, query: str, **params: Any) -> list[Any]:
        """Read the leads database directly (not through the cuttable proxy)."""
        with self.database.connect() as connection:
            return list(connection.execute(text(query), params))

    def user_texts(self, sender_id: str, rasa_url: str | None = None) -> list[str]:
        """What Rasa's tracker holds as the prospect's messages, in order (asking `rasa_url`)."""
        token = self.stack.settings.rasa_token.get_secret_value()
        response = httpx.get(
            f"{rasa_url or self.stack.settings.rasa_url}/conversations/{sender_id}/tracker",
            params={"token": token}, timeout=30,
        )  # fmt: skip
        response.raise_for_status()
        return [e.get("text") or "" for e in response.json()["events"] if e["event"] == "user"]


def drop_redis_keys(redis_url: str, prefix: str) -> None:
    """Remove a test stack's keys from the shared Redis."""
    client = redis.Redis.from_url(redis_url)
    try:
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
    finally:
        client.close()


def direct_engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
