from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ConversationPaused
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from actions.handoff import ActionRequestHandoff
from actions.wiring import Deps
from bot.db.models import OutboxMessage
from bot.db.repositories.conversations import find_conversation
from tests.support.actions import wired


def tracker(
    sender: str, *, language: str | None = "nl", entities: list[dict[str, Any]] | None = None
) -> Tracker:
    latest = {"text": "/talk_to_person", "intent": {"name": "talk_to_person", "confidence": 1.0},
              "entities": entities or []}  # fmt: skip
    events = [{"event": "user", "text": "/talk_to_person", "parse_data": latest}]
    slots = {"language": language}
    return Tracker(sender, slots, latest, events, False, None, {}, "action_listen")


async def run(tracker: Tracker, deps: Deps) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    dispatcher = CollectingDispatcher()
    events = await ActionRequestHandoff(deps=deps).run(dispatcher, tracker, {})
    return events, dispatcher.messages


def staff_notices(sessions: sessionmaker[Session]) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == "staff_handoff")
        return list(session.scalars(query))


async def test_asking_for_a_person_pauses_the_conversation_and_tells_staff_once(
    database: sessionmaker[Session],
) -> None:
    events, said = await run(tracker("webchat:h1"), wired(database))
    assert [ConversationPaused()] == events
    assert len(said) == 1
    assert said[0]["text"].startswith("Goed idee! Ik geef je door aan een collega van de school.")
    assert "binnen één werkdag" in said[0]["text"]
    with database() as session:
        conversation = find_conversation(session, channel="webchat", channel_user_id="h1")
        assert conversation is not None
        assert conversation.handoff_status == "waiting"
        assert conversation.handoff_requested_at is not None
    (notice,) = staff_notices(database)
    assert (notice.audience, notice.channel) == ("staff", "staff")
    assert f"/dashboard/handoffs/{conversation.id}" in notice.payload["text"]

    again, said_again = await run(
        tracker("webchat:h1"), wired(database)
    )  # asking twice while waiting
    assert [ConversationPaused()] == again
    assert said_again[0]["text"] == said[0]["text"]
    assert len(staff_notices(database)) == 1


async def test_english_prospects_are_told_in_english(database: sessionmaker[Session]) -> None:
    events, said = await run(tracker("telegram:4711", language="en"), wired(database))
    assert [ConversationPaused()] == events
    assert said[0]["text"].startswith("Good idea! I'm passing you on to someone from the school.")
    (notice,) = staff_notices(database)
    assert "Taal: Engels" in notice.payload["text"]
    assert "Kanaal: telegram" in notice.payload["text"]


async def test_staff_are_told_which_language_the_prospect_writes_in(
    database: sessionmaker[Session],
) -> None:
    """The button after a message in Arabic carries "ar"; the notice names it for staff."""
    arabic = [{"entity": "spoken_language", "value": "ar"}]
    await run(tracker("webchat:h7", language="en", entities=arabic), wired(database))
    (notice,) = staff_notices(database)
    assert (
        "Schrijft in het Arabisch: Tekkie spreekt alleen Nederlands en Engels."
        in (notice.payload["text"])
    )


async def test_an_unknown_language_code_is_left_out_of_the_notice(
    database: sessionmaker[Session],
) -> None:
    made_up = [{"entity": "spoken_language", "value": "<b>xx</b>"}]
    await run(tracker("webchat:h8", entities=made_up), wired(database))
    (notice,) = staff_notices(database)
    assert "Schrijft in" not in notice.payload["text"]
