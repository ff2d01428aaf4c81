"""What prospects and staff read about an intake: times in Amsterdam, both languages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from bot.intake.notices import format_slot, prospect_text, staff_text

WINTER = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # CET, UTC+1
SUMMER = datetime(2026, 7, 1, 8, 30, tzinfo=UTC)  # CEST, UTC+2
CAMPUS = "Tekkie Campus, Stationsplein 1, Utrecht"
ICS = "https://tekkie.example/calendar/abc.ics"
PROSPECT_KINDS = [
    "booked_confirmation",
    "rescheduled_confirmation",
    "reminder_24h",
    "reminder_2h",
    "cancelled_confirmation",
]
ACTIVE_KINDS = [kind for kind in PROSPECT_KINDS if kind != "cancelled_confirmation"]
STAFF_KINDS = ["staff_booked", "staff_rescheduled", "staff_cancelled", "staff_erased"]
LEAD: dict[str, Any] = {
    "id": 12,
    "channel": "webchat",
    "channel_user_id": "visitor-42",
    "display_name": "Anna de Vries",
    "phone_e164": "+31612345678",
    "email": "anna@example.nl",
    "language": "en",
    "campaign": "women-in-tech-2026",
    "assessment_result": {"track": "programmer", "runner_up": "data_analyst"},
    "support_needs": ["kinderopvang", "laptop"],
}


def prospect(kind: str, language: str = "nl", **overrides: Any) -> str:
    values: dict[str, Any] = {
        "language": language,
        "name": "Anna",
        "starts_at": WINTER,
        "mode": "online",
        "location": None,
        "ics_url": ICS,
    }
    values.update(overrides)
    return prospect_text(kind, **values)


def staff(kind: str, **overrides: Any) -> str:
    values: dict[str, Any] = {
        "lead": LEAD,
        "starts_at": WINTER,
        "mode": "location",
        "location": CAMPUS,
        "staff_name": "Fatima",
        "dashboard_url": "https://tekkie.example/staff/leads/12",
    }
    values.update(overrides)
    return staff_text(kind, **values)


# format_slot


@pytest.mark.parametrize(
    ("starts_at", "language", "expected"),
    [
        (WINTER, "nl", "dinsdag 1 december om 10:30"),
        (WINTER, "en", "Tuesday 1 December at 10:30"),
        (SUMMER, "nl", "woensdag 1 juli om 10:30"),
        (SUMMER, "en", "Wednesday 1 July at 10:30"),
        # 23:30 UTC on a Saturday is already Sunday in Amsterdam.
        (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "nl", "zondag 29 maart om 00:30"),
    ],
)
def test_slot_is_shown_in_amsterdam_time(starts_at: datetime, language: str, expected: str) -> None:
    assert format_slot(starts_at, language) == expected


def test_every_dutch_month_and_weekday_is_written_out() -> None:
    months = {
        format_slot(datetime(2026, m, 10, 12, tzinfo=UTC), "nl").split()[2] for m in range(1, 13)
    }
    assert months == {
        "januari", "februari", "maart", "april", "mei", "juni",
        "juli", "augustus", "september", "oktober", "november", "december",
    }  # fmt: skip
    weekdays = {
        format_slot(datetime(2026, 6, d, 12, tzinfo=UTC), "nl").split()[0] for d in range(1, 8)
    }
    assert weekdays == {
        "maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag",
    }  # fmt: skip


def test_format_slot_refuses_naive_times_and_unknown_languages() -> None:
    with pytest.raises(ValueError, match="naive"):
        format_slot(datetime(2026, 12, 1, 10, 30), "nl")  # noqa: DTZ001
    with pytest.raises(ValueError, match="language"):
        format_slot(WINTER, "de")


# prospect_text


@pytest.mark.parametrize("kind", PROSPECT_KINDS)
@pytest.mark.parametrize(
    ("starts_at", "language", "when"),
    [
        (WINTER, "nl", "dinsdag 1 december om 10:30"),
        (SUMMER, "nl", "woensdag 1 juli om 10:30"),
        (WINTER, "en", "Tuesday 1 December at 10:30"),
        (SUMMER, "en", "Wednesday 1 July at 10:30"),
    ],
)
def test_prospect_messages_name_the_person_and_the_local_time(
    kind: str, starts_at: datetime, language: str, when: str
) -> None:
    text = prospect(kind, language, starts_at=starts_at)
    assert text.startswith("Hoi Anna!" if language == "nl" else "Hi Anna!")
    assert when in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_prospect_messages_differ_per_kind(language: str) -> None:
    texts = {prospect(kind, language) for kind in PROSPECT_KINDS}
    assert len(texts) == len(PROSPECT_KINDS)


@pytest.mark.parametrize("kind", PROSPECT_KINDS)
def test_dutch_messages_say_je_and_english_ones_are_english(kind: str) -> None:
    dutch, english = prospect(kind, "nl"), prospect(kind, "en")
    assert " je " in dutch.lower()
    assert " u " not in dutch
    assert "Your intake" in english
    assert "intake" in dutch.lower()


@pytest.mark.parametrize("kind", ACTIVE_KINDS)
@pytest.mark.parametrize(
    ("language", "video_words"),
    [("nl", ["online", "link", "videogesprek", "e-mail", "chat"]),
     ("en", ["online", "video call link", "e-mail", "chat"])],
)  # fmt: skip
def test_online_intakes_say_a_video_link_follows(
    kind: str, language: str, video_words: list[str]
) -> None:
    text = prospect(kind, language, mode="online")
    for word in video_words:
        assert word in text
    assert CAMPUS not in text


@pytest.mark.parametrize("kind", ACTIVE_KINDS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_location_intakes_give_the_address(kind: str, language: str) -> None:
    text = prospect(kind, language, mode="location", location=CAMPUS)
    assert CAMPUS in text
    assert "video" not in text


@pytest.mark.parametrize("language", ["nl", "en"])
def test_a_location_intake_without_address_promises_one(language: str) -> None:
    text = prospect("booked_confirmation", language, mode="location", location=None)
    assert ("adres" if language == "nl" else "address") in text
    assert "None" not in text


@pytest.mark.parametrize("kind", ACTIVE_KINDS)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_calendar_link_is_included_only_when_given(kind: str, language: str) -> None:
    assert ICS in prospect(kind, language, ics_url=ICS)
    without = prospect(kind, language, ics_url=None)
    assert "http" not in without
    assert "agenda" not in without
    assert "calendar" not in without


@pytest.mark.parametrize("kind", ["reminder_24h", "reminder_2h"])
@pytest.mark.parametrize(
    ("language", "commands"),
    [("nl", ['"verzetten"', '"annuleren"']), ("en", ['"reschedule"', '"cancel"'])],
)
def test_reminders_say_how_to_reschedule_or_cancel_by_chat(
    kind: str, language: str, commands: list[str]
) -> None:
    text = prospect(kind, language)
    for command in commands:
        assert command in text
    assert "chat" in text


@pytest.mark.parametrize(("language", "word"), [("nl", "Morgen"), ("en", "tomorrow")])
def test_the_day_before_reminder_says_tomorrow(language: str, word: str) -> None:
    assert word in prospect("reminder_24h", language)


@pytest.mark.parametrize(("language", "word"), [("nl", "geannuleerd"), ("en", "cancelled")])
def test_cancellation_says_so_and_offers_a_new_intake_without_old_links(
    language: str, word: str
) -> None:
    text = prospect("cancelled_confirmation", language, mode="online")
    assert word in text
    rebook = '"intake"' if language == "nl" else '"book an intake"'
    assert rebook in text
    assert ICS not in text  # the old calendar link no longer works
    assert "video" not in text


@pytest.mark.parametrize(("language", "greeting"), [("nl", "Hoi!"), ("en", "Hi!")])
@pytest.mark.parametrize("name", [None, "", "  "])
def test_prospects_without_a_name_get_a_plain_greeting(
    language: str, greeting: str, name: str | None
) -> None:
    text = prospect("booked_confirmation", language, name=name)
    assert text.startswith(greeting)
    assert "None" not in text


def test_prospect_text_refuses_unknown_kinds_languages_and_modes() -> None:
    with pytest.raises(ValueError, match="kind"):
        prospect("reminder_1h")
    with pytest.raises(ValueError, match="language"):
        prospect("booked_confirmation", "fr")
    with pytest.raises(ValueError, match="mode"):
        prospect("booked_confirmation", mode="phone")


# staff_text


@pytest.mark.parametrize(
    ("kind", "header"),
    [
        ("staff_booked", "Nieuwe intake gepland"),
        ("staff_rescheduled", "Intake verzet"),
        ("staff_cancelled", "Intake geannuleerd"),
        ("staff_erased", "gegevens laten wissen"),
    ],
)
def test_staff_notice_starts_with_what_happened(kind: str, header: str) -> None:
    first_line = staff(kind).splitlines()[0]
    assert header in first_line


@pytest.mark.parametrize("kind", ["staff_booked", "staff_rescheduled", "staff_cancelled"])
def test_staff_notice_tells_who_and_how_to_reach_them(kind: str) -> None:
    lines = staff(kind).splitlines()
    assert "Naam: Anna de Vries" in lines
    assert "Contact: +31612345678 · anna@example.nl · webchat: visitor-42" in lines
    assert "Taal: Engels" in lines
    assert "Kanaal: webchat" in lines
    assert "Campagne: women-in-tech-2026" in lines
    assert "Advies: programmer (tweede keus: data_analyst)" in lines
    assert "Ondersteuning: kinderopvang, laptop" in lines
    assert "Medewerker: Fatima" in lines
    assert "Dashboard: https://tekkie.example/staff/leads/12" in lines


@pytest.mark.parametrize("kind", STAFF_KINDS)
@pytest.mark.parametrize(
    ("starts_at", "when"),
    [(WINTER, "dinsdag 1 december om 10:30"), (SUMMER, "woensdag 1 juli om 10:30")],
)
def test_staff_notice_gives_the_slot_in_dutch_amsterdam_time(
    kind: str, starts_at: datetime, when: str
) -> None:
    text = staff(kind, starts_at=starts_at)
    assert f"{when}, op locatie: {CAMPUS}" in text
    online = staff(kind, starts_at=starts_at, mode="online", location=None)
    assert f"{when}, online" in online


def test_rescheduled_notice_labels_the_new_time() -> None:
    assert "Nieuwe tijd: dinsdag 1 december om 10:30" in staff("staff_rescheduled")


def test_erased_notice_keeps_no_personal_data() -> None:
    text = staff("staff_erased")
    for personal in ["Anna", "+31612345678", "anna@example.nl", "visitor-42"]:
        assert personal not in text
    assert "gewist" in text
    assert "dinsdag 1 december om 10:30" in text


@pytest.mark.parametrize("kind", STAFF_KINDS)
def test_staff_notice_of_an_empty_lead_says_unknown_instead_of_crashing(kind: str) -> None:
    text = staff(kind, lead={}, staff_name=None, dashboard_url=None, location=None)
    assert "None" not in text
    assert "Dashboard" not in text
    assert "Medewerker: onbekend" in text
    if kind != "staff_erased":
        lines = text.splitlines()
        assert "Naam: onbekend" in lines
        assert "Contact: onbekend" in lines
        assert "Taal: onbekend" in lines
        assert "Campagne: —" in lines
        assert "Advies: —" in lines
        assert "Ondersteuning: —" in lines


def test_staff_notice_copes_with_partial_lead_data() -> None:
    lead = {
        "display_name": None,
        "email": "bram@example.nl",
        "language": "nl",
        "assessment_result": {"track": "support"},
        "support_needs": [],
    }
    lines = staff("staff_booked", lead=lead).splitlines()
    assert "Naam: onbekend" in lines
    assert "Contact: bram@example.nl" in lines
    assert "Taal: Nederlands" in lines
    assert "Advies: support" in lines
    assert "Ondersteuning: —" in lines


def test_staff_text_refuses_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="kind"):
        staff("booked_confirmation")
