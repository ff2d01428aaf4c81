"""Intake booking as the conversation sees it: one prospect, identified by channel and user id.

Each function opens its own transaction, so an action can call it from a worker thread.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import phonenumbers
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import IntakeSlot, Lead, utcnow
from bot.db.repositories.availability import find_slot
from bot.db.repositories.conversations import find_conversation
from bot.db.repositories.leads import (
    create_lead,
    find_lead,
    save_assessment,
    save_support_needs,
)
from bot.intake import booking as bookings
from bot.intake.slots import free_slots
from bot.outbox import Notices
from bot.settings import SCHOOL_TZ

CONSENT_VERSION = "2026-11-v1"
PAGE_SIZE = 3
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[A-Za-z]{2,24}$")
_NAME = re.compile(r"^[^\W\d_][\w .'\-]{1,79}$", re.UNICODE)
_DAYS = {
    "nl": ["ma", "di", "wo", "do", "vr", "za", "zo"],
    "en": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
}
_MONTHS = {
    "nl": ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"],
    "en": ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"],
}


@dataclass(frozen=True)
class Prospect:
    """Who is chatting: the channel and the user id on it."""

    channel: str
    channel_user_id: str

    @classmethod
    def from_sender_id(cls, sender_id: str) -> Prospect:
        """Split Rasa's sender id ("webchat:abc") back into channel and user id."""
        channel, _, user = sender_id.partition(":")
        return cls(channel, user) if user else cls("webchat", channel)


@dataclass(frozen=True)
class SlotOption:
    """A slot as offered in the chat."""

    slot_id: int
    starts_at: datetime
    mode: str
    location: str | None


@dataclass(frozen=True)
class BookingState:
    """What the booking form needs to know about the prospect."""

    has_lead: bool
    has_name: bool
    has_contact: bool
    booked_at: datetime | None


def slot_label(starts_at: datetime, mode: str, language: str) -> str:
    """A short button title: "di 1 dec 10:30 💻" (Amsterdam time)."""
    lang = "en" if language == "en" else "nl"
    local = starts_at.astimezone(SCHOOL_TZ)
    day, month = _DAYS[lang][local.weekday()], _MONTHS[lang][local.month - 1]
    return f"{day} {local.day} {month} {local:%H:%M} {'💻' if mode == 'online' else '📍'}"


def when_text(starts_at: datetime, mode: str, location: str | None, language: str) -> str:
    """Date, time and place for a sentence."""
    label = slot_label(starts_at, mode, language)[:-2]
    if mode == "online":
        return f"{label} ({'online' if language == 'en' else 'online, videobellen'})"
    return f"{label} ({location or ('on location' if language == 'en' else 'op locatie')})"


def _option(slot: IntakeSlot) -> SlotOption:
    return SlotOption(slot.id, slot.starts_at, slot.mode, slot.location)


def state(sessions: sessionmaker[Session], prospect: Prospect) -> BookingState:
    """The prospect's lead and booking as far as booking is concerned."""
    with sessions() as session:
        lead = _lead(session, prospect)
        booking = bookings.active_booking(session, lead=lead) if lead else None
        return BookingState(
            has_lead=lead is not None,
            has_name=bool(lead and lead.display_name),
            has_contact=bool(lead and (lead.email or lead.phone_e164)),
            booked_at=booking.slot.starts_at if booking else None,
        )


def current_booking(sessions: sessionmaker[Session], prospect: Prospect) -> SlotOption | None:
    """The prospect's active booking, if any."""
    with sessions() as session:
        lead = _lead(session, prospect)
        booking = bookings.active_booking(session, lead=lead) if lead else None
        return _option(booking.slot) if booking else None


def record_consent(sessions: sessionmaker[Session], prospect: Prospect, *, language: str) -> None:
    """Store the lead at the moment of consent (once)."""
    with sessions.begin() as session:
        if _lead(session, prospect) is None:
            conversation = find_conversation(
                session, channel=prospect.channel, channel_user_id=prospect.channel_user_id
            )
            lead = create_lead(
                session,
                channel=prospect.channel,
                channel_user_id=prospect.channel_user_id,
                consent_version=CONSENT_VERSION,
                language=language,
                campaign=conversation.campaign if conversation else None,
            )
            if prospect.channel == "whatsapp":  # the channel user id is the E.164 number
                lead.phone_e164 = prospect.channel_user_id


