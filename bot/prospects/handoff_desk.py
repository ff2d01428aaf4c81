"""The staff side of a handoff: answer the prospect, then hand the conversation back to Tekkie.

The dashboard's routes check the form and call these; what staff see afterwards follows from
the outcome. Rasa keeps the transcript, so it hears of every step first: a message staff
cannot see in the transcript is never sent, and when Rasa is unavailable nothing changes.
Messages go out through the outbox and `deliver` sends them right away (the outbox worker
would retry them).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

import anyio
import structlog
from sqlalchemy.orm import Session, sessionmaker

from bot.conversation.rasa import Rasa, RasaUnavailableError
from bot.db.repositories import handoffs as repo
from bot.db.repositories.handoffs import HandoffRow
from bot.prospects import handoff

log = structlog.get_logger(__name__)
REPLY_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")  # one per reply form; a resubmission sends once
Deliver = Callable[[list[int]], Awaitable[None]]  # sends just-enqueued outbox messages now


class StaffMember(Protocol):
    """Who answers: the logged-in staff member."""

    @property
    def account_id(self) -> int:
        """Their dashboard account, which has the conversation once they answer."""
        ...

    @property
    def name(self) -> str:
        """The name the prospect and the transcript see."""
        ...


class ReplyResult(StrEnum):
    """How a staff reply ended."""

    SENT = "sent"
    ALREADY_SENT = "already_sent"  # the same form again: the first one was sent
    INVALID = "invalid"  # empty or longer than `handoff.MAX_REPLY_LENGTH`; nothing was sent
    RASA_UNAVAILABLE = "rasa_unavailable"  # nothing was sent; the staff member may try again
    NOT_FOUND = "not_found"


class HandBackResult(StrEnum):
    """How handing a conversation back to Tekkie ended."""

    RELEASED = "released"
    NOT_HANDED_OFF = "not_handed_off"  # Tekkie had it already; nothing changed
    RASA_UNAVAILABLE = "rasa_unavailable"  # nothing changed
    NOT_FOUND = "not_found"


@dataclass(frozen=True)
class ReplyOutcome:
    """What a reply did, with the conversation as it was before (None when it does not exist)."""

    result: ReplyResult
    row: HandoffRow | None


@dataclass(frozen=True)
class HandBackOutcome:
    """What handing back did, with the conversation as it was before (None when it is gone)."""

    result: HandBackResult
    row: HandoffRow | None


async def reply_to_prospect(
    *,
    sessions: sessionmaker[Session],
    rasa: Rasa,
    deliver: Deliver,
    conversation_id: int,
    staff: StaffMember,
    text: str,
    reply_id: str,
) -> ReplyOutcome:
    """Answer the prospect on their channel; the staff member has the conversation from now.

    `reply_id` comes with the form: posting it again sends nothing new. An id that is not
    one of ours is replaced by a fresh one (that reply then cannot be recognised again).
    """
    row = await anyio.to_thread.run_sync(_row, sessions, conversation_id)
    if row is None:
        return ReplyOutcome(ReplyResult.NOT_FOUND, None)
    cleaned = handoff.clean_reply(text)
    if cleaned is None:
        return ReplyOutcome(ReplyResult.INVALID, row)
    reply_id = reply_id if REPLY_ID.match(reply_id) else secrets.token_urlsafe(12)
    if await anyio.to_thread.run_sync(_already_sent, sessions, conversation_id, reply_id):
        return ReplyOutcome(ReplyResult.ALREADY_SENT, row)
    events = [] if row.conversation.handoff_status else [{"event": "pause"}]
    try:  # the transcript first: a message staff cannot see there is never sent
        await rasa.append_events(
            handoff.sender_id(row.conversation), [*events, handoff.staff_event(cleaned, staff.name)]
        )
    except RasaUnavailableError as error:
        log.warning("handoff.reply_not_sent", conversation=conversation_id, error=str(error))
        return ReplyOutcome(ReplyResult.RASA_UNAVAILABLE, row)
    message_id = await anyio.to_thread.run_sync(
        _record_reply, sessions, conversation_id, staff, cleaned, reply_id
    )
    if message_id is not None:
        await deliver([message_id])
    log.info("handoff.replied", conversation=conversation_id, by=staff.account_id)
    return ReplyOutcome(ReplyResult.SENT, row)


async def hand_back(
    *,
    sessions: sessionmaker[Session],
    rasa: Rasa,
    deliver: Deliver,
    conversation_id: int,
    staff: StaffMember,
) -> HandBackOutcome:
    """Give the conversation back to Tekkie; the prospect is told Tekkie is back."""
    row = await anyio.to_thread.run_sync(_row, sessions, conversation_id)
    if row is None:
        return HandBackOutcome(HandBackResult.NOT_FOUND, None)
    if row.conversation.handoff_status is None:
        return HandBackOutcome(HandBackResult.NOT_HANDED_OFF, row)
    note = handoff.release_note(row.conversation)
    try:
        await rasa.append_events(handoff.sender_id(row.conversation), handoff.release_events(note))
    except RasaUnavailableError as error:
        log.warning("handoff.release_failed", conversation=conversation_id, error=str(error))
        return HandBackOutcome(HandBackResult.RASA_UNAVAILABLE, row)
    message_id = await anyio.to_thread.run_sync(_release, sessions, conversation_id, note)
    if message_id is not None:
        await deliver([message_id])
    log.info("handoff.released", conversation=conversation_id, by=staff.account_id)
    return HandBackOutcome(HandBackResult.RELEASED, row)


def _row(sessions: sessionmaker[Session], conversation_id: int) -> HandoffRow | None:
    with sessions() as session:
        return repo.handoff_row(session, conversation_id=conversation_id)


def _already_sent(sessions: sessionmaker[Session], conversation_id: int, reply_id: str) -> bool:
    with sessions() as session:
        return handoff.reply_was_sent(session, conversation_id=conversation_id, reply_id=reply_id)


def _record_reply(
    sessions: sessionmaker[Session], conversation_id: int, staff: StaffMember, text: str,
    reply_id: str,
) -> int | None:  # fmt: skip
    with sessions.begin() as session:
        return handoff.record_reply(
            session, conversation_id=conversation_id, account_id=staff.account_id,
            staff_name=staff.name, text=text, reply_id=reply_id,
        )  # fmt: skip


def _release(sessions: sessionmaker[Session], conversation_id: int, note: str) -> int | None:
    with sessions.begin() as session:
        return handoff.release(session, conversation_id=conversation_id, note=note)
