"""Texts of the messages around an intake: to the prospect (nl/en) and to the staff (nl).

Pure functions: the caller loads the booking and the lead; nothing here reads the database.
Times are shown in Europe/Amsterdam time; month and weekday names are written out here so
the result never depends on the server's locale.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from bot.settings import SCHOOL_TZ

LANGUAGES = ("nl", "en")
MODES = ("online", "location")
UNKNOWN = "onbekend"
NONE = "—"

_WEEKDAYS = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
_MONTHS = {
    "nl": (
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip
_AT = {"nl": "om", "en": "at"}

_GREETING = {"nl": ("Hoi {name}!", "Hoi!"), "en": ("Hi {name}!", "Hi!")}
_OPENING = {
    "booked_confirmation": {
        "nl": "Je intake staat vast: {when}.",
        "en": "Your intake is booked: {when}.",
    },
    "rescheduled_confirmation": {
        "nl": "Je intake is verzet. De nieuwe tijd is {when}.",
        "en": "Your intake has moved. The new time is {when}.",
    },
    "reminder_24h": {
        "nl": "Morgen is je intake: {when}.",
        "en": "Your intake is tomorrow: {when}.",
    },
    "reminder_2h": {
        "nl": "Je intake begint bijna: {when}.",
        "en": "Your intake starts soon: {when}.",
    },
    "cancelled_confirmation": {
        "nl": "Je intake van {when} is geannuleerd. Jammer dat het niet doorgaat.",
        "en": "Your intake on {when} has been cancelled. Sorry it didn't work out.",
    },
}
_ONLINE = {
    "nl": "Het gesprek is online. De school stuurt je de link voor het videogesprek "
    "per e-mail of hier in de chat.",
    "en": "The intake is online. The school will send you the video call link "
    "by e-mail or here in the chat.",
}
_LOCATION = {"nl": "Je bent welkom op: {location}.", "en": "We'll see you at: {location}."}
_LOCATION_UNKNOWN = {
    "nl": "Het gesprek is op locatie. Het adres krijg je nog van de school.",
    "en": "The intake is on location. The school will send you the address.",
}
_CALENDAR = {"nl": "Zet het in je agenda: {url}", "en": "Add it to your calendar: {url}"}
_CHANGE = {
    "nl": 'Past het toch niet? Typ hier "verzetten" of "annuleren".',
    "en": 'Need a different time? Type "reschedule" or "cancel" here.',
}
_REMINDER_CHANGE = {
    "nl": 'Lukt het niet? Typ hier in de chat "verzetten" voor een andere tijd, '
    'of "annuleren" als je niet kunt komen.',
    "en": 'Can\'t make it? Type "reschedule" here in the chat to pick another time, '
    'or "cancel" if you can\'t come.',
}
_REBOOK = {
    "nl": 'Wil je toch een gesprek? Typ "intake" en kies een nieuwe tijd.',
    "en": 'Changed your mind? Type "book an intake" and pick a new time.',
}
_CLOSING = {"nl": "Tot dan!", "en": "See you then!"}

_STAFF_HEADER = {
    "staff_booked": "📅 Nieuwe intake gepland",
    "staff_rescheduled": "🔁 Intake verzet naar een nieuwe tijd",
    "staff_cancelled": "❌ Intake geannuleerd",
    "staff_erased": "🗑️ Intake vervallen: de aanmelder heeft alle gegevens laten wissen",
}
_STAFF_SLOT_LABEL = {
    "staff_booked": "Intake",
    "staff_rescheduled": "Nieuwe tijd",
    "staff_cancelled": "Vervallen intake",
    "staff_erased": "Vervallen intake",
}
_LANGUAGE_NAMES = {"nl": "Nederlands", "en": "Engels"}


def _check_language(language: str) -> None:
    if language not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; expected one of {LANGUAGES}")


def _check_mode(mode: str) -> None:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; expected one of {MODES}")


def format_slot(starts_at: datetime, language: str) -> str:
    """The slot's start in Amsterdam time, e.g. "dinsdag 1 december om 10:30"."""
    _check_language(language)
    if starts_at.tzinfo is None or starts_at.utcoffset() is None:
        raise ValueError(f"naive datetime {starts_at!r}: use an aware datetime")
    local = starts_at.astimezone(SCHOOL_TZ)
    weekday = _WEEKDAYS[language][local.weekday()]
    month = _MONTHS[language][local.month - 1]
    return f"{weekday} {local.day} {month} {_AT[language]} {local:%H:%M}"


def _place(language: str, *, mode: str, location: str | None) -> str:
    if mode == "online":
        return _ONLINE[language]
    if location:
        return _LOCATION[language].format(location=location)
    return _LOCATION_UNKNOWN[language]


