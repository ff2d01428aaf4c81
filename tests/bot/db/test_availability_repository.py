from datetime import date, time

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Availability, AvailabilityException, StaffMember
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
