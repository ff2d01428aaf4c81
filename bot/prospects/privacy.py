"""Privacy (AVG/GDPR): what Tekkie knows about a prospect, erasure, and the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from bot import outbox
from bot.db.models import Booking, OutboxStatus, utcnow
from bot.db.repositories import bookings, conversations, inbound, leads, questions, webchat_inbox
from bot.db.repositories import outbox as outbox_rows
from bot.intake.booking import active_booking, cancel
from bot.messages import rasa_sender_id
from bot.outbox import Notices
from bot.settings import SCHOOL_TZ

TRACKER_ERASE_DELAY = timedelta(seconds=3)  # after the current Rasa turn has been saved


def erase_person(
    session: Session,
    *,
    channel: str,
    channel_user_id: str,
    rasa_sender_id: str,
    notices: Notices,
) -> bool:
    """Erase everything about one prospect; staff are told of a cancelled intake.

    Returns True when a lead profile existed. The Rasa conversation is erased by the outbox
    worker shortly after, so that the turn in progress cannot write it back.
    """
    lead = leads.find_lead(session, channel=channel, channel_user_id=channel_user_id)
    conversation = conversations.find_conversation_id(
        session, channel=channel, channel_user_id=channel_user_id
    )
    if lead is not None:
        booking = active_booking(session, lead=lead)
        if booking is not None:
            cancelled = cancel(
                session, lead=lead, notices=notices, reason="prospect asked to erase their data"
            )
            _anonymise_staff_notices(session, cancelled)
        session.flush()
        booking_ids = bookings.booking_ids_of(session, lead_id=lead.id)
        _scrub_staff_notices(session, booking_ids=booking_ids, conversation_id=conversation)
        bookings.erase_bookings_of(session, lead_id=lead.id)  # first: they point at the lead
        leads.delete_lead(session, lead=lead)
    outbox_rows.erase_prospect_messages(session, channel=channel, recipient=channel_user_id)
    conversations.delete_conversation(session, channel=channel, channel_user_id=channel_user_id)
    # the stored Telegram/WhatsApp messages hold what they wrote
    inbound.forget_inbound_of(session, channel=channel, channel_user_id=channel_user_id)
    # the questions they asked that Tekkie could not answer; their groups keep only counts
    questions.erase_person(session, channel=channel, channel_user_id=channel_user_id)
    if channel == "webchat":
        webchat_inbox.erase(session, channel_user_id=channel_user_id)
    outbox.enqueue(
        session,
        key=f"erase:{rasa_sender_id}:{utcnow().isoformat()}",
        kind="erase_tracker",
        audience="system",
        channel="system",
        recipient=rasa_sender_id,
        payload={},
        due_at=utcnow() + TRACKER_ERASE_DELAY,
    )
    return lead is not None


def _scrub_staff_notices(
    session: Session, *, booking_ids: list[int], conversation_id: int | None
) -> None:
    """Staff notices already sent about the person (bookings, handoff) keep no name or contact.

    The staff read them when they were sent; the copy in the outbox must not outlive the erasure.
    """
    notices = outbox_rows.staff_notices_about(
        session, booking_ids=booking_ids, conversation_id=conversation_id
    )
    for notice in notices:
        if notice.kind == "staff_erased":
            continue  # the one notice staff still get: it names no one
        if notice.status == OutboxStatus.PENDING:
            notice.status = OutboxStatus.CANCELLED
        notice.payload = {"erased": True}
    session.flush()


def _anonymise_staff_notices(session: Session, booking: Booking) -> None:
    """Staff hear of an erased person's cancelled intake once, without the person's name.

    When staff were told of the booking already, the cancellation notice stays, naming only
    the slot; every other unsent staff notice of the booking is dropped. When they were never
    told, no notice is sent at all.
    """
    notices = outbox_rows.staff_notices_of_booking(session, booking_id=booking.id)
    staff_knew = any(m.status == OutboxStatus.SENT for m in notices)
    when = booking.slot.starts_at.astimezone(SCHOOL_TZ).strftime("%d-%m-%Y %H:%M")
    text = (
        f"Intake geannuleerd: {when}. De aanmelder heeft gevraagd al zijn of haar gegevens "
        "te verwijderen; we hebben niets meer bewaard."
    )
    for notice in notices:
        if notice.status != OutboxStatus.PENDING:
            continue
        if staff_knew and notice.kind == "staff_cancelled":
            notice.kind, notice.payload = "staff_erased", {"text": text, "booking_id": booking.id}
        else:
            notice.status, notice.payload = OutboxStatus.CANCELLED, {"erased": True}
    session.flush()


def summary_lines(session: Session, *, channel: str, channel_user_id: str) -> list[str] | None:
    """What is stored about the prospect, one line per fact; None when nothing is."""
    lead = leads.find_lead(session, channel=channel, channel_user_id=channel_user_id)
    if lead is None:
        return None
    lines = [
        f"• {label}: {value}"
        for label, value in (
            ("naam / name", lead.display_name),
            ("telefoon / phone", lead.phone_e164),
            ("e-mail", lead.email),
            ("taal / language", lead.language),
            ("campagne / campaign", lead.campaign),
            ("advies / advice", (lead.assessment_result or {}).get("track")),
            ("steun / support", ", ".join(lead.support_needs or []) or None),
            ("status", lead.status),
            (
                "toestemming / consent",
                f"{lead.consent_at.astimezone(SCHOOL_TZ):%d-%m-%Y %H:%M} ({lead.consent_version})",
            ),
        )
        if value
    ]
    booking = active_booking(session, lead=lead)
    if booking is not None:
        when = booking.slot.starts_at.astimezone(SCHOOL_TZ)
        lines.append(f"• intake: {when:%d-%m-%Y %H:%M} ({booking.slot.mode})")
    return lines


def purge_inactive(session: Session, *, older_than: datetime, notices: Notices) -> int:
    """Erase every lead inactive since before `older_than`, and old channel messages.

    Returns how many leads were erased.
    """
    inbound.forget_inbound_before(session, older_than=older_than)
    questions.forget_before(session, older_than=older_than)  # anonymous visitors' too
    stale = leads.stale_leads(session, older_than=older_than)
    for lead in stale:
        erase_person(
            session,
            channel=lead.channel,
            channel_user_id=lead.channel_user_id,
            rasa_sender_id=rasa_sender_id(lead.channel, lead.channel_user_id),
            notices=notices,
        )
    return len(stale)
