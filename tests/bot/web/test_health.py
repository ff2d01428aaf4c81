"""/health: each dependency's state, 503 when one is down; /health/live: the process is up.

Rasa and the action server are stand-ins on 127.0.0.1 (or free ports nobody listens on);
the database and Redis are real, or a port nobody listens on.
"""

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from bot.settings import Settings
from bot.web.app import create_app
from tests.support.fake_rasa import FakeRasa, running
from tests.support.stack import free_port


class ActionServer(ThreadingHTTPServer):
    """The action server's GET /health, answering `status`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ActionHandler)
        self.status = 200

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _ActionHandler(BaseHTTPRequestHandler):
    server: ActionServer

    def log_message(self, *_: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self.send_response(self.server.status if self.path == "/health" else 404)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), rasa_timeout_seconds=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        yield server


@pytest.fixture
def actions() -> Iterator[ActionServer]:
    server = ActionServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


Health = Callable[..., tuple[int, dict[str, Any]]]


@pytest.fixture
def health(make_settings: Any, rasa: FakeRasa, actions: ActionServer) -> Health:
    """GET /health (or `path`) of an app with the stand-ins and the given settings.

    Logs are captured: unconfigured structlog renders each traceback on the event loop (slow).
    """

    def get(path: str = "/health", **overrides: object) -> tuple[int, dict[str, Any]]:
        settings: Settings = make_settings(
            rasa_port=rasa.port, action_port=actions.port, outbox_worker_interval=0, **overrides
        )
        with capture_logs(), TestClient(create_app(settings)) as test_client:
            response = test_client.get(path)
        return response.status_code, response.json()

    return get


def test_health_says_rasa_is_down_and_the_database_is_up(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded", "database": "up", "rasa": "down", "actions": "down"
    }  # fmt: skip
    assert client.get("/health/live").status_code == 200


def test_health_says_which_dependency_is_down(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Defects: /health stayed 200 with Redis down, and never looked at the action server."""
    settings: Settings = make_settings(
        rasa_port=free_port(),
        action_port=free_port(),
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
    assert (body["database"], body["redis"], body["rasa"], body["actions"]) == (
        "up", "down", "down", "down",
    )  # fmt: skip


@pytest.mark.redis
def test_health_is_ok_when_every_dependency_answers(health: Health, redis_server_url: str) -> None:
    assert health(redis_url=redis_server_url) == (
        200, {"status": "ok", "database": "up", "redis": "up", "rasa": "up", "actions": "up"},
    )  # fmt: skip


def test_health_says_the_database_is_down_and_live_still_answers(health: Health) -> None:
    down = {"database_url": f"postgresql://postgres@127.0.0.1:{free_port()}/tekkie"}
    assert health(**down) == (
        503, {"status": "degraded", "database": "down", "rasa": "up", "actions": "up"},
    )  # fmt: skip
    assert health("/health/live", **down) == (200, {"status": "ok"})


def test_rasa_without_a_model_counts_as_down(health: Health, rasa: FakeRasa) -> None:
    rasa.model_file = None  # Rasa answers, but cannot predict anything yet
    status, body = health()
    assert (status, body["status"], body["rasa"]) == (503, "degraded", "down")


def test_an_action_server_that_answers_an_error_counts_as_down(
    health: Health, actions: ActionServer
) -> None:
    actions.status = 500
    status, body = health()
    assert (status, body["rasa"], body["actions"]) == (503, "up", "down")


def test_under_tekkie_run_health_lists_the_supervised_processes(
    health: Health, tmp_path: Path
) -> None:
    processes = {
        "rasa": {"state": "running", "restarts": 1, "last_exit_code": -9,
                 "last_restart_at": "2025-03-01T09:30:00+00:00", "pid": 4242},
    }  # fmt: skip
    runtime = tmp_path / "supervised"
    runtime.mkdir()
    (runtime / "supervisor.json").write_text(json.dumps(processes), encoding="utf-8")
    status, body = health(runtime_dir=runtime)
    assert status == 200
    assert body["processes"] == processes
