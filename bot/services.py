"""Start, watch and stop Tekkie's three processes: Rasa, the action server and the web app."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

from bot import rasa_project
from bot.settings import PROJECT_ROOT, Settings


@dataclass
class ServiceSpec:
    """How to start one process and how to tell that it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    ready_check: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200
    startup_timeout: float = 60.0


@dataclass
class RunningService:
    """A started process and its log file."""

    spec: ServiceSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    log_file: IO[bytes] = field(repr=False)


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that gives a child process exactly these settings."""
    env = dict(os.environ)
    for name, value in settings.model_dump().items():
        if value is None:
            env.pop(name.upper(), None)
            continue
        plain = value.get_secret_value() if hasattr(value, "get_secret_value") else value
        env[name.upper()] = str(plain).lower() if isinstance(plain, bool) else str(plain)
    return env


def rasa_spec(settings: Settings, model: Path) -> ServiceSpec:
    """Rasa on 127.0.0.1 with the API token, our channel and the generated endpoints."""
    files = rasa_project.write_runtime_files(settings)
    token = settings.rasa_token.get_secret_value()
    return ServiceSpec(
        name="rasa",
        command=rasa_project.rasa_server_command(settings, files, model),
        env=rasa_project.rasa_server_environment(settings),
        ready_url=f"{settings.rasa_url}/status?token={token}",
        ready_check=lambda r: r.status_code == 200 and bool(r.json().get("model_file")),
        startup_timeout=240.0,
    )


def actions_spec(settings: Settings) -> ServiceSpec:
    """The rasa-sdk action server running the `actions` package."""
    env = settings_env(settings) | {"SANIC_HOST": settings.action_host}
    return ServiceSpec(
        name="actions",
        command=[
            sys.executable,
            "-m",
            "rasa_sdk",
            "--actions",
            "actions",
            "--port",
            str(settings.action_port),
        ],
        env=env,
        ready_url=f"http://{settings.action_host}:{settings.action_port}/health",
    )


def app_spec(settings: Settings) -> ServiceSpec:
    """The web app (web chat, API, health) under uvicorn."""
    return ServiceSpec(
        name="app",
        command=[
            sys.executable,
            "-m",
            "uvicorn",
            "bot.web.app:create_app_from_env",
            "--factory",
            "--host",
            settings.app_host,
            "--port",
            str(settings.app_port),
            "--no-access-log",
        ],
        env=settings_env(settings),
        ready_url=f"http://{settings.app_host}:{settings.app_port}/health/live",
    )


class ServiceError(RuntimeError):
    """A service failed to start or stopped unexpectedly."""


class Supervisor:
    """Runs several services, each in its own process group, and stops them all together."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.running: list[RunningService] = []

    def start(self, spec: ServiceSpec) -> RunningService:
        """Start one service in the background, logging to `<log_dir>/<name>.log`."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.log_dir / f"{spec.name}.log"
        log_file = log_path.open("wb")
        process = subprocess.Popen(
            spec.command,
            cwd=PROJECT_ROOT,
            env=spec.env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches us; we stop the children in order
        )
        service = RunningService(spec, process, log_path, log_file)
        self.running.append(service)
        return service

    def wait_ready(self, services: Iterable[RunningService]) -> None:
        """Block until every service answers its readiness check, or raise with its log tail."""
        for service in services:
            deadline = time.monotonic() + service.spec.startup_timeout
            while not self._is_ready(service):
                if service.process.poll() is not None:
                    raise ServiceError(self._failure(service, "stopped during start-up"))
                if time.monotonic() > deadline:
                    raise ServiceError(self._failure(service, "did not become ready in time"))
                time.sleep(0.25)

    def first_exited(self) -> RunningService | None:
        """A service that has stopped on its own, if any."""
        return next((s for s in self.running if s.process.poll() is not None), None)

    def stop_all(self, timeout: float = 15.0) -> None:
        """Stop every service: SIGTERM to each process group, SIGKILL after `timeout`."""
        for service in reversed(self.running):
            _signal_group(service.process, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for service in reversed(self.running):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                service.process.wait(remaining)
            except subprocess.TimeoutExpired:
                _signal_group(service.process, signal.SIGKILL)
                service.process.wait()
            service.log_file.close()
        self.running.clear()

    @staticmethod
    def _is_ready(service: RunningService) -> bool:
        try:
            response = httpx.get(service.spec.ready_url, timeout=2.0)
        except httpx.HTTPError:
            return False
        return service.spec.ready_check(response)

    @staticmethod
    def _failure(service: RunningService, what: str) -> str:
        service.log_file.flush()
        tail = service.log_path.read_text(errors="replace")[-2500:]
        return f"{service.spec.name} {what}; last lines of {service.log_path}:\n{tail}"


def _signal_group(process: subprocess.Popen[bytes], sig: signal.Signals) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
