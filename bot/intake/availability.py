"""Weekly availability and days off: the checks and changes the CLI and the dashboard share."""

from __future__ import annotations

from datetime import date, time

from sqlalchemy.orm import Session

from bot.db.models import Availability, AvailabilityException, SlotMode, StaffMember
from bot.db.repositories import availability as repo
from bot.db.repositories.staff_members import find_staff_member


class AvailabilityError(ValueError):
    """A window or days off that cannot be added; `key` names the problem for translation."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _minutes(at: time) -> int:
    return at.hour * 60 + at.minute


def clean_location(mode: str, location: str | None) -> str | None:
    """The address for a location window; refuses a missing or superfluous one."""
    location = (location or "").strip() or None
    if mode == SlotMode.LOCATION and location is None:
        raise AvailabilityError("location_needed")
    if mode == SlotMode.ONLINE and location is not None:
        raise AvailabilityError("location_only_for_location")
    return location


def check_window(starts: time, ends: time, slot_minutes: int) -> None:
    """The window must end after it starts and hold at least one slot."""
    if ends <= starts:
        raise AvailabilityError("end_before_start")
    if _minutes(ends) - _minutes(starts) < slot_minutes:
        raise AvailabilityError("shorter_than_slot")


def require_staff(session: Session, *, staff_id: int) -> StaffMember:
    """The staff member, or an error when there is none with this id."""
    staff = find_staff_member(session, staff_id=staff_id)
    if staff is None:
        raise AvailabilityError("no_such_staff")
    return staff


def add_availability(
    session: Session, *, staff_id: int, weekday: int, starts: time, ends: time,
    slot_minutes: int = 30, mode: str = SlotMode.ONLINE, location: str | None = None,
    capacity: int = 1,
) -> Availability:  # fmt: skip
    """A weekly window in which the staff member holds intakes (Amsterdam time)."""
    if not 0 <= weekday <= 6:
        raise AvailabilityError("bad_weekday")
    if mode not in (SlotMode.ONLINE, SlotMode.LOCATION):
        raise AvailabilityError("bad_mode")
    if slot_minutes < 1 or capacity < 1:
        raise AvailabilityError("not_positive")
    check_window(starts, ends, slot_minutes)
    location = clean_location(mode, location)
    require_staff(session, staff_id=staff_id)
    availability = Availability(
        staff_id=staff_id, weekday=weekday, start_time=starts, end_time=ends,
        slot_minutes=slot_minutes, mode=str(mode), location=location, capacity=capacity,
    )  # fmt: skip
    session.add(availability)
    session.flush()
    return availability


def add_days_off(
    session: Session, *, first_day: date, last_day: date, staff_id: int | None,
    reason: str | None,
) -> AvailabilityException:  # fmt: skip
    """Days without intakes, for everybody (staff_id None) or one staff member."""
    if last_day < first_day:
        raise AvailabilityError("last_before_first")
    if staff_id is not None:
        require_staff(session, staff_id=staff_id)
    exception = AvailabilityException(
        staff_id=staff_id, first_day=first_day, last_day=last_day,
        reason=(reason or "").strip() or None,
    )  # fmt: skip
    session.add(exception)
    session.flush()
    return exception


def weekly_windows(session: Session) -> list[Availability]:
    """Every weekly window, by staff member, weekday and time."""
    return repo.weekly_windows(session)


def days_off(session: Session, *, since: date) -> list[AvailabilityException]:
    """Days off that end on or after `since`, earliest first."""
    return repo.days_off(session, since=since)
