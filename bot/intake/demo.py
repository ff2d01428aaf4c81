"""Demo staff and availability, so a fresh installation has intake times to offer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy.orm import Session

from bot.db.models import Availability, SlotMode, StaffMember
from bot.db.repositories.availability import windows_of_staff
from bot.db.repositories.staff_members import find_staff_member_by_name
from bot.intake.slots import generate_slots

DEMO_DAYS = 7
WEEKDAYS = range(5)  # Monday to Friday
WINDOWS = ((time(9, 30), time(12, 0)), (time(13, 30), time(16, 0)))
SLOT_MINUTES = 30
CAPACITY = 1


@dataclass(frozen=True)
class DemoStaff:
    """One demo staff member and where they hold intakes."""

    name: str
    mode: SlotMode
    location: str | None = None


# The names are shown to staff as they are; the dash is a real en dash.
DEMO_STAFF = (
    DemoStaff("Demo – Fatima", SlotMode.ONLINE),  # noqa: RUF001
    DemoStaff("Demo – Joris", SlotMode.LOCATION, "Tekkie Campus, Stationsplein 1, Utrecht"),  # noqa: RUF001
)


def _staff(session: Session, name: str) -> StaffMember:
    staff = find_staff_member_by_name(session, name=name)
    if staff is None:
        staff = StaffMember(name=name)
        session.add(staff)
        session.flush()
    return staff


def _ensure_availability(session: Session, *, staff: StaffMember, demo: DemoStaff) -> None:
    existing = {
        (a.weekday, a.start_time, a.end_time) for a in windows_of_staff(session, staff_id=staff.id)
    }
    for weekday in WEEKDAYS:
        for start, end in WINDOWS:
            if (weekday, start, end) in existing:
                continue
            session.add(
                Availability(
                    staff_id=staff.id, weekday=weekday, start_time=start, end_time=end,
                    slot_minutes=SLOT_MINUTES, mode=demo.mode, location=demo.location,
                    capacity=CAPACITY,
                )
            )  # fmt: skip


def seed_demo(session: Session, *, today: date) -> int:
    """Create the demo staff, their weekday hours and a week of slots; return the new slots."""
    for demo in DEMO_STAFF:
        _ensure_availability(session, staff=_staff(session, demo.name), demo=demo)
    session.flush()
    return len(generate_slots(session, first_day=today, days=DEMO_DAYS))
