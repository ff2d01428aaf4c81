"""Shared fixtures: settings for tests, and the real PostgreSQL and Redis servers.

PostgreSQL and Redis tests are opt-in on a laptop (set TEKKIE_TEST_POSTGRES_URL and
TEKKIE_TEST_REDIS_URL) and required in CI (CI=true): there a missing server fails the run
instead of skipping tests silently.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.settings import Settings
from tests.support.databases import scratch_database

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_URL = os.environ.get("TEKKIE_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("TEKKIE_TEST_REDIS_URL")


def _unavailable(what: str, variable: str) -> None:
    message = f"{what} tests need {variable}"
    if IN_CI:
        pytest.fail(f"{message}; in CI they must run, not be skipped", pytrace=False)
    pytest.skip(f"{message} (opt-in outside CI)")


@pytest.fixture
def test_token() -> str:
    """A fresh, long Rasa token (placeholders are refused outside development)."""
    return secrets.token_urlsafe(24)


@pytest.fixture
def make_settings(tmp_path: Path, test_token: str):  # type: ignore[no-untyped-def]
    """Build Settings for a test, isolated in tmp_path, with overrides."""

    def build(**overrides: object) -> Settings:
        values: dict[str, object] = {
            "environment": "test",
            "database_url": f"sqlite:///{tmp_path / 'tekkie.db'}",
            "rasa_token": test_token,
            "rasa_tracker_db": tmp_path / "rasa-tracker.db",
            "runtime_dir": tmp_path / "run",
        }
        values.update(overrides)
        return Settings(_env_file=None, **values)  # type: ignore[call-arg]

    return build


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """URL of the real PostgreSQL server for tests."""
    if not POSTGRES_URL:
        _unavailable("PostgreSQL", "TEKKIE_TEST_POSTGRES_URL")
    return str(POSTGRES_URL)


@pytest.fixture
def postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    yield from scratch_database(postgres_server_url)


@pytest.fixture(scope="session")
def redis_server_url() -> str:
    """URL of the real Redis server for tests."""
    if not REDIS_URL:
        _unavailable("Redis", "TEKKIE_TEST_REDIS_URL")
    client = redis.Redis.from_url(str(REDIS_URL))
    client.ping()
    client.close()
    return str(REDIS_URL)


@pytest.fixture
def sessions(database_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a freshly migrated database of each kind."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The same test against every database Tekkie supports."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'tekkie.db'}"
    else:
        yield from scratch_database(request.getfixturevalue("postgres_server_url"))
