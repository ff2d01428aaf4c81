"""The channel pipeline: stored once, handled once and in order, retried when Rasa is down.

The conversation itself is a stand-in here (the end-to-end tests use the real Rasa); the
database and Redis are real.
"""

import asyncio
import uuid
from typing import Any

import pytest
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation import TurnRefusedError
from bot.db.models import InboundDelivery, OutboxMessage
from bot.inbound import MAX_ATTEMPTS, InboundPipeline
from bot.messages import InboundMessage, OutboundMessage


class Conversations:
    """Answers "echo: <text>"; can pretend Rasa is down."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.down = False
        self.broken = False

    async def handle(self, message: InboundMessage) -> list[OutboundMessage]:
        if self.broken:
            raise RuntimeError("a bug")
        if self.down:
            raise TurnRefusedError("unavailable", "Sorry, Tekkie is even niet bereikbaar.")
        await asyncio.sleep(0.01)  # a turn takes time: others must wait for their turn
        self.seen.append(str(message.text))
        return [OutboundMessage(text=f"echo: {message.text}")]


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
