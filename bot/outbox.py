"""The outbox: enqueue durable messages in the caller's transaction; workers deliver them.

Several workers may run at once on PostgreSQL: claiming uses `FOR UPDATE SKIP LOCKED`, and a
claim is a lease (`locked_until`), so a worker that dies mid-send loses nothing: the message is
claimed again when the lease ends. SQLite ignores FOR UPDATE; run one worker there.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

import anyio
import structlog
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import OutboxMessage, OutboxStatus, utcnow
from bot.settings import Settings

log = structlog.get_logger(__name__)
LEASE = timedelta(minutes=2)
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
STAFF_CHANNEL = "staff"  # the staff log: every notice goes there, whatever else is configured


class Sender(Protocol):
    """Delivers one outbox message on one channel; raises on failure.

    Called on the event loop: a sender whose client blocks (SMTP, Twilio's, a database) runs
    it in a worker thread itself, and one with an async client (Telegram) awaits it here.
    """

    async def send(self, message: OutboxMessage) -> str | None:
        """Deliver or raise; return the channel's id for the message when it gives one."""


class BlockingSender:
    """A sender whose client blocks (SMTP, Twilio's, a database, a file).

    `send_blocking` runs in a worker thread, so the event loop never waits for it.
    """

    async def send(self, message: OutboxMessage) -> str | None:
        """Deliver in a worker thread; see `send_blocking`."""
        return await anyio.to_thread.run_sync(self.send_blocking, message)

    def send_blocking(self, message: OutboxMessage) -> str | None:
        """Deliver or raise; return the channel's id for the message when it gives one."""
        raise NotImplementedError


class UnsendableError(Exception):
    """The channel can never deliver this message (retrying would not help)."""


def enqueue(
    session: Session,
    *,
    key: str,
    kind: str,
    audience: str,
    channel: str,
    recipient: str,
    payload: dict[str, Any],
    due_at: datetime | None = None,
    booking_id: int | None = None,
) -> OutboxMessage:
    """Add a message unless one with the same idempotency key exists; return the stored one."""
    existing = session.scalars(
        select(OutboxMessage).where(OutboxMessage.idempotency_key == key)
    ).first()
    if existing is not None:
        return existing
    due = due_at or utcnow()
    message = OutboxMessage(
        idempotency_key=key, kind=kind, audience=audience, channel=channel, recipient=recipient,
        payload=payload, due_at=due, next_attempt_at=due, booking_id=booking_id,
    )  # fmt: skip
    session.add(message)
    session.flush()
    return message


@dataclass(frozen=True)
class Notices:
    """Where staff notices go, and the public address their links start with.

    Built once from the settings by whoever wires the process (the web app, the action
    server, the CLI) and passed to the domain code that writes notices.
    """

    base_url: str
    staff_channels: tuple[str, ...] = (STAFF_CHANNEL,)

    @classmethod
    def from_settings(cls, settings: Settings) -> Notices:
        """The notices of this deployment."""
        return cls(base_url=settings.base_url, staff_channels=settings.staff_channels)


def enqueue_for_staff(
    session: Session,
    *,
    key: str,
    kind: str,
    channels: tuple[str, ...],
    recipient: str,
    payload: dict[str, Any],
    booking_id: int | None = None,
) -> None:
    """One notice per staff channel (log, staff Telegram group, e-mail), each with its own key.

    Each channel succeeds or fails on its own, so a failing mail server never makes the group
    hear a notice twice. The log channel keeps the plain key.
    """
    for channel in channels:
        suffix = "" if channel == STAFF_CHANNEL else f":{channel}"
        enqueue(
            session, key=f"{key}{suffix}", kind=kind, audience="staff", channel=channel,
            recipient=recipient, payload=payload, booking_id=booking_id,
        )  # fmt: skip


def cancel_pending(session: Session, *, booking_id: int, kinds: tuple[str, ...]) -> int:
    """Cancel not-yet-sent messages of a booking (e.g. its reminders); return how many."""
    result = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.booking_id == booking_id,
            OutboxMessage.kind.in_(kinds),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def claim_due(session: Session, *, now: datetime, limit: int = 20) -> list[OutboxMessage]:
    """Lease up to `limit` due messages to this worker (skipping rows others hold)."""
    query = (
        select(OutboxMessage)
        .where(
            or_(
                (OutboxMessage.status == OutboxStatus.PENDING)
                & (OutboxMessage.next_attempt_at <= now),
                (OutboxMessage.status == OutboxStatus.SENDING) & (OutboxMessage.locked_until < now),
            )
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    messages = list(session.scalars(query))
    for message in messages:
        message.status = OutboxStatus.SENDING
        message.locked_until = now + LEASE
        message.attempts += 1
    return messages


def claim_ids(session: Session, *, ids: list[int], now: datetime) -> list[OutboxMessage]:
    """Lease these messages if no worker holds them yet (in id order)."""
    claimed = []
    for message_id in sorted(ids):
        result = session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == message_id, OutboxMessage.status == OutboxStatus.PENDING)
            .values(
                status=OutboxStatus.SENDING,
                locked_until=now + LEASE,
                attempts=OutboxMessage.attempts + 1,
            )
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            claimed.append(session.get_one(OutboxMessage, message_id))
    return claimed


def backoff(attempts: int) -> timedelta:
    """Wait before the next attempt: 30 s, 1 min, 2 min, ... capped at an hour."""
    wait: timedelta = min(BACKOFF_BASE * (2 ** max(attempts - 1, 0)), BACKOFF_CAP)
    return wait


class OutboxWorker:
    """Claims due messages, sends them through the channel's sender, records the outcome.

    Runs on the event loop: the database work goes to a worker thread, and the sending
    happens on the loop, so an async client (Telegram) is never called from a thread.
    """

    def __init__(self, sessions: sessionmaker[Session], senders: Mapping[str, Sender]) -> None:
        self._sessions = sessions
        self._senders = senders

    async def run_once(self, *, now: datetime | None = None, limit: int = 20) -> int:
        """Deliver what is due now; return how many messages were handled."""
        now = now or utcnow()
        claimed = await anyio.to_thread.run_sync(self._claim, None, now, limit)
        for message in claimed:
            await self._deliver(message, now)
        return len(claimed)

    async def deliver_now(self, ids: list[int]) -> None:
        """Deliver these just-enqueued messages at once, in order (replies to a turn)."""
        if not ids:
            return
        now = utcnow()
        for message in await anyio.to_thread.run_sync(self._claim, ids, now, len(ids)):
            await self._deliver(message, now)

    def _claim(self, ids: list[int] | None, now: datetime, limit: int) -> list[OutboxMessage]:
        """Lease the due messages (or these ids); detached copies to send from."""
        with self._sessions.begin() as session:
            if ids is None:
                claimed = claim_due(session, now=now, limit=limit)
            else:
                claimed = claim_ids(session, ids=ids, now=now)
            session.flush()  # the lease is written before the copies leave the session
            session.expunge_all()
        return claimed

    async def _deliver(self, message: OutboxMessage, now: datetime) -> None:
        error: str | None = None
        unsendable = False
        external_id: str | None = None
        sender = self._senders.get(message.channel)
        try:
            if sender is None:
                raise UnsendableError(f"no sender for channel {message.channel!r}")
            external_id = await sender.send(message)
        except UnsendableError as failure:
            error, unsendable = str(failure), True
        except Exception as failure:  # noqa: BLE001 - any send failure is retried
            error = f"{type(failure).__name__}: {failure}"
        await anyio.to_thread.run_sync(
            self._record, message.id, now, error, unsendable, external_id
        )
        log.info("outbox.delivered" if error is None else "outbox.failed",
                 id=message.id, kind=message.kind, error=error)  # fmt: skip

    def _record(
        self, message_id: int, now: datetime, error: str | None, unsendable: bool,
        external_id: str | None,
    ) -> None:  # fmt: skip
        with self._sessions.begin() as session:
            stored = session.get_one(OutboxMessage, message_id)
            stored.locked_until = None
            stored.last_error = error
            if error is None:
                stored.status, stored.sent_at = OutboxStatus.SENT, utcnow()
                stored.external_id = external_id
            elif unsendable:
                stored.status = OutboxStatus.UNSENDABLE
            elif stored.attempts >= stored.max_attempts:
                stored.status = OutboxStatus.FAILED
            else:
                stored.status = OutboxStatus.PENDING
                stored.next_attempt_at = now + backoff(stored.attempts)


def record_delivery_status(
    session: Session, *, external_id: str, status: str, error_code: str | None = None
) -> bool:
    """Store what the channel reported about a sent message; failures are surfaced.

    A failed or undelivered message is marked failed with the channel's error code (it is not
    resent: the prospect may have blocked the number, and a retry could send it twice).
    """
    message = session.scalars(
        select(OutboxMessage).where(OutboxMessage.external_id == external_id)
    ).first()
    if message is None:
        return False
    message.delivery_status = status[:16]
    if status in ("failed", "undelivered"):
        message.status = OutboxStatus.FAILED
        message.last_error = f"channel reported {status} (error {error_code or 'unknown'})"
        log.warning("outbox.delivery_failed", id=message.id, kind=message.kind, error=error_code)
    return True
