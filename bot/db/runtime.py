"""The process-wide engine and session factory (for the action server and the CLI)."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory
from bot.settings import get_settings


@lru_cache(maxsize=1)
def sessions() -> sessionmaker[Session]:
    """Sessions on the configured database, created once per process."""
    return make_session_factory(make_engine(get_settings().database_url))
