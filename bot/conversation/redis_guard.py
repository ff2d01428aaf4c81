"""Redis for the channel pipeline, left alone for a moment after it failed.

Without the pause each webhook would wait for the client's retries again while Redis is
away. Both the duplicate check (optional: the database de-duplicates) and the conversation
lock (required across app instances) go through one guard, so they share the pause.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = structlog.get_logger(__name__)
REDIS_PAUSE = 5.0  # seconds Redis is left alone after it failed


class RedisGuard:
    """Runs Redis commands and locks; after a failure Redis is skipped for `pause` seconds."""

    def __init__(self, redis: Redis | None, *, pause: float = REDIS_PAUSE) -> None:
        self.redis = redis
        self._pause = pause
        self._paused_until = 0.0

    def _usable(self) -> Redis | None:
        if self.redis is None or time.monotonic() < self._paused_until:
            return None
        return self.redis

    def _failed(self) -> None:
        self._paused_until = time.monotonic() + self._pause

    async def call(self, command: Callable[[Redis], Awaitable[Any]]) -> Any:
        """Run a command; None when there is no Redis, or it is down or paused."""
        redis = self._usable()
        if redis is None:
            return None
        try:
            return await command(redis)
        except RedisError:
            self._failed()
            log.warning("inbound.redis_unavailable", exc_info=True)
            return None

    @asynccontextmanager
    async def lock(self, name: str) -> AsyncIterator[None]:
        """Hold a Redis lock; raises RedisError when Redis is down or paused (nothing to lock)."""
        if self.redis is None:
            raise RedisError("no Redis configured")
        if self._usable() is None:
            raise RedisError("Redis failed a moment ago")
        try:
            async with self.redis.lock(name, timeout=120, blocking_timeout=60):
                yield
        except RedisError:
            self._failed()
            raise
