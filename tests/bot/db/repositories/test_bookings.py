from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    IntakeSlot,
    Lead,
    StaffMember,
    utcnow,
)
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


def _lead_with_bookings(session: Session, staff: StaffMember, user: str) -> Lead:
    """A lead with a cancelled and an active booking, each with one history event."""
    lead = leads.create_lead(session, channel="webchat", channel_user_id=user, consent_version="v1")
    for days, status in ((1, BookingStatus.CANCELLED), (2, BookingStatus.ACTIVE)):
        starts = utcnow() + timedelta(days=days)
        slot = IntakeSlot(
            staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30),
            mode="online",
        )  # fmt: skip
        session.add(slot)
        session.flush()
        booking = Booking(lead_id=lead.id, slot_id=slot.id, status=status)
        booking.events.append(BookingEvent(status=status))
        session.add(booking)
    session.flush()
    return lead


def test_a_leads_bookings_are_found_and_erased_with_their_history(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        staff = StaffMember(name="Anna")
        session.add(staff)
        session.flush()
        gone, kept = (
            _lead_with_bookings(session, staff, "gone"),
            _lead_with_bookings(session, staff, "kept"),
        )
        gone_id, kept_id = gone.id, kept.id
    with sessions.begin() as session:
        gone_bookings = repo.booking_ids_of(session, lead_id=gone_id)
        assert len(gone_bookings) == 2
        assert set(gone_bookings).isdisjoint(repo.booking_ids_of(session, lead_id=kept_id))
        repo.erase_bookings_of(session, lead_id=gone_id)
    with sessions() as session:
        assert repo.booking_ids_of(session, lead_id=gone_id) == []
        kept_bookings = set(repo.booking_ids_of(session, lead_id=kept_id))
        assert len(kept_bookings) == 2
        assert set(session.scalars(select(BookingEvent.booking_id))) == kept_bookings
        assert repo.booking_ids_of(session, lead_id=kept_id + 100) == []


def test_a_leads_active_booking_is_found_and_no_other(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        staff = StaffMember(name="Anna")
        session.add(staff)
        session.flush()
        cancelled = _booking(session, staff, 1, 1, BookingStatus.CANCELLED)
        lead_id = cancelled.lead_id
        active = Booking(lead_id=lead_id, slot_id=cancelled.slot_id, status=BookingStatus.ACTIVE)
        session.add(active)
        session.flush()
        active_id = active.id
        only_cancelled = _booking(session, staff, 2, 2, BookingStatus.RESCHEDULED).lead_id
    with sessions() as session:
        found = repo.find_active_booking(session, lead_id=lead_id)
        assert found is not None
        assert found.id == active_id
        assert repo.find_active_booking(session, lead_id=only_cancelled) is None
        assert repo.find_active_booking(session, lead_id=lead_id + 100) is None
