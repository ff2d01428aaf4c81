"""Repository functions for bookings: look-ups by calendar link (keyword-only, explicit session)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, IntakeSlot


def find_booking_by_calendar_token(session: Session, *, token: str) -> Booking | None:
    """The booking behind this calendar link, whatever its status; None for an unknown link."""
    query = select(Booking).where(Booking.calendar_token == token)
    return session.scalars(query).first()


def active_bookings_of_staff(session: Session, *, staff_id: int, since: datetime) -> list[Booking]:
    """The staff member's active bookings in slots starting at or after `since`, earliest first."""
    query = (
        select(Booking)
        .join(IntakeSlot, Booking.slot_id == IntakeSlot.id)
        .where(
            IntakeSlot.staff_id == staff_id,
            Booking.status == BookingStatus.ACTIVE,
            IntakeSlot.starts_at >= since,
        )
        .order_by(IntakeSlot.starts_at)
    )
    return list(session.scalars(query).all())
