"""Telegram and WhatsApp messages: stored first, handled once and in order, replied via the outbox.

A webhook only verifies, parses and calls `accept`, which stores the message and returns at
once. The database's unique constraint on (channel, external id) decides what is a
redelivery; Redis, when configured, only remembers messages that are already stored, so a
failed write can never make a redelivery look like a duplicate. `drain` then handles the
conversation's pending messages one at a time, oldest first, under a per-conversation lock
(Redis across app instances, else in-process). Replies go into the outbox in the same
transaction that marks the message done, and are delivered right away.

Faults: when Rasa (or its action server) is down, the oldest pending message waits with a
backoff and the prospect gets one apology; newer messages wait behind it (order is kept) and
add no attempts. When Redis is down, messages are still stored (the database de-duplicates)
and wait, with the same one apology, until the lock can be taken again. When the database is
down, `accept` raises and the webhook answers 503 (Telegram redelivers).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import anyio
import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.conversation.language import detect_language
from bot.conversation.locks import ConversationLocks
from bot.conversation.redis_guard import RedisGuard
from bot.conversation.spool import InboundSpool
from bot.conversation.turn import Answer, ConversationService, Turn, TurnRefusedError
from bot.db.models import OutboxMessage, utcnow
from bot.db.repositories import conversations as conversation_repo
from bot.db.repositories import inbound as inbound_repo
from bot.messages import InboundMessage, OutboundMessage
from bot.texts import say

log = structlog.get_logger(__name__)
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=5)
MAX_ATTEMPTS = 8  # unexpected errors: then the prospect is told and the message is failed
DEDUPE_TTL = 7 * 24 * 3600  # seconds; channels redeliver within minutes to days
Deliver = Callable[[list[int]], Awaitable[None]]


@dataclass(frozen=True)
class Taken:
    """A pending message taken for handling, with its turn (or why it cannot have one)."""

    item_id: int
    message: InboundMessage
    attempts: int
    turn: Turn | Exception

    @property
    def language(self) -> str:
        """The language to apologise in: the turn's, else guessed from the message."""
        if isinstance(self.turn, Turn):
            return self.turn.language
        return detect_language(self.message.text or "", hint=self.message.locale)


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
        spool: InboundSpool | None = None,
        retry_base: timedelta = RETRY_BASE,
        retry_cap: timedelta = RETRY_CAP,
        locks: ConversationLocks | None = None,
    ) -> None:
        self._retry = (retry_base, retry_cap)
        self._sessions = sessions
        self._spool = spool
        self._conversations = conversations
        self._deliver = deliver
        self._redis = RedisGuard(redis)
        self._prefix = key_prefix
        self._locks = locks or ConversationLocks(self._redis, prefix=key_prefix)

    async def accept(self, external_id: str, message: InboundMessage) -> bool:
        """Store a message; False when it was stored before (then nothing happens).

        Raises SQLAlchemyError when the database is down: nothing was stored, the channel
        must deliver it again. Redis being down only costs the fast duplicate check.
        """
        key = f"{self._prefix}:inbound:{message.channel}:{external_id}"
        if await self._redis.call(lambda redis: redis.exists(key)):
            return False
        stored = await anyio.to_thread.run_sync(self._store, external_id, message)
        await self._redis.call(lambda redis: redis.set(key, 1, ex=DEDUPE_TTL))  # once stored
        return stored

    async def accept_or_keep(
        self, external_id: str, message: InboundMessage
    ) -> Literal["stored", "duplicate", "kept"]:
        """`accept`, but a message the database cannot take now is kept in the spool.

        For channels that never deliver again (WhatsApp): "kept" messages are stored and
        handled once the database is back. Raises SQLAlchemyError or OSError only when
        neither the database nor the disk can keep the message.
        """
        try:
            return "stored" if await self.accept(external_id, message) else "duplicate"
        except SQLAlchemyError:
            if self._spool is None:
                raise
            await anyio.to_thread.run_sync(self._spool.put, external_id, message)
            log.warning("inbound.spooled", channel=message.channel)
            return "kept"

    async def move_spooled(self) -> int:
        """Store spooled messages now that the database may be back; how many moved."""
        if self._spool is None:
            return 0
        moved = 0
        for path, external_id, message in await anyio.to_thread.run_sync(self._spool.waiting):
            try:
                await self.accept(external_id, message)
            except SQLAlchemyError:
                return moved  # still down: the rest waits too
            path.unlink(missing_ok=True)
            moved += 1
            await self.drain(message.channel, message.channel_user_id)
        return moved

    def _store(self, external_id: str, message: InboundMessage) -> bool:
        """Store the delivery; its arrival opens WhatsApp's 24-hour window, even if refused."""
        try:
            with self._sessions.begin() as session:
                inbound_repo.add_delivery(
                    session, channel=message.channel, channel_user_id=message.channel_user_id,
                    external_id=external_id, message=message.to_dict(),
                )  # fmt: skip
                conversation = conversation_repo.get_or_create_conversation(
                    session, channel=message.channel, channel_user_id=message.channel_user_id
                )
                conversation_repo.record_inbound(
                    session, conversation=conversation, campaign=message.campaign
                )
        except IntegrityError:
            return False
        return True

    async def drain(self, channel: str, channel_user_id: str) -> None:
        """Handle the conversation's pending messages, oldest first, one at a time.

        Stops at the first message that must wait (its retry time has not come, or Rasa is
        down): the newer ones wait behind it, so the order is kept.
        """
        try:
            async with self._locks.hold(f"{channel}:{channel_user_id}"):
                while (
                    taken := await anyio.to_thread.run_sync(self._begin, channel, channel_user_id)
                ) is not None:
                    if not await self._process(taken):
                        return
        except RedisError:  # no lock across app instances: wait, and say sorry once
            log.warning("inbound.lock_unavailable", channel=channel, exc_info=True)
            taken = await anyio.to_thread.run_sync(self._begin, channel, channel_user_id)
            if taken is not None:
                ids = await anyio.to_thread.run_sync(
                    self._postpone, taken.item_id, taken.message, say("delayed", taken.language),
                    taken.attempts,
                )  # fmt: skip
                await self._deliver(ids)

    async def retry_due(self) -> int:
        """Handle pending messages whose retry time has come; return how many conversations."""
        await self.move_spooled()
        due = await anyio.to_thread.run_sync(self._due_conversations)
        for channel, user in due:
            try:
                await self.drain(channel, user)
            except Exception:  # one conversation must not stop the others
                log.exception("inbound.retry_failed", channel=channel)
        return len(due)

    def _begin(self, channel: str, user: str) -> Taken | None:
        """The oldest pending message, if its (retry) time has come, with its turn.

        Both are read in one transaction: the only one before Rasa.
        """
        with self._sessions() as session:
            item = inbound_repo.oldest_pending(session, channel=channel, channel_user_id=user)
            if item is None or item.next_attempt_at > utcnow():
                return None
            message = InboundMessage.from_dict(item.message)
            try:
                turn: Turn | Exception = self._conversations.prepare(session, message)
            except SQLAlchemyError:
                raise  # the database went away: nothing is lost, the message stays pending
            except Exception as error:  # noqa: BLE001 - refused, or a bug: _process decides
                turn = error
            return Taken(item.id, message, item.attempts, turn)

    def _due_conversations(self) -> list[tuple[str, str]]:
        with self._sessions() as session:
            return inbound_repo.due_conversations(session, now=utcnow())

    async def _process(self, taken: Taken) -> bool:
        """Handle one message; False when it must wait (Rasa down, or an unexpected error)."""
        item_id, message, attempts = taken.item_id, taken.message, taken.attempts
        answer: Answer | None = None
        try:
            if isinstance(taken.turn, Exception):
                raise taken.turn
            answer = await self._conversations.ask(taken.turn)
            replies = answer.replies
        except TurnRefusedError as refused:
            if refused.reason == "unavailable":
                ids = await anyio.to_thread.run_sync(
                    self._postpone, item_id, message, refused.later, attempts
                )
                await self._deliver(ids)
                return False
            replies = [OutboundMessage(text=refused.reply)]
        except Exception as error:  # a bug or an outage must not block the conversation
            log.exception("inbound.failed", id=item_id, attempts=attempts + 1)
            if attempts + 1 < MAX_ATTEMPTS:
                await anyio.to_thread.run_sync(self._postpone, item_id, message, "", attempts)
                return False
            sorry = [OutboundMessage(text=say("no_reply", taken.language))]
            failure = f"{type(error).__name__}: {error}"
            ids = await anyio.to_thread.run_sync(
                self._finish, item_id, message, sorry, None, failure
            )
            await self._deliver(ids)
            return True
        ids = await anyio.to_thread.run_sync(self._finish, item_id, message, replies, answer)
        await self._deliver(ids)
        return True

    def _finish(
        self,
        item_id: int,
        message: InboundMessage,
        replies: list[OutboundMessage],
        answer: Answer | None = None,
        failure: str | None = None,
    ) -> list[int]:
        """Write the turn, mark the message handled (or failed) and queue the replies.

        All in one transaction: the only one after Rasa. A failure keeps its error.
        """
        with self._sessions.begin() as session:
            if answer is not None:
                self._conversations.conclude(session, answer)
            inbound_repo.mark_handled(session, item_id=item_id, failure=failure)
            return [
                _reply(session, message, f"reply:{item_id}:{n}", reply).id
                for n, reply in enumerate(replies)
            ]

    def _postpone(
        self, item_id: int, message: InboundMessage, apology: str, attempts: int
    ) -> list[int]:
        with self._sessions.begin() as session:
            inbound_repo.postpone(
                session, item_id=item_id, attempts=attempts + 1,
                next_attempt_at=utcnow() + _backoff(attempts + 1, *self._retry),
                error="rasa unavailable" if apology else "error while handling",
            )  # fmt: skip
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


def _backoff(attempts: int, base: timedelta = RETRY_BASE, cap: timedelta = RETRY_CAP) -> timedelta:
    """5 s, 10 s, 20 s, ... capped at 5 minutes (by default), for any number of attempts."""
    doublings = min(max(attempts - 1, 0), 30)  # never an overflow, whatever the count
    wait: timedelta = min(base * (2**doublings), cap)
    return wait
