"""The app's Redis client after Redis went away and came back."""

import pytest
from sqlalchemy.engine import make_url

from integrations.redis_client import make_redis
from tests.support.proxy import CuttableProxy

pytestmark = pytest.mark.redis


async def test_the_first_command_after_a_redis_restart_works(redis_server_url: str) -> None:
    """Defect: the first request after Redis returned failed on a stale pooled connection."""
    target = make_url(redis_server_url)
    proxy = CuttableProxy(target.host or "127.0.0.1", target.port or 6379).start()
    client = make_redis(f"redis://127.0.0.1:{proxy.port}/0")
    try:
        assert await client.ping()
        proxy.cut()  # every pooled connection is dropped
        proxy.restore()
        assert await client.ping()  # no ConnectionError for the unlucky first caller
    finally:
        await client.aclose()
        proxy.stop()
