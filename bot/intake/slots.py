"""Intake slots from weekly availability, in Europe/Amsterdam time (DST included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.orm import Session

from bot.db.models import Availability, IntakeSlot
from bot.db.repositories import availability as repo
from bot.settings import SCHOOL_TZ


def local_to_utc(day: date, at: time) -> datetime | None:
    """The UTC moment of a local wall-clock time; None when it does not exist (DST gap).

    In the autumn hour that happens twice, the first occurrence (summer time) is used.
    """
    local = datetime.combine(day, at, tzinfo=SCHOOL_TZ)
    as_utc = local.astimezone(UTC)
    if as_utc.astimezone(SCHOOL_TZ).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return as_utc


def _windows(availability: Availability, day: date) -> Iterator[tuple[datetime, datetime]]:
    step = timedelta(minutes=availability.slot_minutes)
    cursor = datetime.combine(day, availability.start_time)
    end = datetime.combine(day, availability.end_time)
    while cursor + step <= end:
        starts = local_to_utc(day, cursor.time())
        if starts is not None:  # a wall-clock time skipped by the spring DST change has no slot
            yield starts, starts + step
        cursor += step


def generate_slots(session: Session, *, first_day: date, days: int) -> list[IntakeSlot]:
    """Create the slots of `days` days from `first_day` (local dates); existing ones are kept."""
    created: list[IntakeSlot] = []
    availabilities = repo.weekly_windows(session)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for availability in availabilities:
            if availability.weekday != day.weekday():
                continue
            if repo.is_day_off(session, staff_id=availability.staff_id, day=day):
                continue
            for starts, ends in _windows(availability, day):
                if repo.has_slot_at(session, staff_id=availability.staff_id, starts_at=starts):
                    continue
                slot = IntakeSlot(
                    staff_id=availability.staff_id,
                    starts_at=starts,
                    ends_at=ends,
                    mode=availability.mode,
                    location=availability.location,
                    capacity=availability.capacity,
                )
                session.add(slot)
                created.append(slot)
    session.flush()
    return created


def free_slots(
    session: Session,
    *,
    now: datetime,
    mode: str | None = None,
    limit: int = 3,
    offset: int = 0,
    min_notice: timedelta = timedelta(hours=2),
) -> list[IntakeSlot]:
    """The next bookable slots (not full, not cancelled, at least `min_notice` ahead)."""
    return repo.bookable_slots(
        session, since=now + min_notice, mode=mode, limit=limit, offset=offset
    )
