"""Calendar (.ics) files for intake bookings, built with the `icalendar` library."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from icalendar import Alarm, Calendar, Event

PRODID = "-//Tekkie//Intake//NL"
REMINDER_BEFORE = timedelta(hours=1)


def _utc(value: datetime, name: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} is a naive datetime {value!r}: use an aware datetime")
    return value.astimezone(UTC)


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
    """One intake as an iCalendar file (times in UTC) with a reminder an hour before."""
    starts, ends = _utc(starts_at, "starts_at"), _utc(ends_at, "ends_at")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", starts)
    event.add("dtend", ends)
    event.add("summary", summary)
    event.add("description", description)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", summary)
    alarm.add("trigger", -REMINDER_BEFORE)
    event.add_component(alarm)
    calendar.add_component(event)
    body: bytes = calendar.to_ical()
    return body
