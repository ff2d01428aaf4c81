"""What Tekkie's three processes are: Rasa, the action server and the app (commands, ports).

`bot/supervisor.py` starts, watches and restarts them for `tekkie run`; `tekkie serve <name>`
runs one of them in the foreground for a production process manager.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from bot.ops import rasa_project
from bot.settings import Settings


@dataclass
class ServiceSpec:
    """How to start one process, the port it listens on and how to tell that it is ready."""

    name: str
    command: list[str]
    env: dict[str, str]
    ready_url: str
    port: int
    ready_check: Callable[[httpx.Response], bool] = lambda r: r.status_code == 200
    startup_timeout: float = 60.0

    @property
    def host(self) -> str:
        """The address the service listens on (the host of its readiness URL)."""
        return httpx.URL(self.ready_url).host


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


def rasa_spec(settings: Settings, model: Path, number: int = 0) -> ServiceSpec:
    """Rasa server `number` (0, 1, ...: RASA_SERVERS) on 127.0.0.1 with the API token."""
    files = rasa_project.write_runtime_files(settings)
    token = settings.rasa_token.get_secret_value()
    port = settings.rasa_port + number
    return ServiceSpec(
        name="rasa" if number == 0 else f"rasa-{number + 1}",
        command=rasa_project.rasa_server_command(settings, files, model, port=port),
        env=rasa_project.rasa_server_environment(settings),
        ready_url=f"http://{settings.rasa_host}:{port}/status?token={token}",
        port=port,
        ready_check=lambda r: r.status_code == 200 and bool(r.json().get("model_file")),
        startup_timeout=240.0,
    )


def rasa_specs(settings: Settings, model: Path) -> list[ServiceSpec]:
    """Every Rasa server `tekkie run` starts (RASA_SERVERS of them)."""
    return [rasa_spec(settings, model, number) for number in range(settings.rasa_servers)]


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
        port=settings.action_port,
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
            # uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise.
            *(
                ["--forwarded-allow-ips", settings.trusted_proxies.replace(" ", "")]
                if settings.trusted_proxies.strip()
                else ["--no-proxy-headers"]
            ),
        ],
        env=settings_env(settings),
        ready_url=f"http://{settings.app_host}:{settings.app_port}/health/live",
        port=settings.app_port,
    )
