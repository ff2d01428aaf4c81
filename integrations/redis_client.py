"""The Redis client Tekkie's app uses (de-duplication fast path, per-conversation locks).

Pooled connections are checked before use and a command retries on a dropped connection,
so the first request after a Redis restart works instead of failing on a stale socket.
Short timeouts: a Redis that hangs must not hold a webhook for long.
"""

from __future__ import annotations

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError


def make_redis(url: str) -> Redis:
    """An asyncio Redis client that survives a Redis restart."""
    return Redis.from_url(
        url,
        socket_connect_timeout=2,
        socket_timeout=5,
        health_check_interval=5,
        retry=Retry(ExponentialBackoff(cap=0.25, base=0.05), retries=1),  # a stale socket
        retry_on_error=[RedisConnectionError, RedisTimeoutError],
    )
