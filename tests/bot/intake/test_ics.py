"""The intake's .ics file, read back the way a calendar app reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Event

from bot.intake.ics import booking_ics

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STARTS = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
ENDS = STARTS + timedelta(minutes=30)


def parse(body: bytes) -> tuple[Calendar, Event]:
    calendar = Calendar.from_ical(body)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def test_calendar_file_describes_the_intake() -> None:
    body = booking_ics(
        uid="tekkie-booking-7@tekkie",
        starts_at=STARTS,
        ends_at=ENDS,
        summary="Intake IT-opleiding",
        description="Je intake-gesprek, met komma's; en puntkomma's.\nTot dan!",
        location="Tekkie Campus, Stationsplein 1, Utrecht",
        url="https://tekkie.example/calendar/abc.ics",
    )
    calendar, event = parse(body)
    assert str(calendar["prodid"]) == "-//Tekkie//Intake//NL"
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["method"]) == "PUBLISH"
    assert str(event["uid"]) == "tekkie-booking-7@tekkie"
    assert event.decoded("dtstart") == STARTS
    assert event.decoded("dtend") == ENDS
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert b"DTSTART:20261201T093000Z" in body
    assert event.decoded("dtstamp").tzinfo is not None
    assert str(event["summary"]) == "Intake IT-opleiding"
    assert str(event["description"]) == "Je intake-gesprek, met komma's; en puntkomma's.\nTot dan!"
    assert str(event["location"]) == "Tekkie Campus, Stationsplein 1, Utrecht"
    assert str(event["url"]) == "https://tekkie.example/calendar/abc.ics"


def test_calendar_file_reminds_an_hour_before() -> None:
    _, event = parse(
        booking_ics(uid="u", starts_at=STARTS, ends_at=ENDS, summary="Intake", description="d")
    )
    (alarm,) = event.walk("VALARM")
    assert str(alarm["action"]) == "DISPLAY"
    assert alarm.decoded("trigger") == timedelta(hours=-1)


def test_location_and_url_are_left_out_when_not_given() -> None:
    _, event = parse(
        booking_ics(uid="u", starts_at=STARTS, ends_at=ENDS, summary="Intake", description="d")
    )
    assert "location" not in event
    assert "url" not in event


@pytest.mark.parametrize(
    ("local", "expected_utc"),
    [
        (datetime(2026, 12, 1, 10, 30, tzinfo=AMSTERDAM), datetime(2026, 12, 1, 9, 30, tzinfo=UTC)),
        (datetime(2026, 7, 1, 10, 30, tzinfo=AMSTERDAM), datetime(2026, 7, 1, 8, 30, tzinfo=UTC)),
    ],
    ids=["winter", "summer"],
)
def test_amsterdam_time_becomes_the_same_instant_in_utc(
    local: datetime, expected_utc: datetime
) -> None:
    body = booking_ics(
        uid="u",
        starts_at=local,
        ends_at=local + timedelta(minutes=30),
        summary="s",
        description="d",
    )
    _, event = parse(body)
    assert event.decoded("dtstart") == expected_utc
    assert event.decoded("dtstart").utcoffset() == timedelta(0)
    assert f"DTSTART:{expected_utc:%Y%m%dT%H%M%S}Z".encode() in body


@pytest.mark.parametrize("which", ["starts_at", "ends_at"])
def test_naive_datetimes_are_refused(which: str) -> None:
    times = {"starts_at": STARTS, "ends_at": ENDS}
    times[which] = times[which].replace(tzinfo=None)
    with pytest.raises(ValueError, match=which):
        booking_ics(uid="u", summary="s", description="d", **times)
