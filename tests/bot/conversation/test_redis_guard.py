"""The Redis guard: commands and locks on a real Redis, and the pause after Redis failed."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from bot.conversation import redis_guard
from bot.conversation.redis_guard import RedisGuard
from integrations.redis_client import make_redis
from tests.support.proxy import CuttableProxy
from tests.support.stack import free_port


class Attempts:
    """A command that counts how often the guard really ran it."""

    def __init__(self, key: str = "") -> None:
        self.count = 0
        self.key = key or f"tekkie-test:{uuid.uuid4().hex}"

    async def __call__(self, redis: Redis) -> Any:
        self.count += 1
        return await redis.incr(self.key)


@pytest.fixture(autouse=True)
def quiet_warnings() -> Iterator[None]:
    """Capture the guard's warnings: unconfigured structlog renders each traceback (slow)."""
    with structlog.testing.capture_logs():
        yield


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> SimpleNamespace:
    """The guard's clock, moved by the test (only the module's `time` is replaced)."""
    now = SimpleNamespace(value=1000.0)
    monkeypatch.setattr(redis_guard, "time", SimpleNamespace(monotonic=lambda: now.value))
    return now


@pytest.fixture
async def down() -> AsyncIterator[Redis]:
    """The app's Redis client of a Redis that is not running: its port refuses."""
    client = make_redis(f"redis://127.0.0.1:{free_port()}/0")
    yield client
    await client.aclose()


@pytest.fixture
async def live(redis_server_url: str) -> AsyncIterator[Redis]:
    client = make_redis(redis_server_url)
    yield client
    await client.aclose()


@pytest.fixture
def proxy(redis_server_url: str) -> Iterator[CuttableProxy]:
    """A network path to the real Redis that a test can cut and restore."""
    target = make_url(redis_server_url)
    proxy = CuttableProxy(target.host or "127.0.0.1", target.port or 6379).start()
    yield proxy
    proxy.stop()


@pytest.fixture
async def proxied(proxy: CuttableProxy) -> AsyncIterator[Redis]:
    client = make_redis(f"redis://127.0.0.1:{proxy.port}/0")
    yield client
    await client.aclose()


def named(url: str, name: str) -> str:
    """The URL with a client name, so the test can find that client in CLIENT LIST."""
    return f"{url}{'&' if '?' in url else '?'}client_name={name}"


async def until_tried_to_lock(observer: Redis, client_name: str) -> None:
    """Wait until the named client has sent SET (redis-py's lock acquire) to Redis."""

    async def tried() -> bool:
        clients = await observer.client_list()
        return any(c.get("name") == client_name and c.get("cmd") == "set" for c in clients)

    try:
        async with asyncio.timeout(10):
            while True:
                if await tried():
                    return
                await asyncio.sleep(0.01)  # polls Redis: nothing here to wait on
    except TimeoutError:
        raise AssertionError(f"{client_name} never tried to take the lock") from None


@pytest.mark.redis
async def test_commands_run_on_a_live_redis(live: Redis) -> None:
    guard, command = RedisGuard(live), Attempts()
    try:
        assert await guard.call(command) == 1
        assert await guard.call(command) == 2
        assert await live.get(command.key) == b"2"
    finally:
        await live.delete(command.key)


@pytest.mark.redis
async def test_a_lock_keeps_a_second_app_instance_out_until_it_is_released(
    redis_server_url: str, live: Redis
) -> None:
    name = f"tekkie-test:turn:{uuid.uuid4().hex}"
    second_name = f"tekkie-test-{uuid.uuid4().hex[:12]}"
    first = RedisGuard(make_redis(redis_server_url))
    second = RedisGuard(make_redis(named(redis_server_url, second_name)))
    log: list[str] = []

    async def second_turn() -> None:
        async with second.lock(name):
            log.append("second in")

    try:
        async with first.lock(name):
            log.append("first in")
            assert await live.exists(name)  # the lock is held in Redis, not in this process
            waiter = asyncio.create_task(second_turn())
            await until_tried_to_lock(live, second_name)
            log.append("first out")
        await asyncio.wait_for(waiter, timeout=10)
        assert log == ["first in", "first out", "second in"]
        assert not await live.exists(name)  # released
    finally:
        await live.delete(name)
        for guard in (first, second):
            assert guard.redis is not None
            await guard.redis.aclose()


