"""Booking, rescheduling and cancelling intakes; never two prospects in one single-seat slot.

Every function works inside the caller's transaction: the seat, the booking, its history and
the outbox messages (confirmation, reminders, staff notice) commit together or not at all.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import outbox
from bot.db.models import (
    Booking,
    BookingEvent,
    BookingStatus,
    IntakeSlot,
    Lead,
    LeadStatus,
    utcnow,
)
from bot.db.repositories.availability import release_seat, take_seat
from bot.db.repositories.bookings import find_active_booking
from bot.db.repositories.leads import set_status
from bot.intake.notices import prospect_text, staff_text

REMINDERS = {"reminder_24h": timedelta(hours=24), "reminder_2h": timedelta(hours=2)}


class BookingError(Exception):
    """Base class of booking refusals the conversation explains to the prospect."""


class SlotTakenError(BookingError):
    """The slot filled up (or was cancelled) between offer and choice."""


class AlreadyBookedError(BookingError):
    """The lead already has an active booking (one at a time)."""


class NoActiveBookingError(BookingError):
    """There is nothing to reschedule or cancel."""


def active_booking(session: Session, *, lead: Lead) -> Booking | None:
    """The lead's active booking, if any."""
    return find_active_booking(session, lead_id=lead.id)


def _take_seat(session: Session, slot_id: int, now: datetime) -> IntakeSlot:
    slot = take_seat(session, slot_id=slot_id, now=now)
    if slot is None:
        raise SlotTakenError(f"slot {slot_id} is full, cancelled, past or unknown")
    return slot


def _to_prospect(
    session: Session, booking: Booking, lead: Lead, kind: str, *, key: str,
    ics_url: str | None = None, due_at: datetime | None = None,
) -> None:  # fmt: skip
    """One message about this booking to the prospect, on their channel, in their language."""
    slot = booking.slot
    text = prospect_text(
        kind, language=lead.language, name=lead.display_name, ics_url=ics_url,
        starts_at=slot.starts_at, mode=slot.mode, location=slot.location,
    )  # fmt: skip
    outbox.enqueue(
        session, key=key, kind=kind, audience="prospect", channel=lead.channel,
        recipient=lead.channel_user_id, due_at=due_at, booking_id=booking.id,
        payload={"text": text, "booking_id": booking.id, "language": lead.language},
    )  # fmt: skip


def _schedule_messages(
    session: Session, booking: Booking, lead: Lead, event: str, notices: outbox.Notices
) -> None:
    """Confirmation now, reminders before the start, and a notice for the staff."""
    slot = booking.slot
    session.flush()
    ics_url = f"{notices.base_url}/calendar/{booking.calendar_token}.ics"
    _to_prospect(
        session, booking, lead, f"{event}_confirmation",
        key=f"booking:{booking.id}:{event}:prospect", ics_url=ics_url,
    )  # fmt: skip
    now = utcnow()
    for kind, before in REMINDERS.items():
        due = slot.starts_at - before
        if due > now:
            _to_prospect(
                session, booking, lead, kind, key=f"booking:{booking.id}:{kind}",
                ics_url=ics_url, due_at=due,
            )  # fmt: skip
    _notify_staff(session, booking, lead, f"staff_{event}", notices)


def _notify_staff(
    session: Session, booking: Booking, lead: Lead, kind: str, notices: outbox.Notices
) -> None:
    """One notice per configured staff channel (log, staff Telegram group, e-mail)."""
    slot = booking.slot
    text = staff_text(
        kind, lead=lead_fields(lead), starts_at=slot.starts_at, mode=slot.mode,
        location=slot.location, staff_name=slot.staff.name if slot.staff else None,
        dashboard_url=f"{notices.base_url}/dashboard/leads/{lead.id}",
    )  # fmt: skip
    outbox.enqueue_for_staff(
        session, key=f"booking:{booking.id}:{kind}", kind=kind,
        channels=notices.staff_channels, recipient=str(slot.staff_id),
        booking_id=booking.id, payload={"text": text, "booking_id": booking.id},
    )  # fmt: skip


def lead_fields(lead: Lead) -> dict[str, Any]:
    """A lead's stored fields as plain data (for messages and summaries)."""
    return {column.key: getattr(lead, column.key) for column in Lead.__table__.columns}


