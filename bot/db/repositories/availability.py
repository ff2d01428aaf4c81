"""Repository functions for weekly availability windows and days off (keyword-only).

Adding them, with their checks, is bot/intake/availability.py's job.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from bot.db.models import Availability, AvailabilityException


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