async def test_a_call_while_redis_is_down_returns_none_and_pauses_redis(down: Redis) -> None:
    guard, command = RedisGuard(down, pause=60), Attempts()
    assert await guard.call(command) is None
    assert command.count == 1
    assert await guard.call(command) is None
    assert command.count == 1  # paused: not even tried


async def test_after_the_pause_redis_is_tried_again(down: Redis, clock: SimpleNamespace) -> None:
    guard, command = RedisGuard(down, pause=5), Attempts()
    assert await guard.call(command) is None
    clock.value += 4.9
    assert await guard.call(command) is None
    assert command.count == 1
    clock.value += 0.2  # the pause is over
    assert await guard.call(command) is None
    assert command.count == 2  # tried, failed again
    clock.value += 4.9
    assert await guard.call(command) is None
    assert command.count == 2  # and paused again, from the new failure


@pytest.mark.redis
async def test_a_redis_that_came_back_is_used_once_the_pause_ends(
    proxy: CuttableProxy, proxied: Redis, clock: SimpleNamespace
) -> None:
    guard, command = RedisGuard(proxied, pause=5), Attempts()
    try:
        proxy.cut()
        assert await guard.call(command) is None
        proxy.restore()  # Redis is back, but the guard leaves it alone for now
        assert await guard.call(command) is None
        assert command.count == 1
        clock.value += 5.1
        assert await guard.call(command) == 1
        assert command.count == 2
    finally:
        await proxied.delete(command.key)


async def test_a_lock_on_a_redis_that_is_down_raises_and_pauses_redis(down: Redis) -> None:
    guard, command = RedisGuard(down, pause=60), Attempts()
    entered = False
    with pytest.raises(RedisError):
        async with guard.lock("tekkie-test:turn:down"):
            entered = True
    assert not entered
    assert await guard.call(command) is None
    assert command.count == 0  # commands share the pause the lock started


@pytest.mark.redis
async def test_a_lock_while_redis_is_paused_raises_without_trying(
    proxy: CuttableProxy, proxied: Redis, live: Redis, clock: SimpleNamespace
) -> None:
    guard, name = RedisGuard(proxied, pause=5), f"tekkie-test:turn:{uuid.uuid4().hex}"
    proxy.cut()
    assert await guard.call(Attempts()) is None
    proxy.restore()
    with pytest.raises(RedisError, match="a moment ago"):
        async with guard.lock(name):
            pytest.fail("entered a lock while Redis was paused")
    assert not await live.exists(name)  # nothing was taken in Redis
    clock.value += 5.1
    try:
        async with guard.lock(name):
            assert await live.exists(name)
    finally:
        await live.delete(name)


@pytest.mark.redis
async def test_a_lock_whose_redis_goes_away_while_held_raises_and_pauses_redis(
    proxy: CuttableProxy, proxied: Redis, live: Redis
) -> None:
    guard, name = RedisGuard(proxied, pause=60), f"tekkie-test:turn:{uuid.uuid4().hex}"
    command = Attempts()
    try:
        with pytest.raises(RedisError):
            async with guard.lock(name):
                proxy.cut()  # the release cannot reach Redis
        proxy.restore()
        assert await guard.call(command) is None
        assert command.count == 0
    finally:
        await live.delete(name, command.key)


async def test_without_redis_calls_return_none_and_locks_raise() -> None:
    guard, command = RedisGuard(None), Attempts()
    assert await guard.call(command) is None
    assert command.count == 0
    with pytest.raises(RedisError, match="no Redis configured"):
        async with guard.lock("tekkie-test:turn:none"):
            pytest.fail("entered a lock without Redis")
