"""Repository functions for conversations: find, create and erase a channel user's, keep its turns.

Three other repositories use the table for their own purpose, and only there: `handoffs` reads
and changes the handoff state (and joins it for the inbox), `dashboard` finds a lead's
conversation, and `campaigns` counts conversations per campaign code.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Conversation, utcnow
from bot.messages import Button, button_ref

MAX_REMEMBERED_PAYLOADS = 40


def find_conversation(
    session: Session, *, channel: str, channel_user_id: str
) -> Conversation | None:
    """The conversation of this channel user, if they wrote before."""
    query = select(Conversation).where(
        Conversation.channel == channel, Conversation.channel_user_id == channel_user_id
    )
    return session.scalars(query).one_or_none()


def find_conversation_id(session: Session, *, channel: str, channel_user_id: str) -> int | None:
    """The id of this channel user's conversation, if they wrote before (loads no row)."""
    query = select(Conversation.id).where(
        Conversation.channel == channel, Conversation.channel_user_id == channel_user_id
    )
    return session.scalar(query)


def delete_conversation(session: Session, *, channel: str, channel_user_id: str) -> None:
    """Delete this channel user's conversation, if there is one (privacy erasure)."""
    session.execute(
        delete(Conversation).where(
            Conversation.channel == channel, Conversation.channel_user_id == channel_user_id
        )
    )


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


def remember_turn_buttons(
    session: Session, *, conversation: Conversation, buttons: list[Button]
) -> None:
    """Remember the buttons of Tekkie's latest turn (all offered payloads stay valid too)."""
    remember_offered_payloads(
        session, conversation=conversation, payloads=[b.payload for b in buttons]
    )
    conversation.last_buttons = [[b.title, b.payload] for b in buttons]


def payload_for_ref(session: Session, *, conversation: Conversation, ref: str) -> str | None:
    """The offered payload a Telegram/WhatsApp button reference stands for; None when stale."""
    session.refresh(conversation)
    return next((p for p in conversation.offered_payloads or [] if button_ref(p) == ref), None)


def last_turn_buttons(session: Session, *, conversation: Conversation) -> list[Button]:
    """The buttons of Tekkie's latest turn, in order."""
    session.refresh(conversation)
    return [Button(title, payload) for title, payload in conversation.last_buttons or []]


def record_inbound(session: Session, *, conversation: Conversation, campaign: str | None) -> None:
    """A channel message arrived now; the first campaign code seen is kept."""
    conversation.last_inbound_at = utcnow()
    if campaign and not conversation.campaign:
        conversation.campaign = campaign[:64]


def touch(session: Session, *, conversation: Conversation) -> None:
    """Record activity in the conversation now."""
    conversation.last_activity_at = utcnow()
