"""One turn at a time per conversation: in this process always, across app instances via Redis.

Rasa keeps a conversation's order only inside one server, and the app may run many times over;
so the app itself never lets two turns of one conversation run at once. The channel pipeline
(`inbound.py`) and the web chat (`turn.py`) hold the same lock, named after the conversation.

Faults: when Redis is down or paused, `hold` raises RedisError (the caller decides: a channel
message waits, the web chat carries on with the in-process lock only).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.conversation.redis_guard import RedisGuard


class ConversationLocks:
    """Per-conversation locks; an in-process lock exists only while someone wants it."""

    def __init__(self, guard: RedisGuard, *, prefix: str = "tekkie") -> None:
        self._guard = guard
        self._prefix = prefix
        self._local: dict[str, tuple[asyncio.Lock, int]] = {}  # key -> (lock, holders+waiters)

    @property
    def shared(self) -> bool:
        """True when the lock also holds across app instances (Redis is configured)."""
        return self._guard.redis is not None

    @asynccontextmanager
    async def _in_process(self, key: str) -> AsyncIterator[None]:
        lock, users = self._local.get(key, (asyncio.Lock(), 0))
        self._local[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._local[key]
            if users == 1:
                del self._local[key]
            else:
                self._local[key] = (lock, users - 1)

    @asynccontextmanager
    async def hold(self, key: str, *, local_only: bool = False) -> AsyncIterator[None]:
        """Hold the conversation's lock (`key`: "channel:user"); RedisError when Redis fails."""
        async with self._in_process(key):
            if local_only or not self.shared:
                yield
                return
            async with self._guard.lock(f"{self._prefix}:turn:{key}"):
                yield

    def waiting(self) -> int:
        """Conversations with a turn running or waiting in this process."""
        return len(self._local)
