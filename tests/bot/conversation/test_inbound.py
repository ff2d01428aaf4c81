"""The channel pipeline: stored once, handled once and in order, retried when Rasa is down.

The conversation itself is a stand-in here (the end-to-end tests use the real Rasa); the
database and Redis are real.
"""

import asyncio
import uuid
from pathlib import Path
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.inbound import MAX_ATTEMPTS, InboundPipeline, _backoff
from bot.conversation.spool import InboundSpool
from bot.conversation.turn import Answer, Turn, TurnRefusedError
from bot.db.models import InboundDelivery, OutboxMessage
from bot.messages import InboundMessage, OutboundMessage
from integrations.redis_client import make_redis
from tests.support.stack import free_port


class Conversations:
    """Answers "echo: <text>"; can pretend Rasa is down, or have a bug."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.concluded: list[str] = []
        self.down = False
        self.broken = False

    def prepare(self, session: Session, message: InboundMessage) -> Turn:
        return Turn(message, "nl", text=message.text)

    async def ask(self, turn: Turn) -> Answer:
        if self.broken:
            raise RuntimeError("a bug")
        if self.down:
            raise TurnRefusedError("unavailable", "Sorry, Tekkie is even niet bereikbaar.")
        await asyncio.sleep(0.01)  # a turn takes time: others must wait for their turn
        self.seen.append(str(turn.text))
        return Answer(turn, [OutboundMessage(text=f"echo: {turn.text}")], "nl")

    def conclude(self, session: Session, answer: Answer) -> None:
        self.concluded.append(str(answer.turn.text))


def pipeline(
    sessions: sessionmaker[Session], conversations: Conversations, **kw: Any
) -> tuple[InboundPipeline, list[int]]:
    delivered: list[int] = []

    async def deliver(ids: list[int]) -> None:
        delivered.extend(ids)

    return InboundPipeline(
        sessions=sessions, conversations=conversations, deliver=deliver, **kw
    ), delivered  # type: ignore[arg-type]


def text(body: str, user: str = "4711") -> InboundMessage:
    return InboundMessage(channel="telegram", channel_user_id=user, text=body)


def database_down(*_: object) -> bool:
    """Stands in for the database write while the database is down (the fault suite cuts
    a real PostgreSQL; here only the write is replaced)."""
    raise OperationalError("INSERT", {}, Exception("connection refused"))


def make_due(sessions: sessionmaker[Session]) -> None:
    """Let the retry time of every waiting message come (instead of waiting for it)."""
    with sessions.begin() as session:
        for item in session.scalars(select(InboundDelivery)):
            item.next_attempt_at = item.received_at


def attempts(sessions: sessionmaker[Session]) -> list[int]:
    with sessions() as session:
        return [i.attempts for i in session.scalars(select(InboundDelivery).order_by("id"))]


def replies(sessions: sessionmaker[Session]) -> list[str]:
    with sessions() as session:
        rows = session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        return [m.payload["text"] for m in rows]


async def test_the_same_update_three_times_is_stored_and_answered_once(
    sessions: sessionmaker[Session],
) -> None:
    conversations = Conversations()
    inbound, delivered = pipeline(sessions, conversations)
    accepted = [await inbound.accept("1001", text("hoi")) for _ in range(3)]
    assert accepted == [True, False, False]
    await inbound.drain("telegram", "4711")
    await inbound.drain("telegram", "4711")
    assert conversations.seen == ["hoi"]
    assert replies(sessions) == ["echo: hoi"]
    assert len(delivered) == 1


async def test_messages_of_one_conversation_are_handled_in_order(
    sessions: sessionmaker[Session],
) -> None:
    conversations = Conversations()
    inbound, _ = pipeline(sessions, conversations)
    for n in range(5):
        assert await inbound.accept(str(n), text(f"bericht {n}"))
    await asyncio.gather(*(inbound.drain("telegram", "4711") for _ in range(5)))
    assert conversations.seen == [f"bericht {n}" for n in range(5)]
    assert replies(sessions) == [f"echo: bericht {n}" for n in range(5)]


async def test_rasa_down_means_one_apology_and_the_message_is_handled_later(
    sessions: sessionmaker[Session],
) -> None:
    conversations = Conversations()
    inbound, _ = pipeline(sessions, conversations)
    conversations.down = True
    await inbound.accept("7", text("wat kost het?"))
    await inbound.drain("telegram", "4711")
    with sessions.begin() as session:  # the retry is due now, and Rasa is still down
        stored = session.scalars(select(InboundDelivery)).one()
        assert (stored.status, stored.attempts) == ("pending", 1)
        stored.next_attempt_at = stored.received_at
    await inbound.retry_due()
    assert replies(sessions) == ["Sorry, Tekkie is even niet bereikbaar."]  # not twice

    conversations.down = False
    with sessions.begin() as session:
        stored = session.scalars(select(InboundDelivery)).one()
        stored.next_attempt_at = stored.received_at
    assert await inbound.retry_due() == 1
    assert conversations.seen == ["wat kost het?"]
    assert replies(sessions)[-1] == "echo: wat kost het?"
    with sessions() as session:
        assert session.scalars(select(InboundDelivery)).one().status == "done"


async def test_a_message_that_keeps_failing_ends_as_failed_with_an_apology(
    sessions: sessionmaker[Session],
) -> None:
    conversations = Conversations()
    conversations.broken = True
    inbound, _ = pipeline(sessions, conversations)
    await inbound.accept("9", text("hoi"))
    await inbound.accept("10", text("nog een vraag"))
    for _ in range(MAX_ATTEMPTS):
        make_due(sessions)
        await inbound.drain("telegram", "4711")  # the first message blocks the second meanwhile
    with sessions() as session:
        first, second = session.scalars(select(InboundDelivery).order_by(InboundDelivery.id))
        assert (first.status, first.attempts) == ("failed", MAX_ATTEMPTS - 1)
        assert "RuntimeError: a bug" in str(first.last_error)
        assert second.status == "pending"
    assert replies(sessions) == [
        "Sorry, daar ging iets mis aan mijn kant. Wil je het nog eens proberen?"
    ]


@pytest.mark.redis
async def test_redis_recognises_a_redelivery_before_the_database(
    sessions: sessionmaker[Session], redis_server_url: str
) -> None:
    client = Redis.from_url(redis_server_url)
    prefix = f"tekkietest{uuid.uuid4().hex[:8]}"
    try:
        inbound, _ = pipeline(sessions, Conversations(), redis=client, key_prefix=prefix)
        assert await inbound.accept("SM1", text("hoi"))
        assert not await inbound.accept("SM1", text("hoi"))
        assert await client.exists(f"{prefix}:inbound:telegram:SM1")
        await inbound.drain("telegram", "4711")  # the Redis lock works too
        assert replies(sessions) == ["echo: hoi"]
    finally:
        async for key in client.scan_iter(f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()


async def test_new_messages_during_an_outage_wait_without_adding_attempts(
    sessions: sessionmaker[Session],
) -> None:
    """Defect: every new message retried the waiting one at once (44 attempts in 57 s)."""
    conversations = Conversations()
    conversations.down = True
    inbound, _ = pipeline(sessions, conversations)
    for n in range(20):  # a prospect keeps writing while Rasa is down
        await inbound.accept(str(n), text(f"bericht {n}"))
        await inbound.drain("telegram", "4711")
    assert attempts(sessions) == [1] + [0] * 19
    assert replies(sessions) == ["Sorry, Tekkie is even niet bereikbaar."]  # one apology

    conversations.down = False
    make_due(sessions)
    await inbound.retry_due()
    assert conversations.seen == [f"bericht {n}" for n in range(20)]  # all, in order


def test_the_backoff_grows_to_its_cap_and_never_overflows() -> None:
    """Defect: _backoff(45) raised OverflowError and crashed the request."""
    waits = [_backoff(n).total_seconds() for n in (1, 2, 3, 10, 45, 10_000)]
    assert waits == [5, 10, 20, 300, 300, 300]


@pytest.mark.redis
async def test_a_failed_database_write_is_no_duplicate_when_telegram_sends_it_again(
    sessions: sessionmaker[Session], redis_server_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Defect: the Redis key was set before the write; the redelivery was dropped for good."""
    client = Redis.from_url(redis_server_url)
    prefix = f"tekkietest{uuid.uuid4().hex[:8]}"
    try:
        inbound, _ = pipeline(sessions, Conversations(), redis=client, key_prefix=prefix)
        real_store = inbound._store
        monkeypatch.setattr(inbound, "_store", database_down)
        with pytest.raises(OperationalError):
            await inbound.accept("555", text("hoi"))
        monkeypatch.setattr(inbound, "_store", real_store)
        assert await inbound.accept("555", text("hoi"))  # the redelivery is stored
        await inbound.drain("telegram", "4711")
        assert replies(sessions) == ["echo: hoi"]
    finally:
        async for key in client.scan_iter(f"{prefix}:*"):
            await client.delete(key)
        await client.aclose()


