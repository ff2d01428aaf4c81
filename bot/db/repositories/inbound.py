"""Repository functions for stored channel messages (Telegram, WhatsApp) waiting to be handled."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot.db.models import InboundDelivery, InboundStatus, utcnow


def add_delivery(
    session: Session, *, channel: str, channel_user_id: str, external_id: str,
    message: dict[str, Any],
) -> None:  # fmt: skip
    """Store a delivery; raises IntegrityError when (channel, external_id) is stored already."""
    session.add(
        InboundDelivery(
            channel=channel, channel_user_id=channel_user_id, external_id=external_id,
            message=message,
        )
    )  # fmt: skip
    session.flush()


def oldest_pending(
    session: Session, *, channel: str, channel_user_id: str
) -> InboundDelivery | None:
    """The conversation's oldest message that is not handled yet (due or not)."""
    return session.scalars(
        select(InboundDelivery)
        .where(
            InboundDelivery.channel == channel,
            InboundDelivery.channel_user_id == channel_user_id,
            InboundDelivery.status == InboundStatus.PENDING,
        )
        .order_by(InboundDelivery.id)
        .limit(1)
    ).first()


def due_conversations(session: Session, *, now: datetime) -> list[tuple[str, str]]:
    """(channel, channel user) of every conversation with a pending message due by `now`."""
    rows = session.execute(
        select(InboundDelivery.channel, InboundDelivery.channel_user_id)
        .where(
            InboundDelivery.status == InboundStatus.PENDING, InboundDelivery.next_attempt_at <= now
        )
        .distinct()
    )
    return [(channel, user) for channel, user in rows]


def mark_handled(session: Session, *, item_id: int, failure: str | None = None) -> None:
    """The message is done (or failed for good, keeping the error)."""
    item = session.get_one(InboundDelivery, item_id)
    item.status = InboundStatus.FAILED if failure else InboundStatus.DONE
    item.last_error = failure[:2000] if failure else item.last_error
    item.processed_at = utcnow()


def postpone(
    session: Session, *, item_id: int, attempts: int, next_attempt_at: datetime, error: str
) -> None:
    """The message waits: one more attempt counted, tried again at `next_attempt_at`."""
    item = session.get_one(InboundDelivery, item_id)
    item.attempts = attempts
    item.next_attempt_at = next_attempt_at
    item.last_error = error


def forget_inbound_of(session: Session, *, channel: str, channel_user_id: str) -> None:
    """Delete the person's handled messages (privacy erasure); pending ones stay to be handled."""
    session.execute(
        delete(InboundDelivery).where(
            InboundDelivery.channel == channel,
            InboundDelivery.channel_user_id == channel_user_id,
            InboundDelivery.status != InboundStatus.PENDING,
        )
    )


def forget_inbound_before(session: Session, *, older_than: datetime) -> None:
    """Delete every handled message received before `older_than` (retention); pending ones stay."""
    session.execute(
        delete(InboundDelivery).where(
            InboundDelivery.received_at < older_than,
            InboundDelivery.status != InboundStatus.PENDING,
        )
    )
