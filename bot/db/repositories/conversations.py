"""Repository functions for conversations; the only place that queries that table."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Conversation, utcnow

MAX_REMEMBERED_PAYLOADS = 40


def get_or_create_conversation(
    session: Session, *, channel: str, channel_user_id: str
) -> Conversation:
    """Return the conversation of this channel user, creating it on first contact."""
    query = select(Conversation).where(
        Conversation.channel == channel, Conversation.channel_user_id == channel_user_id
    )
    found = session.scalars(query).one_or_none()
    if found is not None:
        return found
    conversation = Conversation(channel=channel, channel_user_id=channel_user_id)
    try:
        with session.begin_nested():
            session.add(conversation)
    except IntegrityError:  # another request created it at the same moment
        return session.scalars(query).one()
    return conversation


def payload_was_offered(session: Session, *, conversation: Conversation, payload: str) -> bool:
    """True when Tekkie offered this button payload in the conversation recently."""
    session.refresh(conversation)
    return payload in (conversation.offered_payloads or [])


def remember_offered_payloads(
    session: Session, *, conversation: Conversation, payloads: list[str]
) -> None:
    """Remember newly offered payloads (newest last), keeping a bounded history."""
    if not payloads:
        return
    kept = [p for p in (conversation.offered_payloads or []) if p not in payloads]
    conversation.offered_payloads = (kept + payloads)[-MAX_REMEMBERED_PAYLOADS:]


def touch(session: Session, *, conversation: Conversation) -> None:
    """Record activity in the conversation now."""
    conversation.last_activity_at = utcnow()
