"""Intake slots from weekly availability, in Europe/Amsterdam time (DST included)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.db.models import Availability, AvailabilityException, IntakeSlot

SCHOOL_TZ = ZoneInfo("Europe/Amsterdam")


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


def _blocked(session: Session, staff_id: int, day: date) -> bool:
    query = select(AvailabilityException.id).where(
        AvailabilityException.first_day <= day,
        AvailabilityException.last_day >= day,
        or_(AvailabilityException.staff_id.is_(None), AvailabilityException.staff_id == staff_id),
    )
    return session.scalars(query.limit(1)).first() is not None


def generate_slots(session: Session, *, first_day: date, days: int) -> list[IntakeSlot]:
    """Create the slots of `days` days from `first_day` (local dates); existing ones are kept."""
    created: list[IntakeSlot] = []
    availabilities = session.scalars(select(Availability)).all()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        for availability in availabilities:
            if availability.weekday != day.weekday():
                continue
            if _blocked(session, availability.staff_id, day):
                continue
            for starts, ends in _windows(availability, day):
                exists = select(IntakeSlot.id).where(
                    IntakeSlot.staff_id == availability.staff_id, IntakeSlot.starts_at == starts
                )
                if session.scalars(exists).first() is not None:
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
    query = (
        select(IntakeSlot)
        .where(
            IntakeSlot.starts_at >= now + min_notice,
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
