"""Human handoff: a prospect asks for a person, staff answer from the dashboard, then hand back.

Rasa keeps the transcript: the action that takes the request pauses the conversation there
(`ConversationPaused`), staff messages are appended to the tracker as bot events marked with
`STAFF_KEY`, and handing back appends `resume`. Tekkie's own database holds the state staff
work with (`Conversation.handoff_status`), and every message goes out through the outbox.
`handoff_desk` runs what staff do (reply, hand back) with these steps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot import outbox
from bot.conversation.transcript import STAFF_KEY
from bot.db.models import Conversation, utcnow
from bot.db.repositories import conversations, handoffs
from bot.db.repositories.leads import find_lead
from bot.intake.booking import lead_fields
from bot.intake.notices import staff_handoff_text
from bot.messages import rasa_sender_id
from bot.outbox import Notices
from bot.texts import say

MAX_REPLY_LENGTH = 2000
STAFF_RECIPIENT = "team"  # a handoff notice is for whoever is on duty, not one staff member


def sender_id(conversation: Conversation) -> str:
    """Rasa's sender id of the conversation."""
    return rasa_sender_id(conversation.channel, conversation.channel_user_id)


def staff_event(text: str, author: str) -> dict[str, Any]:
    """A staff member's message as a Rasa bot event (the transcript shows it as theirs)."""
    return {"event": "bot", "text": text, "metadata": {STAFF_KEY: author}}


def release_events(note: str) -> list[dict[str, Any]]:
    """Rasa events that give the conversation back to Tekkie, with the note the prospect gets.

    `action_listen` after `resume`: the pause ended the turn without one, and Rasa's rules
    expect the next message to follow a listen.
    """
    return [
        {"event": "resume"},
        {"event": "action", "name": "action_listen"},
        {"event": "bot", "text": note},
    ]


def dashboard_url(base_url: str, conversation_id: int) -> str:
    """The dashboard page where staff answer this conversation."""
    return f"{base_url}/dashboard/handoffs/{conversation_id}"


def request_handoff(
    session: Session, *, channel: str, channel_user_id: str, language: str, notices: Notices,
    writes_in: str | None = None,
) -> bool:  # fmt: skip
    """Mark the conversation as waiting for a person and tell staff on every staff channel.

    Returns False, and notifies nobody, when a person was already asked for or has it.
    `writes_in` names a language Tekkie does not speak that the prospect wrote in.
    """
    conversation = conversations.get_or_create_conversation(
        session, channel=channel, channel_user_id=channel_user_id
    )
    if conversation.handoff_status in handoffs.ACTIVE:
        return False
    now = utcnow()
    handoffs.mark_requested(session, conversation=conversation, now=now)
    session.flush()
    lead = find_lead(session, channel=channel, channel_user_id=channel_user_id)
    text = staff_handoff_text(
        lead=lead_fields(lead) if lead is not None else None, channel=channel,
        language=language, dashboard_url=dashboard_url(notices.base_url, conversation.id),
        writes_in=writes_in,
    )  # fmt: skip
    outbox.enqueue_for_staff(
        session, key=f"handoff:{conversation.id}:{now.isoformat()}", kind="staff_handoff",
        channels=notices.staff_channels, recipient=STAFF_RECIPIENT,
        payload={"text": text, "conversation_id": conversation.id},
    )  # fmt: skip
    return True


def clean_reply(text: str) -> str | None:
    """The staff reply without surrounding spaces; None when empty or too long."""
    cleaned = text.strip()
    return cleaned if 0 < len(cleaned) <= MAX_REPLY_LENGTH else None


def reply_key(conversation_id: int, reply_id: str) -> str:
    """The outbox idempotency key of one staff reply (one per submitted form)."""
    return f"staff_reply:{conversation_id}:{reply_id}"


def reply_was_sent(session: Session, *, conversation_id: int, reply_id: str) -> bool:
    """True when this form was submitted before (a double click sends once)."""
    return handoffs.message_exists(session, idempotency_key=reply_key(conversation_id, reply_id))


def prospect_reply_text(conversation: Conversation, *, staff_name: str, text: str) -> str:
    """What the prospect sees: who of the school wrote, then the message."""
    return say("staff_reply", conversation.language, name=staff_name, text=text)


def record_reply(
    session: Session,
    *,
    conversation_id: int,
    account_id: int,
    staff_name: str,
    text: str,
    reply_id: str,
) -> int | None:
    """A staff member answers: they take the conversation; the prospect gets the message.

    Returns the outbox message's id, or None when the conversation no longer exists.
    """
    conversation = handoffs.get_conversation(session, conversation_id=conversation_id)
    if conversation is None:
        return None
    handoffs.take_over(session, conversation=conversation, account_id=account_id, now=utcnow())
    return send_staff_message(
        session, conversation, staff_name=staff_name, text=text,
        key=reply_key(conversation.id, reply_id),
    )  # fmt: skip


def send_staff_message(
    session: Session, conversation: Conversation, *, staff_name: str, text: str, key: str
) -> int:
    """A staff member's message to the prospect, signed, through the outbox; returns its id.

    Tekkie keeps the conversation: staff answer a question here without taking it over.
    """
    signed = prospect_reply_text(conversation, staff_name=staff_name, text=text)
    return _to_prospect(session, conversation, key=key, kind="staff_reply", text=signed)


def _to_prospect(
    session: Session, conversation: Conversation, *, key: str, kind: str, text: str
) -> int:
    """A message to the prospect on their own channel, through the outbox; returns its id."""
    message = outbox.enqueue(
        session, key=key, kind=kind, audience="prospect", channel=conversation.channel,
        recipient=conversation.channel_user_id,
        payload={"text": text, "conversation_id": conversation.id,
                 "language": conversation.language},
    )  # fmt: skip
    return message.id


def release_note(conversation: Conversation) -> str:
    """The short note that Tekkie is back, in the prospect's language."""
    return say("handoff_released", conversation.language)


def release(session: Session, *, conversation_id: int, note: str) -> int | None:
    """Give the conversation back to Tekkie and tell the prospect; returns the outbox id.

    None when there was nothing to give back (or the conversation no longer exists).
    """
    conversation = handoffs.get_conversation(session, conversation_id=conversation_id)
    if conversation is None or conversation.handoff_status is None:
        return None
    requested = conversation.handoff_requested_at or utcnow()
    handoffs.clear(session, conversation=conversation)
    key = f"handoff:{conversation.id}:{requested.isoformat()}:released"
    return _to_prospect(session, conversation, key=key, kind="handoff_released", text=note)
