"""`tekkie run` (the embedded default) brings a killed process back; /health shows it."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.stack import Stack, listening_addresses, make_stack, start, stop

pytestmark = pytest.mark.rasa


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    stack = start(make_stack(tmp_path_factory.mktemp("supervised")))
    yield stack
    assert stop(stack) == 0
    for port in (stack.settings.app_port, stack.settings.rasa_port, stack.settings.action_port):
        assert listening_addresses(port) == set(), f"port {port} still open"


def health(stack: Stack) -> dict[str, Any]:
    try:
        body: dict[str, Any] = httpx.get(f"{stack.app_url}/health", timeout=5).json()
    except (httpx.HTTPError, ValueError):
        return {}
    return body


def wait_for(condition: Any, timeout: float, what: str) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, what
        time.sleep(0.2)
    return time.monotonic() - started


@pytest.mark.parametrize("name", ["actions", "app"])
def test_a_killed_process_is_restarted_and_the_chat_works_again(embedded: Stack, name: str) -> None:
    wait_for(lambda: health(embedded).get("status") == "ok", 60, "healthy first")
    before = health(embedded)["processes"][name]
    os.killpg(before["pid"], signal.SIGKILL)  # the process and its workers, as an OOM kill

    def restarted() -> bool:
        body = health(embedded)
        process = body.get("processes", {}).get(name, {})
        return (
            body.get("status") == "ok"
            and process.get("state") == "running"
            and (process.get("restarts") == before["restarts"] + 1)
        )

    took = wait_for(restarted, 90, f"{name} restarted")
    after = health(embedded)["processes"][name]
    assert after["pid"] != before["pid"]
    assert after["last_exit_code"] == -signal.SIGKILL
    print(f"\n{name} killed: back and healthy after {took:.1f} s")
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    assert embedded.say(sender, text="hoi")  # the conversation goes on
    log = Path(embedded.settings.runtime_dir, f"{name}.log").read_text()
    assert log.count(f"starting {name}") >= 2  # appended: the crash's log is still there
