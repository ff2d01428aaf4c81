"""Staff answer the prospects who asked a question Tekkie could not answer, on their channel.

As with a handoff reply (bot/prospects/handoff_desk.py), the transcript hears of the message
first (Rasa's tracker, as a staff message) and the message goes through the outbox; unlike a
handoff, Tekkie keeps the conversation. WhatsApp allows a free message only within 24 hours
of the prospect's last one: prospects outside that window are skipped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import anyio
import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.rasa import Rasa, RasaUnavailableError
from bot.db.models import Conversation, UnansweredQuestion, utcnow
from bot.db.repositories import conversations, handoffs
from bot.db.repositories import questions as repo
from bot.learning.questions import group_view
from bot.prospects import handoff
from bot.prospects.handoff_desk import Deliver, StaffMember

log = structlog.get_logger(__name__)
WHATSAPP_WINDOW = timedelta(hours=24)  # Meta's rule for free-form messages


@dataclass(frozen=True)
class Replied:
    """How many prospects got the answer, and why the others did not."""

    sent: int = 0
    outside_window: int = 0  # WhatsApp, last message more than 24 hours ago
    gone: int = 0  # erased, or their conversation no longer exists
    rasa_unavailable: bool = False  # stopped: the rest were not sent; try again later
    invalid: bool = False  # empty or too long: nothing was sent


async def reply_to_waiting(
    *, sessions: sessionmaker[Session], rasa: Rasa, deliver: Deliver, group_id: int,
    staff: StaffMember, text: str,
) -> Replied | None:  # fmt: skip
    """Send `text` to every prospect of the group who has not had a staff answer; None: no group."""
    cleaned = handoff.clean_reply(text)
    waiting = await anyio.to_thread.run_sync(_waiting, sessions, group_id)
    if waiting is None:
        return None
    if cleaned is None:
        return Replied(invalid=True)
    sent: list[int] = []
    outside = gone = 0
    for question, conversation in waiting:
        if conversation is None:
            gone += 1
            continue
        if conversation.channel == "whatsapp" and not _window_open(conversation):
            outside += 1
            continue
        try:  # the transcript first: a message staff cannot see there is never sent
            await rasa.append_events(
                handoff.sender_id(conversation), [handoff.staff_event(cleaned, staff.name)]
            )
        except RasaUnavailableError as error:
            log.warning("questions.reply_stopped", group=group_id, error=str(error))
            await deliver(sent)
            return Replied(len(sent), outside, gone, rasa_unavailable=True)
        message_id = await anyio.to_thread.run_sync(
            _record, sessions, question, conversation.id, staff.name, cleaned
        )
        if message_id is not None:
            sent.append(message_id)
    await deliver(sent)
    log.info("questions.replied", group=group_id, sent=len(sent), by=staff.account_id)
    return Replied(len(sent), outside, gone)


def _waiting(
    sessions: sessionmaker[Session], group_id: int
) -> list[tuple[UnansweredQuestion, Conversation | None]] | None:
    with sessions() as session:
        view = group_view(session, group_id=group_id)
        if view is None:
            return None
        pairs = [
            (q, conversations.find_conversation(
                session, channel=q.channel, channel_user_id=q.channel_user_id))
            for q in view.waiting
        ]  # fmt: skip
        session.expunge_all()
        return pairs


def _window_open(conversation: Conversation) -> bool:
    last = conversation.last_inbound_at
    return last is not None and utcnow() - last < WHATSAPP_WINDOW


def _record(
    sessions: sessionmaker[Session], question: UnansweredQuestion, conversation_id: int,
    name: str, text: str,
) -> int | None:  # fmt: skip
    with sessions.begin() as session:
        conversation = handoffs.get_conversation(session, conversation_id=conversation_id)
        if conversation is None:
            return None
        message_id = handoff.send_staff_message(
            session, conversation, staff_name=name, text=text, key=f"question_reply:{question.id}"
        )
        repo.mark_replied(
            session, group_id=question.group_id, channel=question.channel,
            channel_user_id=question.channel_user_id, now=utcnow(),
        )  # fmt: skip
        return message_id