async def test_with_redis_down_messages_are_stored_and_answered_once_it_is_back(
    sessions: sessionmaker[Session],
) -> None:
    """Redis down: the database de-duplicates, the message waits, one apology."""
    dead = make_redis(f"redis://127.0.0.1:{free_port()}/0")
    conversations = Conversations()
    inbound, _ = pipeline(sessions, conversations, redis=dead)
    assert await inbound.accept("1", text("hoi"))
    assert not await inbound.accept("1", text("hoi"))  # still one, by the database
    assert await inbound.accept("2", text("nog iets"))
    await inbound.drain("telegram", "4711")
    await inbound.drain("telegram", "4711")
    assert conversations.seen == []
    assert len(replies(sessions)) == 1  # one apology for the outage
    await dead.aclose()

    inbound._redis.redis = None  # Redis is back (here: the in-process lock stands in for it)
    make_due(sessions)
    await inbound.retry_due()
    assert conversations.seen == ["hoi", "nog iets"]


async def test_a_message_spooled_while_the_database_is_down_is_handled_once_it_is_back(
    sessions: sessionmaker[Session], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WhatsApp never redelivers: a message the database cannot take waits on disk."""
    conversations = Conversations()
    spool = InboundSpool(tmp_path / "spool")
    inbound, _ = pipeline(sessions, conversations, spool=spool)
    real_store = inbound._store
    monkeypatch.setattr(inbound, "_store", database_down)
    assert await inbound.accept_or_keep("SMa", text("hoi")) == "kept"
    assert await inbound.accept_or_keep("SMb", text("ben je er?")) == "kept"
    assert await inbound.move_spooled() == 0  # still down: nothing moves, nothing is lost
    assert len(spool) == 2

    monkeypatch.setattr(inbound, "_store", real_store)
    await inbound.retry_due()
    assert len(spool) == 0
    assert conversations.seen == ["hoi", "ben je er?"]
    assert await inbound.accept_or_keep("SMa", text("hoi")) == "duplicate"
