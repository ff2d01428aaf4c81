"""What staff do in a handoff: answer the prospect once, and hand the conversation back.

Rasa is a small in-test stand-in for the `Rasa` protocol; the database is real.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NoReturn

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.rasa import RasaUnavailableError
from bot.db.models import Conversation, OutboxMessage
from bot.db.repositories.conversations import find_conversation
from bot.prospects import handoff
from bot.prospects.handoff_desk import (
    HandBackResult,
    ReplyResult,
    hand_back,
    reply_to_prospect,
)
from tests.support.notices import NOTICES


class StandInRasa:
    """Keeps each conversation's appended events; raises as the client does when Rasa is down."""

    def __init__(self) -> None:
        self.appended: list[tuple[str, list[dict[str, Any]]]] = []
        self.down = False

    async def send(
        self, *, sender_id: str, text: str, metadata: dict[str, Any] | None = None
    ) -> NoReturn:
        raise AssertionError("staff replies never start a Rasa turn")

    async def append_events(self, sender_id: str, events: list[dict[str, Any]]) -> None:
        if self.down:
            raise RasaUnavailableError("Rasa is down")
        self.appended.append((sender_id, events))


class Delivered:
    """The outbox ids handed over for sending right away, one list per call."""

    def __init__(self) -> None:
        self.calls: list[list[int]] = []

    async def __call__(self, ids: list[int]) -> None:
        self.calls.append(ids)


@dataclass(frozen=True)
class Staff:
    account_id: int
    name: str


SANNE = Staff(account_id=7, name="Sanne")


@pytest.fixture
def rasa() -> StandInRasa:
    return StandInRasa()


@pytest.fixture
def delivered() -> Delivered:
    return Delivered()


def waiting(sessions: sessionmaker[Session], user: str = "u1", language: str = "en") -> int:
    """A prospect asked for a person (what action_request_handoff does); their conversation."""
    with sessions.begin() as session:
        handoff.request_handoff(
            session, channel="webchat", channel_user_id=user, language=language, notices=NOTICES
        )
        found = find_conversation(session, channel="webchat", channel_user_id=user)
        assert found is not None
        found.language = language
        return found.id