def book(
    session: Session,
    *,
    lead: Lead,
    slot_id: int,
    notices: outbox.Notices,
    now: datetime | None = None,
) -> Booking:
    """Book `slot_id` for the lead; the same request twice returns the same booking."""
    now = now or utcnow()
    current = active_booking(session, lead=lead)
    if current is not None:
        if current.slot_id == slot_id:
            return current  # a double submit
        raise AlreadyBookedError(f"lead {lead.id} already has booking {current.id}")
    slot = _take_seat(session, slot_id, now)
    booking = Booking(lead_id=lead.id, slot=slot, status=BookingStatus.ACTIVE)
    booking.events.append(BookingEvent(status="booked"))
    try:
        with session.begin_nested():
            session.add(booking)
    except IntegrityError as error:  # a concurrent request of the same lead won
        raise AlreadyBookedError(f"lead {lead.id} booked concurrently") from error
    set_status(lead, LeadStatus.BOOKED)
    _schedule_messages(session, booking, lead, "booked", notices)
    return booking


def cancel(
    session: Session,
    *,
    lead: Lead,
    notices: outbox.Notices,
    reason: str = "by prospect",
    notify_prospect: bool = False,
) -> Booking:
    """Cancel the lead's active booking, free its seat and drop its pending reminders.

    `notify_prospect`: the prospect did not ask in the chat (staff cancelled), so they are told.
    """
    booking = active_booking(session, lead=lead)
    if booking is None:
        raise NoActiveBookingError(f"lead {lead.id} has no active booking")
    _end(session, booking, BookingStatus.CANCELLED, reason)
    if notify_prospect:
        _to_prospect(
            session, booking, lead, "cancelled_confirmation",
            key=f"booking:{booking.id}:cancelled:prospect",
        )  # fmt: skip
    set_status(lead, LeadStatus.NEW if lead.assessment_result is None else LeadStatus.ASSESSED)
    _notify_staff(session, booking, lead, "staff_cancelled", notices)
    return booking


def reschedule(
    session: Session,
    *,
    lead: Lead,
    new_slot_id: int,
    notices: outbox.Notices,
    now: datetime | None = None,
) -> Booking:
    """Move the lead's intake to another slot: a new booking, the old one marked rescheduled."""
    now = now or utcnow()
    old = active_booking(session, lead=lead)
    if old is None:
        raise NoActiveBookingError(f"lead {lead.id} has no active booking")
    if old.slot_id == new_slot_id:
        return old
    slot = _take_seat(session, new_slot_id, now)  # first the new seat: on failure nothing moved
    _end(session, old, BookingStatus.RESCHEDULED, f"to slot {new_slot_id}")
    session.flush()
    booking = Booking(lead_id=lead.id, slot=slot, status=BookingStatus.ACTIVE)
    booking.events.append(BookingEvent(status="booked", note=f"rescheduled from {old.id}"))
    session.add(booking)
    session.flush()
    _schedule_messages(session, booking, lead, "rescheduled", notices)
    return booking


def book_or_reschedule(
    session: Session,
    *,
    lead: Lead,
    slot_id: int,
    notices: outbox.Notices,
    reschedule_it: bool | None = None,
) -> tuple[Booking, str]:
    """Book the slot, or move the lead's intake there; with "booked" or "rescheduled".

    `reschedule_it`: what the prospect asked for in the chat (booking while an intake stands
    then raises AlreadyBookedError); None, as on the dashboard: move it when there is one.
    """
    if reschedule_it is None:
        reschedule_it = active_booking(session, lead=lead) is not None
    if reschedule_it:
        moved = reschedule(session, lead=lead, new_slot_id=slot_id, notices=notices)
        return moved, "rescheduled"
    return book(session, lead=lead, slot_id=slot_id, notices=notices), "booked"


def _end(session: Session, booking: Booking, status: BookingStatus, note: str) -> None:
    booking.status = status
    booking.events.append(BookingEvent(status=status, note=note))
    release_seat(session, slot_id=booking.slot_id)
    outbox.cancel_pending(session, booking_id=booking.id, kinds=tuple(REMINDERS))
