"""Counts for the Prometheus endpoint (keyword-only, explicit session): backlogs and bookings."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Booking, InboundDelivery, InboundStatus, OutboxMessage, OutboxStatus


def inbound_pending(session: Session) -> int:
    """Channel messages stored and not yet answered (waiting for Rasa, say)."""
    query = select(func.count()).where(InboundDelivery.status == InboundStatus.PENDING)
    return int(session.scalar(query) or 0)


def outbox_by_status(session: Session) -> dict[str, int]:
    """Outbox messages per status (pending is the backlog; failed and unsendable the failures)."""
    query = select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    found = {str(status): int(count) for status, count in session.execute(query)}
    return {status.value: found.get(status.value, 0) for status in OutboxStatus}


def bookings_by_status(session: Session) -> dict[str, int]:
    """Bookings per status (active, cancelled, rescheduled, ...)."""
    query = select(Booking.status, func.count()).group_by(Booking.status)
    return {str(status): int(count) for status, count in session.execute(query)}
