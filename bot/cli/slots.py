"""`tekkie slots ...`: intake staff, weekly availability, days off and generated slots."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from typing import Annotated, NoReturn

import typer
from sqlalchemy.orm import Session

from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import (
    IntakeSlot,
    SlotMode,
    StaffMember,
    utcnow,
)
from bot.db.repositories import availability, staff_members
from bot.intake.availability import AvailabilityError, add_availability, add_days_off
from bot.intake.demo import seed_demo
from bot.intake.slots import generate_slots
from bot.settings import SCHOOL_TZ, Settings, get_settings

app = typer.Typer(
    help="Intake scheduling: staff, weekly availability, days off and slots "
    "(times in Europe/Amsterdam).",
    no_args_is_help=True,
)

_WEEKDAY_ALIASES = (
    ("monday", "mon", "maandag", "ma"),
    ("tuesday", "tue", "dinsdag", "di"),
    ("wednesday", "wed", "woensdag", "wo"),
    ("thursday", "thu", "donderdag", "do"),
    ("friday", "fri", "vrijdag", "vr"),
    ("saturday", "sat", "zaterdag", "za"),
    ("sunday", "sun", "zondag", "zo"),
)
WEEKDAY_NAMES = {name: number for number, names in enumerate(_WEEKDAY_ALIASES) for name in names}
SHORT_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
TIME_PATTERN = re.compile(r"(\d{1,2}):(\d{2})")


def fail(message: str) -> NoReturn:
    """Stop with a red message and exit code 2 (a usage error)."""
    typer.secho(f"Error: {message}", fg="red", err=True)
    raise typer.Exit(2)


def _settings() -> Settings:
    try:
        return get_settings()
    except ValueError as error:  # pydantic's ValidationError is a ValueError
        fail(f"configuration:\n{error}")


@contextmanager
def database_session() -> Iterator[Session]:
    """One transaction on the configured database (migrated first when that is automatic)."""
    settings = _settings()
    if settings.should_auto_migrate:
        migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine).begin() as session:
            yield session
    finally:
        engine.dispose()


def parse_weekday(value: str) -> int:
    """0 (Monday) to 6 (Sunday), or a weekday name in English or Dutch."""
    text = value.strip().lower()
    if text.isdigit() and 0 <= int(text) <= 6:
        return int(text)
    if text in WEEKDAY_NAMES:
        return WEEKDAY_NAMES[text]
    fail(f"--weekday {value!r}: use 0 (Monday) to 6 (Sunday) or a name like monday/maandag")


def parse_time(value: str, option: str) -> time:
    """A wall-clock time written HH:MM."""
    match = TIME_PATTERN.fullmatch(value.strip())
    if match is None or int(match[1]) > 23 or int(match[2]) > 59:
        fail(f"{option} {value!r}: use HH:MM, e.g. 09:30")
    return time(int(match[1]), int(match[2]))


def parse_day(value: str, option: str) -> date:
    """A date written YYYY-MM-DD."""
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        fail(f"{option} {value!r}: use YYYY-MM-DD, e.g. 2026-12-24")


def _today() -> date:
    return datetime.now(SCHOOL_TZ).date()


def _require_staff(session: Session, staff_id: int) -> StaffMember:
    staff = staff_members.find_staff_member(session, staff_id=staff_id)
    if staff is None:
        fail(f"there is no staff member {staff_id}; see 'tekkie slots staff-add'")
    return staff


_AVAILABILITY_ERRORS = {
    "end_before_start": "--end {end} must be after --start {start}",
    "shorter_than_slot": "{start}-{end} is shorter than one slot of {minutes} minutes",
    "location_needed": "--mode location needs --location (the address)",
    "location_only_for_location": "--location is only for --mode location",
    "no_such_staff": "there is no staff member {staff_id}; see 'tekkie slots staff-add'",
    "bad_weekday": "--weekday: use 0 (Monday) to 6 (Sunday)",
    "not_positive": "--slot-minutes and --capacity must be at least 1",
    "last_before_first": "--last-day {last} is before --first-day {first}",
}


@app.command("staff-add")
def staff_add(
    name: Annotated[str, typer.Argument(help="Name shown to colleagues.")],
    email: Annotated[str | None, typer.Option(help="Work e-mail (unique).")] = None,
) -> None:
    """Add an intake staff member."""
    if not name.strip():
        fail("the name is empty")
    with database_session() as session:
        if email and staff_members.find_staff_member_by_email(session, email=email) is not None:
            fail(f"a staff member with e-mail {email} exists already")
        staff = StaffMember(name=name.strip(), email=email or None)
        session.add(staff)
        session.flush()
        typer.echo(f"Added staff member {staff.id}: {staff.name}")


@app.command("staff-calendar")
def staff_calendar(
    staff_id: Annotated[int, typer.Option(help="Staff member id (see staff-add).")],
) -> None:
    """Print the secret calendar-feed link of a staff member (subscribe in Google/Outlook/Apple)."""
    with database_session() as session:
        staff = _require_staff(session, staff_id)
        url = f"{get_settings().base_url}/calendar/staff/{staff.calendar_token}.ics"
        typer.echo(f"Calendar feed of {staff.name} (keep it secret): {url}")


@app.command("availability-add")
def availability_add(
    *,
    staff_id: Annotated[int, typer.Option(help="Staff member id (see staff-add).")],
    weekday: Annotated[str, typer.Option(help="0=Monday..6=Sunday, or monday/maandag...")],
    start: Annotated[str, typer.Option(help="First slot starts, HH:MM (Amsterdam time).")],
    end: Annotated[str, typer.Option(help="Last slot ends, HH:MM (Amsterdam time).")],
    slot_minutes: Annotated[int, typer.Option(min=1, help="Length of one slot.")] = 30,
    mode: Annotated[SlotMode, typer.Option(case_sensitive=False)] = SlotMode.ONLINE,
    location: Annotated[
        str | None, typer.Option(help="Address; needed for --mode location.")
    ] = None,
    capacity: Annotated[int, typer.Option(min=1, help="Prospects per slot.")] = 1,
) -> None:
    """Add a weekly window in which a staff member holds intakes."""
    day = parse_weekday(weekday)
    starts, ends = parse_time(start, "--start"), parse_time(end, "--end")
    with database_session() as session:
        try:
            availability = add_availability(
                session, staff_id=staff_id, weekday=day, starts=starts, ends=ends,
                slot_minutes=slot_minutes, mode=mode.value, location=location, capacity=capacity,
            )  # fmt: skip
        except AvailabilityError as error:
            fail(_AVAILABILITY_ERRORS[error.key].format(
                start=start, end=end, minutes=slot_minutes, staff_id=staff_id))  # fmt: skip
        staff, location = _require_staff(session, staff_id), availability.location
        where = "online" if location is None else f"at {location}"
        typer.echo(
            f"Added availability {availability.id}: {staff.name}, {SHORT_WEEKDAYS[day]} "
            f"{starts:%H:%M}-{ends:%H:%M}, {slot_minutes}-minute slots, {where}. "
            "Run 'tekkie slots generate' to create the slots."
        )


@app.command("exception-add")
def exception_add(
    *,
    first_day: Annotated[str, typer.Option(help="First day off, YYYY-MM-DD.")],
    last_day: Annotated[str, typer.Option(help="Last day off, YYYY-MM-DD.")],
    staff_id: Annotated[int | None, typer.Option(help="Only this staff member.")] = None,
    reason: Annotated[str | None, typer.Option(help="E.g. 'Kerstvakantie'.")] = None,
) -> None:
    """Add days without intakes (for everybody, or for one staff member)."""
    first, last = parse_day(first_day, "--first-day"), parse_day(last_day, "--last-day")
    with database_session() as session:
        try:
            exception = add_days_off(
                session, first_day=first, last_day=last, staff_id=staff_id, reason=reason
            )
        except AvailabilityError as error:
            fail(_AVAILABILITY_ERRORS[error.key].format(first=first, last=last, staff_id=staff_id))
        who = "everybody" if staff_id is None else _require_staff(session, staff_id).name
        typer.echo(
            f"Added days off {exception.id}: {first} to {last} for {who}. "
            "Slots created earlier for these days are not removed."
        )


@app.command("generate")
def generate(
    *,
    days: Annotated[int, typer.Option(min=1, max=366, help="How many days.")] = 14,
    first_day: Annotated[
        str | None, typer.Option("--from", help="First day, YYYY-MM-DD (default: today).")
    ] = None,
) -> None:
    """Create the slots of the coming days from the weekly availability (existing ones stay)."""
    first = _today() if first_day is None else parse_day(first_day, "--from")
    with database_session() as session:
        created = generate_slots(session, first_day=first, days=days)
        last = first + timedelta(days=days - 1)
        typer.echo(f"Created {len(created)} new slots from {first} to {last}.")


def _row(slot: IntakeSlot) -> list[str]:
    local = slot.starts_at.astimezone(SCHOOL_TZ)
    ends = slot.ends_at.astimezone(SCHOOL_TZ)
    when = f"{SHORT_WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M}-{ends:%H:%M}"
    seats = f"{slot.booked}/{slot.capacity}" + (" cancelled" if slot.cancelled else "")
    where = slot.mode if slot.location is None else f"{slot.mode}: {slot.location}"
    return [when, seats, where, slot.staff.name]


@app.command("list")
def list_slots(
    days: Annotated[int, typer.Option(min=1, help="How many days ahead.")] = 7,
) -> None:
    """Show the upcoming slots (Amsterdam time) with booked/capacity, mode and staff."""
    now = utcnow()
    with database_session() as session:
        slots = availability.slots_starting_between(
            session, start=now, end=now + timedelta(days=days)
        )
        rows = [_row(slot) for slot in slots]
        free = sum(1 for slot in slots if slot.booked < slot.capacity and not slot.cancelled)
    if not rows:
        typer.echo(f"No slots in the next {days} days. Run 'tekkie slots generate' first.")
        return
    table = [["when (Amsterdam)", "booked", "mode / location", "staff"], *rows]
    widths = [max(len(row[column]) for row in table) for column in range(len(table[0]))]
    for number, row in enumerate(table):
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        typer.echo("  ".join(cells).rstrip())
        if number == 0:
            typer.echo("  ".join("-" * width for width in widths).rstrip())
    typer.echo(f"{len(rows)} slots, {free} with a free seat.")


@app.command("seed-demo")
def seed_demo_command() -> None:
    """Add two demo staff members with weekday hours and a week of slots (safe to repeat)."""
    with database_session() as session:
        created = seed_demo(session, today=_today())
    typer.echo(f"Demo staff ready; created {created} new slots for the coming 7 days.")
