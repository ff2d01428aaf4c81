"""Repository functions for human handoff: which conversations a person has, and their state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from bot.db.models import Conversation, Lead, OutboxMessage, StaffAccount

WAITING = "waiting"  # the prospect asked for a person; nobody answered yet
HUMAN = "human"  # a staff member answered; Tekkie stays silent until they hand it back
ACTIVE = (WAITING, HUMAN)


@dataclass(frozen=True)
class HandoffRow:
    """A conversation in the handoff inbox, with its lead and the staff member who has it."""

    conversation: Conversation
    lead: Lead | None
    account: StaffAccount | None


def _with_lead_and_account(session: Session, where: object) -> list[HandoffRow]:
    query = (
        select(Conversation, Lead, StaffAccount)
        .outerjoin(
            Lead,
            and_(
                Lead.channel == Conversation.channel,
                Lead.channel_user_id == Conversation.channel_user_id,
            ),
        )
        .outerjoin(StaffAccount, StaffAccount.id == Conversation.handoff_account_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(Conversation.handoff_requested_at, Conversation.id)
    )
    return [HandoffRow(c, lead, account) for c, lead, account in session.execute(query).all()]


def open_handoffs(session: Session) -> list[HandoffRow]:
    """Conversations waiting for a person or held by one, oldest request first."""
    return _with_lead_and_account(session, Conversation.handoff_status.in_(ACTIVE))


def handoff_row(session: Session, *, conversation_id: int) -> HandoffRow | None:
    """One conversation (handed off or not) with its lead and staff member."""
    rows = _with_lead_and_account(session, Conversation.id == conversation_id)
    return rows[0] if rows else None


def get_conversation(session: Session, *, conversation_id: int) -> Conversation | None:
    """The conversation with this id, if it exists (it is gone after an erasure)."""
    return session.get(Conversation, conversation_id)


def mark_requested(session: Session, *, conversation: Conversation, now: datetime) -> None:
    """The prospect asked for a person now."""
    conversation.handoff_status = WAITING
    conversation.handoff_requested_at = now
    conversation.handoff_account_id = None


def take_over(
    session: Session, *, conversation: Conversation, account_id: int, now: datetime
) -> None:
    """A staff member answers: they have the conversation from now on."""
    if conversation.handoff_requested_at is None or conversation.handoff_status is None:
        conversation.handoff_requested_at = now  # staff started it without a request
    conversation.handoff_status = HUMAN
    conversation.handoff_account_id = account_id


def clear(session: Session, *, conversation: Conversation) -> None:
    """Tekkie has the conversation again."""
    conversation.handoff_status = None
    conversation.handoff_requested_at = None
    conversation.handoff_account_id = None


def staff_replies(session: Session, *, conversation_id: int) -> list[OutboxMessage]:
    """The staff replies sent in this conversation, oldest first, with their delivery state."""
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.kind == "staff_reply")
        .where(OutboxMessage.idempotency_key.startswith(f"staff_reply:{conversation_id}:"))
        .order_by(OutboxMessage.id)
    )
    return list(session.scalars(query))


def message_exists(session: Session, *, idempotency_key: str) -> bool:
    """True when the outbox holds a message with this key (a staff reply sent before)."""
    found = session.scalar(
        select(OutboxMessage.id).where(OutboxMessage.idempotency_key == idempotency_key)
    )
    return found is not None
