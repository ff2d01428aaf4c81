"""The database every action test runs on (helpers: tests/support/actions.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker


@pytest.fixture
def database(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The test's migrated database (SQLite and PostgreSQL)."""
    return sessions
