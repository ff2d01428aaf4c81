from datetime import UTC, date, datetime, time

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Availability, AvailabilityException, StaffMember
from bot.intake.slots import free_slots, generate_slots, local_to_utc


def add_staff(session: Session, *, weekday: int, start: time, end: time, **extra: object) -> int:
    staff = StaffMember(name="Fatima")
    session.add(staff)
    session.flush()
    session.add(
        Availability(
            staff_id=staff.id,
            weekday=weekday,
            start_time=start,
            end_time=end,
            slot_minutes=30,
            **extra,
        )
    )
    return staff.id


def test_local_times_follow_amsterdam_summer_and_winter_time() -> None:
    # Saturday before the spring change: CET (UTC+1); Sunday after it: CEST (UTC+2).
    assert local_to_utc(date(2026, 3, 28), time(10)) == datetime(2026, 3, 28, 9, tzinfo=UTC)
    assert local_to_utc(date(2026, 3, 29), time(10)) == datetime(2026, 3, 29, 8, tzinfo=UTC)
    # Autumn: back to CET on 25 October 2026.
    assert local_to_utc(date(2026, 10, 24), time(10)) == datetime(2026, 10, 24, 8, tzinfo=UTC)
    assert local_to_utc(date(2026, 10, 25), time(10)) == datetime(2026, 10, 25, 9, tzinfo=UTC)


def test_skipped_and_repeated_hours_at_the_dst_changes() -> None:
    assert local_to_utc(date(2026, 3, 29), time(2, 30)) is None  # does not exist
    # 02:30 happens twice on 25 October: the first (summer time) one is used.
    assert local_to_utc(date(2026, 10, 25), time(2, 30)) == datetime(
        2026, 10, 25, 0, 30, tzinfo=UTC
    )


def test_slots_across_the_spring_change_keep_their_wall_clock_time(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        add_staff(session, weekday=6, start=time(1, 30), end=time(3, 30))  # Sundays
        slots = generate_slots(session, first_day=date(2026, 3, 22), days=8)
        starts = sorted(s.starts_at for s in slots)
    # 22 March (CET): 01:30, 02:00, 02:30, 03:00 local. 29 March: 02:00 and 02:30 do not exist.
    assert starts[:4] == [
        datetime(2026, 3, 22, h, m, tzinfo=UTC) for h, m in ((0, 30), (1, 0), (1, 30), (2, 0))
    ]
    assert starts[4:] == [
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # 01:30 CET
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
    ]  # 03:00 CEST


def test_generation_skips_holidays_and_is_repeatable(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff_id = add_staff(session, weekday=0, start=time(9), end=time(10))  # Mondays
        session.add(
            AvailabilityException(
                staff_id=None,
                first_day=date(2026, 12, 28),
                last_day=date(2026, 12, 28),
                reason="holiday",
            )
        )
        first = generate_slots(session, first_day=date(2026, 12, 21), days=15)
        again = generate_slots(session, first_day=date(2026, 12, 21), days=15)
    assert [s.starts_at.date() for s in first] == [date(2026, 12, 21)] * 2 + [date(2027, 1, 4)] * 2
    assert again == []
    assert {s.staff_id for s in first} == {staff_id}


def test_free_slots_are_the_next_ones_with_notice_and_room(sessions: sessionmaker[Session]) -> None:
    now = datetime(2026, 12, 21, 7, 30, tzinfo=UTC)  # Monday 08:30 in Amsterdam
    with sessions.begin() as session:
        add_staff(session, weekday=0, start=time(9), end=time(12), mode="online")
        slots = generate_slots(session, first_day=date(2026, 12, 21), days=1)
        slots[-1].booked = 1  # full
        offered = free_slots(session, now=now, limit=3)
        later = free_slots(session, now=now, limit=3, offset=3)
    # Slots before 10:30 local are within two hours; 11:30 local is full.
    assert [s.starts_at for s in offered] == [
        datetime(2026, 12, 21, 9, 30, tzinfo=UTC),
        datetime(2026, 12, 21, 10, 0, tzinfo=UTC),
    ]
    assert later == []
