"""While a person has the conversation Tekkie is silent; messages still reach Rasa's tracker."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.inbound import InboundPipeline
from bot.conversation.rasa import RasaReply, RasaUnavailableError
from bot.conversation.turn import ConversationService, TurnRefusedError
from bot.db.models import InboundDelivery, OutboxMessage
from bot.db.repositories import conversations as repo
from bot.messages import Button, InboundMessage, OutboundMessage
from bot.prospects import handoff
from tests.support.notices import NOTICES


class FakeRasa:
    """Records what the app sends; answers turns with one message (or nothing)."""

    def __init__(self) -> None:
        self.turns: list[str] = []
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.replies = [OutboundMessage(text="Waar kan ik je mee helpen?")]
        self.down = False

    async def send(self, *, sender_id: str, text: str, metadata: Any = None) -> Any:
        self.turns.append(text)
        return RasaReply(list(self.replies), language=metadata["language"])

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        if self.down:
            raise RasaUnavailableError("down")
        self.appended.append((sender_id, events))


@pytest.fixture
def rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture
def service(sessions: sessionmaker[Session], rasa: FakeRasa) -> ConversationService:
    return ConversationService(sessions=sessions, rasa=rasa)  # type: ignore[arg-type]


def hand_off(sessions: sessionmaker[Session], channel: str, user: str) -> None:
    with sessions.begin() as session:
        handoff.request_handoff(
            session, channel=channel, channel_user_id=user, language="nl", notices=NOTICES
        )


async def test_without_a_handoff_rasa_answers(service: ConversationService, rasa: FakeRasa) -> None:
    replies = await service.handle(
        InboundMessage(channel="webchat", channel_user_id="u1", text="hoi")
    )
    assert [r.text for r in replies] == ["Waar kan ik je mee helpen?"]
    assert rasa.turns == ["hoi"]


async def test_while_handed_off_the_message_only_goes_into_the_tracker(
    service: ConversationService, rasa: FakeRasa, sessions: sessionmaker[Session]
) -> None:
    hand_off(sessions, "webchat", "u1")
    message = InboundMessage(channel="webchat", channel_user_id="u1", text="hallo, is daar iemand?")
    assert await service.handle(message) == []
    assert rasa.turns == []  # no turn: Rasa predicts nothing, and no new session starts
    assert [sender for sender, _ in rasa.appended] == ["webchat:u1"]
    ((event,),) = [events for _, events in rasa.appended]
    assert (event["event"], event["text"]) == ("user", "hallo, is daar iemand?")
    assert event["parse_data"] == {"intent": {}, "entities": [], "text": "hallo, is daar iemand?"}
    assert event["metadata"] == {"channel": "webchat", "locale": None, "language": "nl"}


async def test_while_handed_off_numbers_and_mashing_stay_as_typed(
    service: ConversationService, rasa: FakeRasa, sessions: sessionmaker[Session]
) -> None:
    with sessions.begin() as session:
        conversation = repo.get_or_create_conversation(
            session, channel="whatsapp", channel_user_id="+31612345678"
        )
        repo.remember_turn_buttons(
            session, conversation=conversation, buttons=[Button("📅 Intake", "/book_intake")]
        )
    hand_off(sessions, "whatsapp", "+31612345678")
    for typed in ("1", "qwzx plorf vrrmb"):
        message = InboundMessage(channel="whatsapp", channel_user_id="+31612345678", text=typed,
                                 numbered_choices=True)  # fmt: skip
        assert await service.handle(message) == []
    assert [events[0]["text"] for _, events in rasa.appended] == ["1", "qwzx plorf vrrmb"]
    with sessions() as session:
        found = repo.find_conversation(session, channel="whatsapp", channel_user_id="+31612345678")
        assert found is not None  # (the 24-hour window is opened when the message is stored:
        assert found.last_buttons == []  # tests/bot/web/test_channels.py)


async def test_while_handed_off_rasa_down_is_reported_as_before(
    service: ConversationService, rasa: FakeRasa, sessions: sessionmaker[Session]
) -> None:
    hand_off(sessions, "webchat", "u1")
    rasa.down = True
    with pytest.raises(TurnRefusedError) as refused:
        await service.handle(InboundMessage(channel="webchat", channel_user_id="u1", text="hoi"))
    assert refused.value.reason == "unavailable"


async def test_no_reply_is_expected_from_the_turn_that_hands_over(
    service: ConversationService, rasa: FakeRasa, sessions: sessionmaker[Session]
) -> None:
    rasa.replies = []
    replies = await service.handle(
        InboundMessage(channel="webchat", channel_user_id="u1", text="x")
    )
    assert replies[0].text.startswith("Sorry, daar ging iets mis aan mijn kant.")

    class HandingOver(FakeRasa):
        async def send(self, *, sender_id: str, text: str, metadata: Any = None) -> Any:
            hand_off(sessions, "webchat", "u2")  # what action_request_handoff does
            return RasaReply([], paused=True)  # the pause is in Rasa's answer

    quiet = ConversationService(sessions=sessions, rasa=HandingOver())  # type: ignore[arg-type]
    assert (
        await quiet.handle(InboundMessage(channel="webchat", channel_user_id="u2", text="x")) == []
    )


async def test_the_channel_pipeline_marks_a_silent_turn_done_and_sends_nothing(
    service: ConversationService, sessions: sessionmaker[Session]
) -> None:
    hand_off(sessions, "telegram", "4711")
    delivered: list[int] = []

    async def deliver(ids: list[int]) -> None:
        delivered.extend(ids)

    pipeline = InboundPipeline(sessions=sessions, conversations=service, deliver=deliver)
    message = InboundMessage(channel="telegram", channel_user_id="4711", text="is daar iemand?")
    assert await pipeline.accept("update-1", message)
    await pipeline.drain("telegram", "4711")
    with sessions() as session:
        (item,) = session.scalars(select(InboundDelivery)).all()
        assert item.status == "done"
        kinds = session.scalars(select(OutboxMessage.kind)).all()
        assert list(kinds) == ["staff_handoff"]  # nothing for the prospect
    assert delivered == []
