"""Calendar (.ics) files for intake bookings, built with the `icalendar` library."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

PRODID = "-//Tekkie//Intake//NL"
REMINDER_BEFORE = timedelta(hours=1)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime {value!r}: use an aware datetime")
    return value.astimezone(UTC)


@dataclass(frozen=True)
class CalendarEvent:
    """One intake in a calendar."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    description: str
    location: str | None = None
    url: str | None = None


def _event(item: CalendarEvent) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", _utc(item.starts_at, "starts_at"))
    event.add("dtend", _utc(item.ends_at, "ends_at"))
    event.add("summary", item.summary)
    event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", item.summary)
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    return event


def calendar_ics(events: list[CalendarEvent], *, name: str | None = None) -> bytes:
    """An iCalendar file (times in UTC) with a reminder an hour before each event."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(_event(item))
    body: bytes = calendar.to_ical()
    return body


def booking_ics(
    *,
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    description: str,
    location: str | None = None,
    url: str | None = None,
) -> bytes:
    """One intake as an iCalendar file (for the prospect's confirmation)."""
    event = CalendarEvent(uid, starts_at, ends_at, summary, description, location, url)
    return calendar_ics([event])
