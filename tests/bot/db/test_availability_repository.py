from datetime import date, time, timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Availability, AvailabilityException, IntakeSlot, StaffMember, utcnow
from bot.db.repositories import availability as repo


def test_windows_and_days_off_are_deleted_once(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff = StaffMember(name="Anna")
        session.add(staff)
        session.flush()
        window = Availability(
            staff_id=staff.id, weekday=0, start_time=time(9), end_time=time(12), mode="online"
        )
        days_off = AvailabilityException(first_day=date(2026, 12, 24), last_day=date(2026, 12, 26))
        session.add_all([window, days_off])
        session.flush()
        window_id, days_off_id = window.id, days_off.id
    with sessions.begin() as session:
        assert repo.delete_window(session, window_id=window_id)
        assert repo.delete_days_off(session, exception_id=days_off_id)
    with sessions.begin() as session:
        assert session.get(Availability, window_id) is None
        assert session.get(AvailabilityException, days_off_id) is None
        assert not repo.delete_window(session, window_id=window_id)
        assert not repo.delete_days_off(session, exception_id=days_off_id)


def test_slots_starting_between_by_time_then_staff(sessions: sessionmaker[Session]) -> None:
    now = utcnow()
    with sessions.begin() as session:
        anna, bert = StaffMember(name="Anna"), StaffMember(name="Bert")
        session.add_all([anna, bert])
        session.flush()

        def slot(staff: StaffMember, hours: int, **fields: object) -> IntakeSlot:
            starts = now + timedelta(hours=hours)
            made = IntakeSlot(
                staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
                mode="online", **fields,
            )  # fmt: skip
            session.add(made)
            return made

        later = slot(anna, 5, booked=1, capacity=1)  # full ones count
        bert_first = slot(bert, 2)
        anna_first = slot(anna, 2, cancelled=True)  # cancelled ones count
        slot(anna, -1)  # before the start
        slot(anna, 24)  # at the end: excluded
        session.flush()
        assert anna.id < bert.id  # same start: Anna's slot comes first
        expected = [anna_first.id, bert_first.id, later.id]
    with sessions() as session:
        found = repo.slots_starting_between(session, start=now, end=now + timedelta(hours=24))
        assert [s.id for s in found] == expected