def outbox(sessions: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def state(sessions: sessionmaker[Session], conversation_id: int) -> tuple[str | None, int | None]:
    """The conversation's handoff status and the staff account that has it."""
    with sessions() as session:
        found = session.get_one(Conversation, conversation_id)
        return found.handoff_status, found.handoff_account_id


async def reply(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered,
    conversation_id: int, *, text: str = "Hi, how can I help?", reply_id: str = "reply-0001",
) -> ReplyResult:  # fmt: skip
    outcome = await reply_to_prospect(
        sessions=sessions, rasa=rasa, deliver=delivered, conversation_id=conversation_id,
        staff=SANNE, text=text, reply_id=reply_id,
    )  # fmt: skip
    return outcome.result


async def give_back(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered, conversation_id: int
) -> HandBackResult:
    outcome = await hand_back(
        sessions=sessions, rasa=rasa, deliver=delivered, conversation_id=conversation_id,
        staff=SANNE,
    )  # fmt: skip
    return outcome.result


async def test_a_reply_posted_twice_with_the_same_id_reaches_the_prospect_once(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    cid = waiting(sessions)
    assert await reply(sessions, rasa, delivered, cid, text="  Hi, how can I help?  ") == (
        ReplyResult.SENT
    )
    assert await reply(sessions, rasa, delivered, cid) == ReplyResult.ALREADY_SENT  # a double click
    (message,) = outbox(sessions, "staff_reply")
    assert (message.audience, message.channel, message.recipient) == ("prospect", "webchat", "u1")
    assert message.payload["text"] == "💬 Sanne from the school:\nHi, how can I help?"
    assert delivered.calls == [[message.id]]  # sent right away, once
    assert rasa.appended == [
        ("webchat:u1", [{"event": "bot", "text": "Hi, how can I help?",
                         "metadata": {"tekkie_staff": "Sanne"}}]),
    ]  # fmt: skip
    assert state(sessions, cid) == ("human", SANNE.account_id)


async def test_different_replies_all_go_out(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    cid = waiting(sessions)
    await reply(sessions, rasa, delivered, cid, text="First", reply_id="reply-0001")
    await reply(sessions, rasa, delivered, cid, text="Second", reply_id="reply-0002")
    texts = [m.payload["text"].splitlines()[-1] for m in outbox(sessions, "staff_reply")]
    assert texts == ["First", "Second"]
    assert len(delivered.calls) == 2


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
async def test_an_empty_or_too_long_reply_sends_nothing(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered, text: str
) -> None:
    cid = waiting(sessions)
    assert await reply(sessions, rasa, delivered, cid, text=text) == ReplyResult.INVALID
    assert rasa.appended == delivered.calls == outbox(sessions, "staff_reply") == []
    assert state(sessions, cid) == ("waiting", None)


async def test_when_rasa_is_down_a_reply_sends_nothing_and_can_be_sent_again_later(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    cid = waiting(sessions)
    rasa.down = True
    assert await reply(sessions, rasa, delivered, cid) == ReplyResult.RASA_UNAVAILABLE
    assert delivered.calls == outbox(sessions, "staff_reply") == []
    assert state(sessions, cid) == ("waiting", None)
    rasa.down = False  # the staff member sends the same form again
    assert await reply(sessions, rasa, delivered, cid) == ReplyResult.SENT
    assert len(outbox(sessions, "staff_reply")) == 1


async def test_replying_where_nobody_asked_for_a_person_pauses_tekkie_first(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    with sessions.begin() as session:
        session.add(Conversation(channel="webchat", channel_user_id="quiet", language="nl"))
    with sessions() as session:
        found = find_conversation(session, channel="webchat", channel_user_id="quiet")
        assert found is not None
        cid = found.id
    assert await reply(sessions, rasa, delivered, cid, text="Hoi!") == ReplyResult.SENT
    ((_, events),) = rasa.appended
    assert [e["event"] for e in events] == ["pause", "bot"]
    (message,) = outbox(sessions, "staff_reply")
    assert message.payload["text"] == "💬 Sanne van de school:\nHoi!"
    assert state(sessions, cid) == ("human", SANNE.account_id)


async def test_handing_back_resumes_tekkie_and_tells_the_prospect(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    cid = waiting(sessions)
    await reply(sessions, rasa, delivered, cid)
    assert await give_back(sessions, rasa, delivered, cid) == HandBackResult.RELEASED
    (note,) = outbox(sessions, "handoff_released")
    assert note.payload["text"].startswith("Tekkie here again!")
    assert (note.audience, note.channel, note.recipient) == ("prospect", "webchat", "u1")
    assert delivered.calls[-1] == [note.id]
    assert rasa.appended[-1] == ("webchat:u1", [
        {"event": "resume"}, {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": note.payload["text"]},
    ])  # fmt: skip
    assert state(sessions, cid) == (None, None)
    appended = len(rasa.appended)
    assert await give_back(sessions, rasa, delivered, cid) == HandBackResult.NOT_HANDED_OFF
    assert len(outbox(sessions, "handoff_released")) == 1  # a second click tells nobody again
    assert len(rasa.appended) == appended


async def test_when_rasa_is_down_handing_back_changes_nothing(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    cid = waiting(sessions)
    await reply(sessions, rasa, delivered, cid)
    rasa.down = True
    assert await give_back(sessions, rasa, delivered, cid) == HandBackResult.RASA_UNAVAILABLE
    assert outbox(sessions, "handoff_released") == []
    assert len(delivered.calls) == 1  # only the reply
    assert state(sessions, cid) == ("human", SANNE.account_id)


async def test_an_unknown_conversation_is_not_found(
    sessions: sessionmaker[Session], rasa: StandInRasa, delivered: Delivered
) -> None:
    assert await reply(sessions, rasa, delivered, 999) == ReplyResult.NOT_FOUND
    assert await give_back(sessions, rasa, delivered, 999) == HandBackResult.NOT_FOUND
    assert rasa.appended == delivered.calls == []
