"""Fixtures of the conversation tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from redis.asyncio import Redis

from integrations.redis_client import make_redis


@pytest.fixture
async def redis_clients(redis_server_url: str) -> AsyncIterator[tuple[Redis, Redis]]:
    """Two clients of one real Redis: two app instances."""
    first, second = make_redis(redis_server_url), make_redis(redis_server_url)
    yield first, second
    await first.aclose()
    await second.aclose()
