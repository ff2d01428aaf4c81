from datetime import timedelta

from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Booking, BookingStatus, IntakeSlot, StaffMember, utcnow
from bot.db.repositories import bookings as repo
from bot.db.repositories import leads


def _booking(session: Session, staff: StaffMember, n: int, days: int, status: str) -> Booking:
    lead = leads.create_lead(
        session, channel="webchat", channel_user_id=f"u{n}", consent_version="v1"
    )
    starts = utcnow() + timedelta(days=days)
    slot = IntakeSlot(
        staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30), mode="online"
    )
    session.add(slot)
    session.flush()
    booking = Booking(lead_id=lead.id, slot_id=slot.id, status=status)
    session.add(booking)
    session.flush()
    return booking


def test_booking_found_by_calendar_token_whatever_its_status(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        staff = StaffMember(name="Anna")
        session.add(staff)
        session.flush()
        booking = _booking(session, staff, 1, 2, BookingStatus.CANCELLED)
        token, booking_id = booking.calendar_token, booking.id
    with sessions() as session:
        found = repo.find_booking_by_calendar_token(session, token=token)
        assert found is not None
        assert found.id == booking_id
        assert repo.find_booking_by_calendar_token(session, token="unknown") is None


def test_active_bookings_of_staff_since_in_order(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        anna, bert = StaffMember(name="Anna"), StaffMember(name="Bert")
        session.add_all([anna, bert])
        session.flush()
        later = _booking(session, anna, 1, 5, BookingStatus.ACTIVE).id
        sooner = _booking(session, anna, 2, 1, BookingStatus.ACTIVE).id
        _booking(session, anna, 3, -40, BookingStatus.ACTIVE)  # before `since`
        _booking(session, anna, 4, 3, BookingStatus.CANCELLED)
        _booking(session, bert, 5, 2, BookingStatus.ACTIVE)  # someone else's
        anna_id = anna.id
    with sessions() as session:
        found = repo.active_bookings_of_staff(
            session, staff_id=anna_id, since=utcnow() - timedelta(days=30)
        )
        assert [b.id for b in found] == [sooner, later]
