"""What the actions need from the outside, wired once for the action server.

rasa-sdk makes each action with `Action()`, so an action takes its dependencies as an
optional argument: tests pass their own (`ActionX(deps=Deps(...))`), and the action server
gets `from_environment()`, built from the settings on first use, once per process.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from bot.db.engine import make_engine, make_session_factory
from bot.learning import similar
from bot.outbox import Notices
from bot.settings import get_settings


@dataclass(frozen=True)
class Deps:
    """The database, where notices go, the privacy notice's address, how questions compare."""

    sessions: sessionmaker[Session]
    notices: Notices
    privacy_url: str
    # built on first use: it reads every training example (bot/learning/similar.py)
    similarity: Callable[[], similar.Similarity] = similar.from_training_data


@lru_cache(maxsize=1)
def from_environment() -> Deps:
    """The action server's dependencies, from its settings (read once)."""
    settings = get_settings()
    return Deps(
        sessions=make_session_factory(make_engine(settings.database_url)),
        notices=Notices.from_settings(settings),
        privacy_url=settings.privacy_notice_url,
    )


class Wired:
    """Mixin for actions: `self.deps` is what was passed in, else the action server's own."""

    def __init__(self, deps: Deps | None = None) -> None:
        self._deps = deps

    @property
    def deps(self) -> Deps:
        """The dependencies this action uses."""
        return self._deps or from_environment()
