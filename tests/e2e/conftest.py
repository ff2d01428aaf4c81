"""The real stack per storage setup: embedded (SQLite) and production-like (PostgreSQL+Redis)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.support.databases import scratch_database
from tests.support.fakes import FakeTelegramApi, FakeTwilioApi, channel_settings
from tests.support.stack import Stack, listening_addresses, make_stack, start, stop

LOOPBACK = {"0100007F", "00000000000000000000000001000000"}  # 127.0.0.1 and ::1 in /proc/net


@pytest.fixture(
    scope="session",
    params=[
        pytest.param("embedded", marks=pytest.mark.rasa),
        pytest.param(
            "production", marks=[pytest.mark.rasa, pytest.mark.postgres, pytest.mark.redis]
        ),
    ],
)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    telegram_api: FakeTelegramApi,
    twilio_api: FakeTwilioApi,
) -> Iterator[Stack]:
    """`tekkie run` with Rasa, actions and app; stopped with Ctrl-C after the session."""
    workdir: Path = tmp_path_factory.mktemp(request.param)
    channels = channel_settings(telegram_api, twilio_api)
    if request.param == "embedded":
        yield from _run(make_stack(workdir, **channels))
        return
    redis_url = request.getfixturevalue("redis_server_url")
    prefix = f"tekkietest{uuid.uuid4().hex[:8]}"
    database = scratch_database(request.getfixturevalue("postgres_server_url"))
    try:
        overrides = {
            **channels,
            "DATABASE_URL": next(database),
            "REDIS_URL": redis_url,
            "REDIS_KEY_PREFIX": prefix,
        }
        yield from _run(make_stack(workdir, **overrides))
    finally:
        client = redis.Redis.from_url(redis_url)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
        database.close()


@pytest.fixture(scope="session")
def telegram_api() -> Iterator[FakeTelegramApi]:
    """The local Telegram Bot API stand-in every stack sends to."""
    api = FakeTelegramApi().start()
    yield api
    api.stop()


@pytest.fixture(scope="session")
def twilio_api() -> Iterator[FakeTwilioApi]:
    """The local Twilio REST API stand-in every stack sends to."""
    api = FakeTwilioApi().start()
    yield api
    api.stop()


def _run(stack: Stack) -> Iterator[Stack]:
    start(stack)
    ports = (stack.settings.app_port, stack.settings.rasa_port, stack.settings.action_port)
    yield stack
    assert stop(stack) == 0, "tekkie run did not stop cleanly on Ctrl-C"
    for port in ports:
        assert listening_addresses(port) == set(), f"port {port} still open after Ctrl-C"


@pytest.fixture
def sender() -> str:
    """A new conversation id for each test."""
    return f"test-{uuid.uuid4().hex[:12]}"
