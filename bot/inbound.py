"""Telegram and WhatsApp messages: stored first, handled once and in order, replied via the outbox.

A webhook only verifies, parses and calls `accept`, which stores the message (a redelivery of
the same update_id / MessageSid is recognised by Redis when configured, and always by the
database's unique constraint) and returns at once. `drain` then handles the conversation's
pending messages one at a time, oldest first, under a per-conversation lock (Redis across app
instances, else in-process). Replies go into the outbox in the same transaction that marks the
message done, and are delivered right away. When Rasa is down the prospect gets one apology,
the message stays pending and `retry_due` handles it once Rasa is back.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta

import anyio
import structlog
from redis.asyncio import Redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.conversation import ConversationService, TurnRefusedError
from bot.db.models import InboundDelivery, InboundStatus, OutboxMessage, utcnow
from bot.language import detect_language
from bot.messages import InboundMessage, OutboundMessage
from bot.texts import say

log = structlog.get_logger(__name__)
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=5)
MAX_ATTEMPTS = 8  # then the prospect is told something went wrong and the message is failed
DEDUPE_TTL = 7 * 24 * 3600  # seconds; channels redeliver within minutes to days
Deliver = Callable[[list[int]], Awaitable[None]]


class InboundPipeline:
    """Stores channel messages, handles each once, in order, and sends the replies."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        conversations: ConversationService,
        deliver: Deliver,
        redis: Redis | None = None,
        key_prefix: str = "tekkie",
    ) -> None:
        self._sessions = sessions
        self._conversations = conversations
        self._deliver = deliver
        self._redis = redis
        self._prefix = key_prefix
        self._local_locks: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def accept(self, external_id: str, message: InboundMessage) -> bool:
        """Store a message; False when it was delivered before (then nothing happens)."""
        key = f"{self._prefix}:inbound:{message.channel}:{external_id}"
        if self._redis is not None and not await self._redis.set(key, 1, nx=True, ex=DEDUPE_TTL):
            return False
        return await anyio.to_thread.run_sync(self._store, external_id, message)

    def _store(self, external_id: str, message: InboundMessage) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(
                    InboundDelivery(
                        channel=message.channel, channel_user_id=message.channel_user_id,
                        external_id=external_id, message=message.to_dict(),
                    )
                )  # fmt: skip
        except IntegrityError:
            return False
        return True

    async def drain(self, channel: str, channel_user_id: str) -> None:
        """Handle the conversation's pending messages, oldest first, one at a time."""
        async with self._lock(f"{channel}:{channel_user_id}"):
            while (
                item := await anyio.to_thread.run_sync(self._next, channel, channel_user_id)
            ) is not None:
                if not await self._process(*item):
                    return  # Rasa is down: keep the order, try again later

    async def retry_due(self) -> int:
        """Handle pending messages whose retry time has come; return how many conversations."""
        due = await anyio.to_thread.run_sync(self._due_conversations)
        for channel, user in due:
            try:
                await self.drain(channel, user)
            except Exception:  # one conversation must not stop the others
                log.exception("inbound.retry_failed", channel=channel)
        return len(due)

    @asynccontextmanager
    async def _lock(self, key: str) -> AsyncIterator[None]:
        async with self._local_locks[key]:
            if self._redis is None:
                yield
                return
            # Not "{prefix}:lock:...": Rasa's own lock store keeps its locks there.
            name = f"{self._prefix}:turn:{key}"
            async with self._redis.lock(name, timeout=120, blocking_timeout=60):
                yield

    def _next(self, channel: str, user: str) -> tuple[int, InboundMessage, int] | None:
        with self._sessions() as session:
            item = session.scalars(
                select(InboundDelivery)
                .where(
                    InboundDelivery.channel == channel,
                    InboundDelivery.channel_user_id == user,
                    InboundDelivery.status == InboundStatus.PENDING,
                )
                .order_by(InboundDelivery.id)
                .limit(1)
            ).first()
            if item is None:
                return None
            return item.id, InboundMessage.from_dict(item.message), item.attempts

    def _due_conversations(self) -> list[tuple[str, str]]:
        with self._sessions() as session:
            rows = session.execute(
                select(InboundDelivery.channel, InboundDelivery.channel_user_id)
                .where(
                    InboundDelivery.status == InboundStatus.PENDING,
                    InboundDelivery.next_attempt_at <= utcnow(),
                )
                .distinct()
            )
            return [(channel, user) for channel, user in rows]

    async def _process(self, item_id: int, message: InboundMessage, attempts: int) -> bool:
        """Handle one message; False when it must wait (Rasa down, or an unexpected error)."""
        try:
            replies = await self._conversations.handle(message)
        except TurnRefusedError as refused:
            if refused.reason == "unavailable":
                ids = await anyio.to_thread.run_sync(
                    self._postpone, item_id, message, refused.reply, attempts
                )
                await self._deliver(ids)
                return False
            replies = [OutboundMessage(text=refused.reply)]
        except Exception as error:  # a bug or an outage must not block the conversation
            log.exception("inbound.failed", id=item_id, attempts=attempts + 1)
            if attempts + 1 < MAX_ATTEMPTS:
                await anyio.to_thread.run_sync(self._postpone, item_id, message, "", attempts)
                return False
            language = detect_language(message.text or "", hint=message.locale)
            sorry = [OutboundMessage(text=say("no_reply", language))]
            failure = f"{type(error).__name__}: {error}"
            ids = await anyio.to_thread.run_sync(self._finish, item_id, message, sorry, failure)
            await self._deliver(ids)
            return True
        ids = await anyio.to_thread.run_sync(self._finish, item_id, message, replies)
        await self._deliver(ids)
        return True

    def _finish(
        self,
        item_id: int,
        message: InboundMessage,
        replies: list[OutboundMessage],
        failure: str | None = None,
    ) -> list[int]:
        """Mark the message handled (or failed, keeping the error) and queue the replies."""
        with self._sessions.begin() as session:
            item = session.get_one(InboundDelivery, item_id)
            item.status = InboundStatus.FAILED if failure else InboundStatus.DONE
            item.last_error = failure[:2000] if failure else item.last_error
            item.processed_at = utcnow()
            return [
                _reply(session, message, f"reply:{item_id}:{n}", reply).id
                for n, reply in enumerate(replies)
            ]

    def _postpone(
        self, item_id: int, message: InboundMessage, apology: str, attempts: int
    ) -> list[int]:
        with self._sessions.begin() as session:
            item = session.get_one(InboundDelivery, item_id)
            item.attempts = attempts + 1
            item.next_attempt_at = utcnow() + _backoff(attempts + 1)
            item.last_error = "rasa unavailable" if apology else "error while handling"
            if attempts > 0 or not apology:
                return []  # one apology per message is enough
            key = f"apology:{message.channel}:{message.channel_user_id}:{item_id}"
            return [_reply(session, message, key, OutboundMessage(text=apology)).id]


def _reply(
    session: Session, message: InboundMessage, key: str, reply: OutboundMessage
) -> OutboxMessage:
    return outbox.enqueue(
        session, key=key, kind="reply", audience="prospect", channel=message.channel,
        recipient=message.channel_user_id, payload=reply.to_payload(),
    )  # fmt: skip


def _backoff(attempts: int) -> timedelta:
    wait: timedelta = min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)
    return wait
