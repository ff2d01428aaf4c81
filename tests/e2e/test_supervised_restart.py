"""`tekkie run` brings a killed process back; /health shows it (on both shared stacks).

The stack is shared with the other end-to-end tests: each test here waits until the stack is
healthy again, so the tests after it meet a stack that has been through a crash, as in life.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.stack import Stack


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
def test_a_killed_process_is_restarted_and_the_chat_works_again(stack: Stack, name: str) -> None:
    wait_for(lambda: health(stack).get("status") == "ok", 60, "healthy first")
    before = health(stack)["processes"][name]
    os.killpg(before["pid"], signal.SIGKILL)  # the process and its workers, as an OOM kill

    def restarted() -> bool:
        body = health(stack)
        process = body.get("processes", {}).get(name, {})
        return (
            body.get("status") == "ok"
            and process.get("state") == "running"
            and (process.get("restarts") == before["restarts"] + 1)
        )

    took = wait_for(restarted, 90, f"{name} restarted")
    after = health(stack)["processes"][name]
    assert after["pid"] != before["pid"]
    assert after["last_exit_code"] == -signal.SIGKILL
    print(f"\n{name} killed: back and healthy after {took:.1f} s")
    sender = f"restart-{uuid.uuid4().hex[:8]}"
    assert stack.say(sender, text="hoi")  # the conversation goes on
    log = Path(stack.settings.runtime_dir, f"{name}.log").read_text()
    assert log.count(f"starting {name}") >= 2  # appended: the crash's log is still there