def save_answers(
    sessions: sessionmaker[Session],
    prospect: Prospect,
    *,
    assessment: dict[str, Any] | None = None,
    needs: list[str] | None = None,
) -> bool:
    """Store the questionnaires' outcome on the lead; False when there is no lead (no consent)."""
    with sessions.begin() as session:
        lead = _lead(session, prospect)
        if lead is None:
            return False
        if assessment is not None:
            result = {key: value for key, value in assessment.items() if key != "answers"}
            save_assessment(lead, answers=assessment.get("answers") or {}, result=result)
        if needs is not None:
            save_support_needs(lead, needs=needs)
        return True


def offer(
    sessions: sessionmaker[Session], *, mode: str | None, page: int, now: datetime | None = None
) -> list[SlotOption]:
    """The free slots of one page ("any" or None: both modes)."""
    with sessions() as session:
        found = free_slots(
            session,
            now=now or utcnow(),
            mode=None if mode in (None, "any") else mode,
            limit=PAGE_SIZE,
            offset=page * PAGE_SIZE,
        )
        return [_option(slot) for slot in found]


def is_free(sessions: sessionmaker[Session], slot_id: int) -> bool:
    """True when the slot can still be booked."""
    with sessions() as session:
        slot = find_slot(session, slot_id=slot_id)
        return bool(
            slot
            and not slot.cancelled
            and slot.booked < slot.capacity
            and slot.starts_at > utcnow()
        )


def find_offered(
    sessions: sessionmaker[Session], offered: list[str], hour_minute: tuple[str, str]
) -> int | None:
    """The offered slot starting at this local time ("10:30"), if exactly one does."""
    hour, minute = int(hour_minute[0]), int(hour_minute[1])
    with sessions() as session:
        matches = [
            slot.id
            for slot_id in offered
            if slot_id.isdigit() and (slot := find_slot(session, slot_id=int(slot_id))) is not None
            and (local := slot.starts_at.astimezone(SCHOOL_TZ)).hour == hour
            and local.minute == minute
        ]  # fmt: skip
    return matches[0] if len(matches) == 1 else None


def clean_name(text: str) -> str | None:
    """A plausible name, tidied; None when the text is not one."""
    name = " ".join(text.split()).replace("\u2019", "'")  # phones type a curly apostrophe
    return name if _NAME.match(name) else None


def clean_contact(text: str) -> tuple[str | None, str | None] | None:
    """(email, phone in E.164) from typed text; None when neither is valid."""
    value = text.strip()
    if _EMAIL.match(value):
        return value.lower(), None
    try:
        number = phonenumbers.parse(value, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return None, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def book(
    sessions: sessionmaker[Session],
    prospect: Prospect,
    *,
    slot_id: int,
    name: str | None,
    contact: str | None,
    language: str,
    reschedule: bool,
    notices: Notices,
) -> tuple[SlotOption, str]:
    """Book (or move the booking to) `slot_id`, update the lead; return the slot and the name.

    Raises the booking errors of bot.intake.booking.
    """
    with sessions.begin() as session:
        lead = _lead(session, prospect)
        if lead is None:
            raise bookings.BookingError("no consent stored")
        if name:
            lead.display_name = name
        cleaned = clean_contact(contact) if contact else None
        if cleaned:
            lead.email = cleaned[0] or lead.email
            lead.phone_e164 = cleaned[1] or lead.phone_e164
        lead.language = language
        lead.last_activity_at = utcnow()
        booking, _ = bookings.book_or_reschedule(
            session, lead=lead, slot_id=slot_id, notices=notices, reschedule_it=reschedule
        )
        return _option(booking.slot), lead.display_name or ""


def cancel(sessions: sessionmaker[Session], prospect: Prospect, *, notices: Notices) -> bool:
    """Cancel the prospect's intake; False when there was none."""
    with sessions.begin() as session:
        lead = _lead(session, prospect)
        if lead is None or bookings.active_booking(session, lead=lead) is None:
            return False
        bookings.cancel(session, lead=lead, notices=notices)
        return True


def _lead(session: Session, prospect: Prospect) -> Lead | None:
    return find_lead(session, channel=prospect.channel, channel_user_id=prospect.channel_user_id)
