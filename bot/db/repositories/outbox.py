"""Privacy queries on the outbox table (keyword-only, explicit session).

bot/outbox.py owns the outbox itself: enqueueing, claiming and delivering messages. This
module holds only what the privacy erasure (bot/prospects/privacy.py) needs of the same table.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import OutboxMessage, OutboxStatus


def staff_notices_of_booking(session: Session, *, booking_id: int) -> list[OutboxMessage]:
    """Every staff notice about the booking, sent or not, in no particular order."""
    query = select(OutboxMessage).where(
        OutboxMessage.booking_id == booking_id, OutboxMessage.audience == "staff"
    )
    return list(session.scalars(query))


def staff_notices_about(
    session: Session, *, booking_ids: list[int], conversation_id: int | None
) -> list[OutboxMessage]:
    """Every staff notice, sent or not, about one of the bookings or the conversation's handoff.

    A handoff notice is known by its idempotency key, `handoff:<conversation id>:...`. With no
    bookings and no conversation there is nothing to ask about: the list is empty.
    """
    about: list[ColumnElement[bool]] = []
    if booking_ids:
        about.append(OutboxMessage.booking_id.in_(booking_ids))
    if conversation_id is not None:
        about.append(OutboxMessage.idempotency_key.startswith(f"handoff:{conversation_id}:"))
    if not about:
        return []
    query = select(OutboxMessage).where(OutboxMessage.audience == "staff", or_(*about))
    return list(session.scalars(query))


def erase_prospect_messages(session: Session, *, channel: str, recipient: str) -> None:
    """Every message to this prospect on this channel, sent or not, becomes cancelled and empty.

    Its payload is replaced by `{"erased": True}`, so no text written to the person is kept.
    """
    session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.audience == "prospect",
            OutboxMessage.channel == channel,
            OutboxMessage.recipient == recipient,
        )
        .values(status=OutboxStatus.CANCELLED, payload={"erased": True})
    )
