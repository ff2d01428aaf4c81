"""Repository functions for bookings: look-ups and a lead's erasure.

Booking, moving and cancelling, with the seats they take and give back, is
bot/intake/booking.py's job.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Booking, BookingStatus, IntakeSlot


def find_active_booking(session: Session, *, lead_id: int) -> Booking | None:
    """The lead's active booking (a lead has at most one); None when there is none."""
    query = select(Booking).where(
        Booking.lead_id == lead_id, Booking.status == BookingStatus.ACTIVE
    )
    return session.scalars(query).first()


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


def booking_ids_of(session: Session, *, lead_id: int) -> list[int]:
    """The ids of every booking of the lead, whatever its status."""
    return list(session.scalars(select(Booking.id).where(Booking.lead_id == lead_id)))


def erase_bookings_of(session: Session, *, lead_id: int) -> None:
    """Delete every booking of the lead, whatever its status, with its history (flushed).

    Seats are not given back here: cancel an active booking first (bot/intake/booking.py).
    """
    for booking in session.scalars(select(Booking).where(Booking.lead_id == lead_id)):
        session.delete(booking)
    session.flush()
