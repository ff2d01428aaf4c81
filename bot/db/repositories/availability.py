"""Repository functions for weekly availability windows, days off and the slots (keyword-only).

Adding windows and days off, with their checks, is bot/intake/availability.py's job; making
slots from them is bot/intake/slots.py's; booking a seat is bot/intake/booking.py's.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import Availability, AvailabilityException, IntakeSlot


def weekly_windows(session: Session) -> list[Availability]:
    """Every weekly window, by staff member, weekday and time."""
    query = select(Availability).order_by(
        Availability.staff_id, Availability.weekday, Availability.start_time
    )
    return list(session.scalars(query))


def windows_of_staff(session: Session, *, staff_id: int) -> list[Availability]:
    """The staff member's weekly windows, in no particular order."""
    return list(session.scalars(select(Availability).where(Availability.staff_id == staff_id)))


def delete_window(session: Session, *, window_id: int) -> bool:
    """Remove the weekly window (slots made from it stay); False when there is none."""
    window = session.get(Availability, window_id)
    if window is None:
        return False
    session.delete(window)
    return True


def delete_days_off(session: Session, *, exception_id: int) -> bool:
    """Remove the days off with this id; False when there are none."""
    exception = session.get(AvailabilityException, exception_id)
    if exception is None:
        return False
    session.delete(exception)
    return True


def days_off(session: Session, *, since: date) -> list[AvailabilityException]:
    """Days off that end on or after `since`, earliest first."""
    query = (
        select(AvailabilityException)
        .where(AvailabilityException.last_day >= since)
        .order_by(AvailabilityException.first_day)
    )
    return list(session.scalars(query))


def is_day_off(session: Session, *, staff_id: int, day: date) -> bool:
    """True when days off cover `day` for everybody or for this staff member."""
    query = select(AvailabilityException.id).where(
        AvailabilityException.first_day <= day,
        AvailabilityException.last_day >= day,
        or_(AvailabilityException.staff_id.is_(None), AvailabilityException.staff_id == staff_id),
    )
    return session.scalars(query.limit(1)).first() is not None


def find_slot(session: Session, *, slot_id: int) -> IntakeSlot | None:
    """The slot with this id, whatever its state; None when there is none."""
    return session.get(IntakeSlot, slot_id)


def has_slot_at(session: Session, *, staff_id: int, starts_at: datetime) -> bool:
    """True when the staff member has a slot starting at `starts_at` (cancelled ones too)."""
    query = select(IntakeSlot.id).where(
        IntakeSlot.staff_id == staff_id, IntakeSlot.starts_at == starts_at
    )
    return session.scalars(query).first() is not None


def bookable_slots(
    session: Session, *, since: datetime, mode: str | None, limit: int, offset: int
) -> list[IntakeSlot]:
    """Slots with a free seat, not cancelled, starting at or after `since`; earliest first.

    Ties in start time go by id, so that paging with `offset` and `limit` is stable. `mode`
    None: slots of every mode.
    """
    query = (
        select(IntakeSlot)
        .where(
            IntakeSlot.starts_at >= since,
            IntakeSlot.booked < IntakeSlot.capacity,
            IntakeSlot.cancelled.is_(False),
        )
        .order_by(IntakeSlot.starts_at, IntakeSlot.id)
        .offset(offset)
        .limit(limit)
    )
    if mode is not None:
        query = query.where(IntakeSlot.mode == mode)
    return list(session.scalars(query))


def take_seat(session: Session, *, slot_id: int, now: datetime) -> IntakeSlot | None:
    """Take one seat of the slot, if it has one free and starts after `now`; else None.

    A single UPDATE both checks and counts, so parallel bookings cannot overfill a slot:
    PostgreSQL makes a second UPDATE of the row wait for the first and re-checks its WHERE;
    SQLite runs one writer at a time. The slot is returned refreshed (its new seat count).
    None: the slot is full, cancelled, past or unknown, and nothing changed.
    """
    result = session.execute(
        update(IntakeSlot)
        .where(
            IntakeSlot.id == slot_id,
            IntakeSlot.booked < IntakeSlot.capacity,
            IntakeSlot.cancelled.is_(False),
            IntakeSlot.starts_at > now,
        )
        .values(booked=IntakeSlot.booked + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    slot = session.get_one(IntakeSlot, slot_id)
    session.refresh(slot)
    return slot


def release_seat(session: Session, *, slot_id: int) -> None:
    """Give one taken seat of the slot back (none when no seat is taken, or no such slot)."""
    session.execute(
        update(IntakeSlot)
        .where(IntakeSlot.id == slot_id, IntakeSlot.booked > 0)
        .values(booked=IntakeSlot.booked - 1)
    )


def slots_starting_between(session: Session, *, start: datetime, end: datetime) -> list[IntakeSlot]:
    """Every slot starting in [start, end), cancelled and full ones too, by time then staff id."""
    query = (
        select(IntakeSlot)
        .where(IntakeSlot.starts_at >= start, IntakeSlot.starts_at < end)
        .order_by(IntakeSlot.starts_at, IntakeSlot.staff_id)
    )
    return list(session.scalars(query))
