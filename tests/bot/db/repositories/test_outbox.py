from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot import outbox
from bot.db.models import Booking, IntakeSlot, OutboxMessage, StaffMember, utcnow
from bot.db.repositories import leads
from bot.db.repositories import outbox as repo


def _booking(session: Session, n: int) -> int:
    staff = StaffMember(name=f"Staff {n}")
    session.add(staff)
    session.flush()
    starts = utcnow() + timedelta(days=2)
    slot = IntakeSlot(
        staff_id=staff.id, starts_at=starts, ends_at=starts + timedelta(minutes=30), mode="online"
    )
    session.add(slot)
    lead = leads.create_lead(
        session, channel="webchat", channel_user_id=f"u{n}", consent_version="v1"
    )
    session.flush()
    booking = Booking(lead_id=lead.id, slot_id=slot.id)
    session.add(booking)
    session.flush()
    return booking.id


def _message(
    session: Session, key: str, *, audience: str = "staff", channel: str = "staff",
    recipient: str = "staff", booking_id: int | None = None, status: str = "pending",
) -> None:  # fmt: skip
    message = outbox.enqueue(
        session, key=key, kind="staff_booked", audience=audience, channel=channel,
        recipient=recipient, payload={"text": "Noor"}, booking_id=booking_id,
    )  # fmt: skip
    message.status = status


def test_staff_notices_of_a_booking_sent_or_not(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        mine, other = _booking(session, 1), _booking(session, 2)
        _message(session, "booked", booking_id=mine, status="sent")
        _message(session, "reminder", booking_id=mine)
        _message(session, "other", booking_id=other)
        _message(session, "to-prospect", audience="prospect", channel="webchat", booking_id=mine)
    with sessions() as session:
        found = repo.staff_notices_of_booking(session, booking_id=mine)
        assert sorted(m.idempotency_key for m in found) == ["booked", "reminder"]


def test_staff_notices_about_bookings_or_a_handoff(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        first, second, other = _booking(session, 1), _booking(session, 2), _booking(session, 3)
        _message(session, "first", booking_id=first, status="sent")
        _message(session, "second", booking_id=second)
        _message(session, "other", booking_id=other)
        _message(session, "handoff:7:1", status="sent")
        _message(session, "handoff:70:1")  # conversation 70, not 7
        _message(session, "to-prospect", audience="prospect", channel="webchat", booking_id=first)
    with sessions() as session:

        def keys(booking_ids: list[int], conversation_id: int | None) -> list[str]:
            found = repo.staff_notices_about(
                session, booking_ids=booking_ids, conversation_id=conversation_id
            )
            return sorted(m.idempotency_key for m in found)

        assert keys([first, second], 7) == ["first", "handoff:7:1", "second"]
        assert keys([first], None) == ["first"]
        assert keys([], 7) == ["handoff:7:1"]
        assert keys([], None) == []
        assert keys([], 8) == []


def test_prospect_messages_are_cancelled_and_emptied(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _message(session, "sent", audience="prospect", channel="webchat", recipient="u1",
                 status="sent")  # fmt: skip
        _message(session, "due", audience="prospect", channel="webchat", recipient="u1")
        _message(session, "someone-else", audience="prospect", channel="webchat", recipient="u2")
        _message(session, "same-id-elsewhere", audience="prospect", channel="telegram",
                 recipient="u1")  # fmt: skip
        _message(session, "staff", channel="webchat", recipient="u1")
    with sessions.begin() as session:
        repo.erase_prospect_messages(session, channel="webchat", recipient="u1")
    with sessions() as session:
        rows = {m.idempotency_key: m for m in session.scalars(select(OutboxMessage))}
        for key in ("sent", "due"):
            assert (rows[key].status, rows[key].payload) == ("cancelled", {"erased": True})
        for key in ("someone-else", "same-id-elsewhere", "staff"):
            assert (rows[key].status, rows[key].payload) == ("pending", {"text": "Noor"})
