"""The routes each server really has: the probes and health checks in deploy/ must ask those."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from sanic import Sanic
from starlette.routing import Match

from bot.ops import rasa_project
from bot.settings import Settings
from bot.web.app import create_app
from tests.deploy.deployment import STAND_INS

Routed = Callable[[str], bool]


def _app_routes() -> Routed:
    """Whether the real FastAPI app (built as in production, never started) routes a GET."""
    settings = Settings(
        _env_file=None, environment="production", database_url="sqlite://",
        rasa_token=STAND_INS["RASA_TOKEN"],
    )  # fmt: skip
    app = create_app(settings)

    def routed(path: str) -> bool:
        scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "headers": []}
        return any(route.matches(scope)[0] is Match.FULL for route in app.router.routes)

    return routed


def _action_server_routes() -> Routed:
    """Paths of rasa-sdk's action server, as `tekkie serve actions` runs it."""
    from rasa_sdk.endpoint import create_app as create_action_server
    from rasa_sdk.executor import ActionExecutor

    try:  # Sanic keeps one app per name for the whole process
        server = Sanic.get_app("rasa_sdk")
    except Exception:  # noqa: BLE001 - Sanic raises its own SanicException
        server = create_action_server(ActionExecutor())
    return {"/" + route.path.lstrip("/") for route in server.router.routes}.__contains__


def _rasa_open_routes() -> Routed | None:
    """GET routes of Rasa's server that need no token, read from Rasa's source in .venv-rasa."""
    sources = sorted(rasa_project.RASA_VENV.glob("lib/python3*/site-packages/rasa/server.py"))
    if not sources:
        return None
    text = sources[0].read_text(encoding="utf-8")
    return set(re.findall(r'@app\.get\("([^"]+)"\)\n(?!\s*@requires_auth)', text)).__contains__


@pytest.fixture(scope="session")
def routes() -> dict[str, Routed | None]:
    """Server role (app, actions, rasa) -> whether it answers a GET on a path.

    rasa is None when Rasa's venv is not installed here.
    """
    return {"app": _app_routes(), "actions": _action_server_routes(), "rasa": _rasa_open_routes()}
