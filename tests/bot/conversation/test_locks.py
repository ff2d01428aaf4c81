"""Per-conversation locks: one turn at a time, in one process and across app instances."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from redis.asyncio import Redis
from redis.exceptions import RedisError

from bot.conversation.locks import ConversationLocks
from bot.conversation.redis_guard import RedisGuard
from integrations.redis_client import make_redis
from tests.support.stack import free_port


async def overlapping_turns(locks: list[ConversationLocks], key: str) -> int:
    """Run six turns of one conversation at once over the given locks; the most at a time."""
    inside, most = 0, 0

    async def turn(locks: ConversationLocks) -> None:
        nonlocal inside, most
        async with locks.hold(key):
            inside += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)  # a turn that takes a moment: others must wait it out
            inside -= 1

    await asyncio.gather(*(turn(locks[n % len(locks)]) for n in range(6)))
    return most


async def test_one_turn_at_a_time_in_one_process() -> None:
    locks = ConversationLocks(RedisGuard(None))
    assert await overlapping_turns([locks], "webchat:anna") == 1
    assert locks.waiting() == 0  # nothing kept once the turns are done


async def test_different_conversations_do_not_wait_for_each_other() -> None:
    locks = ConversationLocks(RedisGuard(None))
    started = asyncio.Event()

    async def slow() -> None:
        async with locks.hold("webchat:a"):
            started.set()
            await asyncio.Event().wait()  # holds until cancelled

    holder = asyncio.create_task(slow())
    await started.wait()
    async with asyncio.timeout(1), locks.hold("webchat:b"):
        assert locks.waiting() == 2
    holder.cancel()


async def test_one_turn_at_a_time_across_app_instances(redis_clients: tuple[Redis, Redis]) -> None:
    prefix = f"t{uuid.uuid4().hex[:8]}"
    instances = [ConversationLocks(RedisGuard(c), prefix=prefix) for c in redis_clients]
    assert all(locks.shared for locks in instances)
    assert await overlapping_turns(instances, "telegram:42") == 1
    # Without Redis, two instances do overlap: the shared lock is what keeps them apart.
    alone = [ConversationLocks(RedisGuard(None)), ConversationLocks(RedisGuard(None))]
    assert await overlapping_turns(alone, "telegram:42") > 1


async def test_redis_down_raises_unless_only_the_local_lock_is_asked_for() -> None:
    client = make_redis(f"redis://127.0.0.1:{free_port()}/0")
    locks = ConversationLocks(RedisGuard(client))
    try:
        with pytest.raises(RedisError):
            async with locks.hold("webchat:anna"):
                pass
        async with locks.hold("webchat:anna", local_only=True):
            assert locks.waiting() == 1
        assert locks.waiting() == 0
    finally:
        await client.aclose()
