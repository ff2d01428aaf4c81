"""One child of `tekkie run`: the restart policy's backoff and the port check."""

from __future__ import annotations

import socket

from bot.ops.children import RestartPolicy, port_in_use
from tests.support.stack import free_port


def test_restart_policy_doubles_the_delay_up_to_a_cap() -> None:
    policy = RestartPolicy(max_crashes=100)
    delays = [policy.record_crash(now=float(t)) for t in range(7)]
    assert delays == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]


def test_restart_policy_starts_over_after_a_healthy_minute() -> None:
    policy = RestartPolicy()
    assert policy.record_crash(0.0) == 1.0
    policy.record_ready(2.0)
    assert policy.record_crash(30.0) == 2.0  # ready for only 28 s
    policy.record_ready(33.0)
    assert policy.record_crash(93.0) == 1.0  # ready for 60 s: the backoff starts over
    assert policy.record_crash(94.0) == 2.0  # never ready since


def test_restart_policy_gives_up_at_five_crashes_within_five_minutes() -> None:
    policy = RestartPolicy()
    assert all(policy.record_crash(t) is not None for t in (0.0, 10.0, 20.0, 30.0))
    assert policy.record_crash(299.0) is None

    spread = RestartPolicy()
    assert all(spread.record_crash(t) is not None for t in (0.0, 100.0, 200.0, 300.0, 400.0))


def test_port_in_use_sees_a_listener_and_not_a_free_port() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        assert port_in_use("127.0.0.1", listener.getsockname()[1])
    assert not port_in_use("127.0.0.1", free_port())
