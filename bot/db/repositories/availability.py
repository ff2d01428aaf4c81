"""Repository functions for weekly availability windows, days off and the slots (keyword-only).

Adding windows and days off, with their checks, is bot/intake/availability.py's job; making
slots from them is bot/intake/slots.py's.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Availability, AvailabilityException, IntakeSlot


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


def slots_starting_between(session: Session, *, start: datetime, end: datetime) -> list[IntakeSlot]:
    """Every slot starting in [start, end), cancelled and full ones too, by time then staff id."""
    query = (
        select(IntakeSlot)
        .where(IntakeSlot.starts_at >= start, IntakeSlot.starts_at < end)
        .order_by(IntakeSlot.starts_at, IntakeSlot.staff_id)
    )
    return list(session.scalars(query))
