"""Demo data: a fresh installation gets two staff members and a week of intake times."""

from __future__ import annotations

from collections import Counter
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Availability, IntakeSlot, StaffMember
from bot.intake.demo import seed_demo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
MONDAY = date(2026, 11, 30)
FATIMA = "Demo – Fatima"  # noqa: RUF001 - the en dash is part of the name
JORIS = "Demo – Joris"  # noqa: RUF001
CAMPUS = "Tekkie Campus, Stationsplein 1, Utrecht"
SLOT_STARTS = [
    time(9, 30), time(10), time(10, 30), time(11), time(11, 30),
    time(13, 30), time(14), time(14, 30), time(15), time(15, 30),
]  # fmt: skip


def slots_by_staff(session: Session) -> dict[str, list[IntakeSlot]]:
    result: dict[str, list[IntakeSlot]] = {}
    for slot in session.scalars(select(IntakeSlot).order_by(IntakeSlot.starts_at)):
        result.setdefault(slot.staff.name, []).append(slot)
    return result


def test_demo_gives_a_week_of_weekday_intakes(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        created = seed_demo(session, today=MONDAY)
    # 2 staff x 5 weekdays x 10 half-hour slots (09:30-12:00 and 13:30-16:00)
    assert created == 100
    with sessions.begin() as session:
        by_staff = slots_by_staff(session)
        assert sorted(by_staff) == [FATIMA, JORIS]
        for slots in by_staff.values():
            local = [s.starts_at.astimezone(AMSTERDAM) for s in slots]
            assert Counter(t.date() for t in local) == {
                MONDAY + timedelta(days=i): 10 for i in range(5)
            }
            assert sorted({t.time() for t in local}) == SLOT_STARTS
            assert all((s.ends_at - s.starts_at).total_seconds() == 30 * 60 for s in slots)
            assert all(s.capacity == 1 and s.booked == 0 for s in slots)
        assert {(s.mode, s.location) for s in by_staff[FATIMA]} == {("online", None)}
        assert {(s.mode, s.location) for s in by_staff[JORIS]} == {("location", CAMPUS)}


def test_first_demo_slot_is_half_past_nine_amsterdam_time(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed_demo(session, today=MONDAY)
        first = session.scalars(select(IntakeSlot).order_by(IntakeSlot.starts_at)).first()
        assert first is not None
        assert first.starts_at.isoformat() == "2026-11-30T08:30:00+00:00"  # 09:30 CET


def test_seeding_twice_adds_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        assert seed_demo(session, today=MONDAY) == 100
    with sessions.begin() as session:
        assert seed_demo(session, today=MONDAY) == 0
    with sessions.begin() as session:
        assert session.scalar(select(func.count(StaffMember.id))) == 2
        assert session.scalar(select(func.count(Availability.id))) == 2 * 5 * 2
        assert session.scalar(select(func.count(IntakeSlot.id))) == 100


def test_a_later_run_adds_only_the_new_days(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        seed_demo(session, today=MONDAY)
    with sessions.begin() as session:
        # From Wednesday: Wednesday to Friday exist already; next Monday and Tuesday are new.
        assert seed_demo(session, today=date(2026, 12, 2)) == 2 * 2 * 10


def test_a_week_starting_on_saturday_still_has_five_intake_days(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        assert seed_demo(session, today=date(2026, 12, 5)) == 100
        weekdays = {
            s.starts_at.astimezone(AMSTERDAM).weekday() for s in session.scalars(select(IntakeSlot))
        }
        assert weekdays == {0, 1, 2, 3, 4}
