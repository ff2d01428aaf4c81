"""The supervisor behind `tekkie run`, with small real HTTP servers standing in for services."""

from __future__ import annotations

import os
import signal
import socket
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from bot.ops.children import RestartPolicy, port_in_use
from bot.ops.services import ServiceSpec, actions_spec, app_spec
from bot.ops.supervisor import ServiceError, Supervisor, SupervisorEvent, load_status
from tests.support.stack import free_port

# A quiet HTTP server on the port in argv[1] answering 200 to every GET.
SERVER = """
import http.server, sys

class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass

print("serving", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""

# Like Sanic: the leader forks a worker (same process group) that holds the port.
FORKING_SERVER = f"import os\nif os.fork() == 0:\n{textwrap.indent(SERVER, '    ')}\nos.wait()\n"


def fake_spec(name: str = "fake", script: str = SERVER, port: int | None = None) -> ServiceSpec:
    port = port or free_port()
    return ServiceSpec(
        name=name,
        command=[sys.executable, "-c", script, str(port)],
        env=dict(os.environ),
        ready_url=f"http://127.0.0.1:{port}/",
        port=port,
        startup_timeout=10.0,
    )


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.05)


def group_gone(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return True
    return False


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def supervisor(tmp_path: Path) -> Iterator[Supervisor]:
    supervisor = Supervisor(tmp_path / "run", policy=lambda: RestartPolicy(first_delay=0.1))
    yield supervisor
    supervisor.stop_all(timeout=5.0)


def test_stop_all_kills_the_orphaned_worker_of_a_killed_leader(supervisor: Supervisor) -> None:
    spec = fake_spec(script=FORKING_SERVER)
    service = supervisor.start(spec)
    supervisor.wait_ready([service])
    os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait(5.0)
    assert answers(spec.ready_url)  # the orphan still holds the port

    supervisor.stop_all(timeout=5.0)

    assert not port_in_use("127.0.0.1", spec.port)
    wait_for(lambda: group_gone(service.process.pid), timeout=5.0)  # zombies may await reaping


def test_stop_all_kills_a_group_that_ignores_sigterm(supervisor: Supervisor) -> None:
    stubborn = "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    service = supervisor.start(fake_spec(script=stubborn + "print('deaf', flush=True)\n" + SERVER))
    supervisor.wait_ready([service])
    assert "deaf" in service.log_path.read_text()

    started = time.monotonic()
    supervisor.stop_all(timeout=0.5)

    assert time.monotonic() - started < 5.0
    assert service.process.returncode == -signal.SIGKILL
    assert load_status(supervisor.log_dir) is None


def run_until(
    supervisor: Supervisor, done: Callable[[list[SupervisorEvent]], bool], timeout: float = 10.0
) -> list[SupervisorEvent]:
    events: list[SupervisorEvent] = []

    def step() -> bool:
        events.extend(supervisor.check_and_restart(time.monotonic()))
        return done(events)

    wait_for(step, timeout)
    return events


@pytest.mark.parametrize("script", [SERVER, FORKING_SERVER], ids=["single", "with-worker"])
def test_a_crashed_service_is_restarted_and_its_log_appended(
    supervisor: Supervisor, script: str
) -> None:
    spec = fake_spec(script=script)
    log = supervisor.log_dir / "fake.log"
    log.parent.mkdir(parents=True)
    log.write_text("line from an earlier run\n")
    service = supervisor.start(spec)
    supervisor.wait_ready([service])
    first_pid = service.process.pid
    assert load_status(supervisor.log_dir) == {
        "fake": {
            "state": "running",
            "restarts": 0,
            "last_exit_code": None,
            "last_restart_at": None,
            "pid": first_pid,
        }
    }

    os.kill(first_pid, signal.SIGKILL)
    events = run_until(supervisor, lambda events: any(e.kind == "recovered" for e in events))

    assert [e.kind for e in events] == ["crashed", "restarted", "recovered"]
    assert "fake exited with code -9; restarting in 0.1 s" in events[0].message
    assert answers(spec.ready_url)
    status = load_status(supervisor.log_dir)
    assert status is not None
    assert status["fake"]["state"] == "running"
    assert status["fake"]["restarts"] == 1
    assert status["fake"]["last_exit_code"] == -9
    assert status["fake"]["last_restart_at"] is not None
    assert status["fake"]["pid"] == service.process.pid != first_pid
    wait_for(lambda: group_gone(first_pid), timeout=5.0)  # the old worker too
    text = log.read_text()
    assert text.startswith("line from an earlier run\n=====")
    assert "starting fake (attempt 1) =====" in text
    assert "starting fake (attempt 2) =====" in text
    assert text.count("serving") == 2


def test_the_status_says_restarting_while_waiting_to_restart(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, policy=lambda: RestartPolicy(first_delay=30.0))
    service = supervisor.start(fake_spec())
    os.kill(service.process.pid, signal.SIGKILL)
    service.process.wait(5.0)
    try:
        events = supervisor.check_and_restart(time.monotonic())
        assert [e.kind for e in events] == ["crashed"]
        status = load_status(tmp_path)
        assert status is not None
        assert status["fake"]["state"] == "restarting"
        assert status["fake"]["restarts"] == 0
        assert supervisor.check_and_restart(time.monotonic()) == []  # still backing off
    finally:
        supervisor.stop_all(timeout=5.0)
    assert load_status(tmp_path) is None


def test_supervisor_gives_up_on_a_service_that_keeps_crashing(tmp_path: Path) -> None:
    supervisor = Supervisor(tmp_path, policy=lambda: RestartPolicy(first_delay=0.01, max_crashes=3))
    supervisor.start(fake_spec(script="raise SystemExit(3)"))
    try:
        events = run_until(
            supervisor, lambda events: events[-1:] != [] and events[-1].kind == "failed"
        )
        assert [e.kind for e in events] == ["crashed", "restarted"] * 2 + ["failed"]
        assert "3 crashes within 5 minutes, giving up; see" in events[-1].message
        assert str(tmp_path / "fake.log") in events[-1].message
        status = load_status(tmp_path)
        assert status is not None
        assert status["fake"]["state"] == "failed"
        assert status["fake"]["restarts"] == 2
        assert status["fake"]["last_exit_code"] == 3
        assert supervisor.check_and_restart(time.monotonic()) == []
    finally:
        supervisor.stop_all(timeout=5.0)


def test_starting_on_a_busy_port_fails_with_a_clear_message(supervisor: Supervisor) -> None:
    with socket.socket() as orphan:
        orphan.bind(("127.0.0.1", 0))
        orphan.listen()
        port = orphan.getsockname()[1]
        with pytest.raises(ServiceError) as error:
            supervisor.start(fake_spec(name="actions", port=port))
    assert str(error.value).startswith(
        f"port {port} (actions) is already in use — is another Tekkie running?"
    )
    assert supervisor.running == []
    assert not (supervisor.log_dir / "actions.log").exists()


def test_load_status_is_none_without_a_readable_file(tmp_path: Path) -> None:
    assert load_status(tmp_path) is None
    (tmp_path / "supervisor.json").write_text("{not json")
    assert load_status(tmp_path) is None


def test_service_specs_name_their_ports(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(action_port=6055, app_port=9000)
    assert actions_spec(settings).port == 6055
    assert app_spec(settings).port == 9000
