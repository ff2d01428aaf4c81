"""Running rasa-sdk actions in tests: their dependencies on a test database, and one run."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.orm import Session, sessionmaker

from actions.wiring import Deps
from tests.support.notices import NOTICES


def wired(sessions: sessionmaker[Session]) -> Deps:
    """What the action server would pass in, on the test's database."""
    return Deps(sessions=sessions, notices=NOTICES, privacy_url="http://tekkie.test/privacy")


async def run(
    action: Any, tracker: Tracker, domain: dict[str, Any] | None = None
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run an action as rasa-sdk would; its events and what it said."""
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain or {"forms": {}})
    return events, dispatcher.messages
