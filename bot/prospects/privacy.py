"""Privacy (AVG/GDPR): what Tekkie knows about a prospect, erasure, and the retention purge."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, delete, or_, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.db.models import (
    Booking,
    InboundDelivery,
    InboundStatus,
    Lead,
    OutboxMessage,
    OutboxStatus,
    utcnow,
)
from bot.db.repositories import conversations, webchat_inbox
from bot.db.repositories.leads import find_lead
from bot.intake.booking import active_booking, cancel
from bot.intake.slots import SCHOOL_TZ
from bot.messages import rasa_sender_id
from bot.outbox import Notices

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
    lead = find_lead(session, channel=channel, channel_user_id=channel_user_id)
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
        booking_ids = list(session.scalars(select(Booking.id).where(Booking.lead_id == lead.id)))
        _scrub_staff_notices(session, booking_ids=booking_ids, conversation_id=conversation)
        for old in session.scalars(select(Booking).where(Booking.lead_id == lead.id)):
            session.delete(old)
        session.flush()  # bookings first: the lead's row is what they point at
        session.delete(lead)
        session.flush()
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.audience == "prospect",
            OutboxMessage.channel == channel,
            OutboxMessage.recipient == channel_user_id,
        )
        .values(status="cancelled", payload={"erased": True})
    )
    conversations.delete_conversation(session, channel=channel, channel_user_id=channel_user_id)
    session.execute(  # the stored Telegram/WhatsApp messages hold what they wrote
        delete(InboundDelivery).where(
            InboundDelivery.channel == channel,
            InboundDelivery.channel_user_id == channel_user_id,
            InboundDelivery.status != InboundStatus.PENDING,
        )
    )
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
    about: list[ColumnElement[bool]] = []
    if booking_ids:
        about.append(OutboxMessage.booking_id.in_(booking_ids))
    if conversation_id is not None:
        about.append(OutboxMessage.idempotency_key.startswith(f"handoff:{conversation_id}:"))
    if not about:
        return
    query = select(OutboxMessage).where(OutboxMessage.audience == "staff", or_(*about))
    for notice in session.scalars(query):
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
    notices = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.booking_id == booking.id, OutboxMessage.audience == "staff"
        )
    ).all()
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
    lead = find_lead(session, channel=channel, channel_user_id=channel_user_id)
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
    session.execute(
        delete(InboundDelivery).where(
            InboundDelivery.received_at < older_than,
            InboundDelivery.status != InboundStatus.PENDING,
        )
    )
    stale = session.scalars(select(Lead).where(Lead.last_activity_at < older_than)).all()
    for lead in stale:
        erase_person(
            session,
            channel=lead.channel,
            channel_user_id=lead.channel_user_id,
            rasa_sender_id=rasa_sender_id(lead.channel, lead.channel_user_id),
            notices=notices,
        )
    return len(stale)