def prospect_text(
    kind: str,
    *,
    language: str,
    name: str | None,
    starts_at: datetime,
    mode: str,
    location: str | None,
    ics_url: str | None,
) -> str:
    """The message to the prospect about their intake, in their language."""
    if kind not in _OPENING:
        raise ValueError(f"unknown prospect message kind {kind!r}")
    _check_language(language)
    _check_mode(mode)
    named, anonymous = _GREETING[language]
    greeting = named.format(name=name.strip()) if name and name.strip() else anonymous
    when = format_slot(starts_at, language)
    lines = [f"{greeting} {_OPENING[kind][language].format(when=when)}"]
    if kind == "cancelled_confirmation":  # no place, no calendar: the intake is off
        lines.append(_REBOOK[language])
        return "\n\n".join(lines)
    lines.append(_place(language, mode=mode, location=location))
    if ics_url:
        lines.append(_CALENDAR[language].format(url=ics_url))
    reminder = kind.startswith("reminder_")
    lines.append(_REMINDER_CHANGE[language] if reminder else _CHANGE[language])
    lines.append(_CLOSING[language])
    return "\n\n".join(lines)


def _text(value: Any, default: str = UNKNOWN) -> str:
    """A lead field as text; None, empty or missing becomes `default`."""
    if value is None:
        return default
    text = str(value).strip()
    return text or default


def _contact(lead: Mapping[str, Any]) -> str:
    parts = [_text(lead.get("phone_e164"), ""), _text(lead.get("email"), "")]
    channel, user = _text(lead.get("channel"), ""), _text(lead.get("channel_user_id"), "")
    if channel or user:
        parts.append(f"{channel or UNKNOWN}: {user or UNKNOWN}")
    return " · ".join(part for part in parts if part) or UNKNOWN


def _advice(lead: Mapping[str, Any]) -> str:
    result = lead.get("assessment_result")
    if not isinstance(result, Mapping) or not result.get("track"):
        return NONE
    advice = _text(result.get("track"))
    if result.get("runner_up"):
        advice += f" (tweede keus: {_text(result.get('runner_up'))})"
    return advice


def _support(lead: Mapping[str, Any]) -> str:
    needs = lead.get("support_needs")
    if isinstance(needs, str):
        return _text(needs, NONE)
    if not isinstance(needs, list | tuple):
        return NONE
    return ", ".join(str(need) for need in needs if need) or NONE


def _who(lead: Mapping[str, Any]) -> list[str]:
    """The lines of a staff notice that say who the prospect is and how they came."""
    language = _text(lead.get("language"))
    return [
        f"Naam: {_text(lead.get('display_name'))}",
        f"Contact: {_contact(lead)}",
        f"Taal: {_LANGUAGE_NAMES.get(language, language)}",
        f"Kanaal: {_text(lead.get('channel'))}",
        f"Campagne: {_text(lead.get('campaign'), NONE)}",
    ]


def _staff_slot(*, starts_at: datetime, mode: str, location: str | None) -> str:
    when = format_slot(starts_at, "nl")
    if mode == "online":
        return f"{when}, online (videogesprek)"
    return f"{when}, op locatie: {_text(location)}"


def staff_text(
    kind: str,
    *,
    lead: Mapping[str, Any],
    starts_at: datetime,
    mode: str,
    location: str | None,
    staff_name: str | None,
    dashboard_url: str | None,
) -> str:
    """A notice for the school's staff about an intake and who it is with (in Dutch)."""
    if kind not in _STAFF_HEADER:
        raise ValueError(f"unknown staff message kind {kind!r}")
    _check_mode(mode)
    lines = [_STAFF_HEADER[kind], ""]
    if kind == "staff_erased":  # the erasure must not live on in this notice
        lines.append("Naam en contactgegevens zijn gewist. Neem geen contact op.")
    else:
        lines += [
            *_who(lead),
            f"Advies: {_advice(lead)}",
            f"Ondersteuning: {_support(lead)}",
        ]
    slot = _staff_slot(starts_at=starts_at, mode=mode, location=location)
    lines.append(f"{_STAFF_SLOT_LABEL[kind]}: {slot}")
    lines.append(f"Medewerker: {_text(staff_name)}")
    if dashboard_url:
        lines.append(f"Dashboard: {dashboard_url}")
    return "\n".join(lines)


def staff_handoff_text(
    *, lead: Mapping[str, Any] | None, channel: str, language: str | None, dashboard_url: str,
    writes_in: str | None = None,
) -> str:  # fmt: skip
    """A notice for staff that a prospect asked for a person (in Dutch).

    With a lead (the prospect consented), its name, contact and campaign; without one only the
    channel and language, since nothing else about the prospect may be stored. `writes_in`: the
    language Tekkie does not speak that the prospect wrote in ("Arabisch"), so the right
    colleague answers.
    """
    lines = ["🙋 Iemand wil graag met een medewerker praten", ""]
    if writes_in:
        spoken = _text(writes_in)
        lines += [f"Schrijft in het {spoken}: Tekkie spreekt alleen Nederlands en Engels.", ""]
    if lead is not None:
        lines += _who(lead)
    else:
        spoken = _text(language)
        lines += [
            "Naam: onbekend (nog geen toestemming om gegevens te bewaren)",
            f"Taal: {_LANGUAGE_NAMES.get(spoken, spoken)}",
            f"Kanaal: {_text(channel)}",
        ]
    lines.append("Tekkie zegt niets meer tot je het gesprek teruggeeft aan Tekkie.")
    lines.append(f"Beantwoorden: {dashboard_url}")
    return "\n".join(lines)
