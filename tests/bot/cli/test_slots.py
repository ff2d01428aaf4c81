"""`tekkie slots ...`: what staff type to set up intakes, and what they see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli.main import app as tekkie
from bot.cli.slots import parse_weekday
from bot.settings import get_settings

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SHORT_DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
ENGLISH_DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Invoke = Callable[..., Result]


@pytest.fixture
def slots(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run `tekkie slots ARGS...` against a fresh SQLite file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tekkie.db'}")
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.delenv("DB_AUTO_MIGRATE", raising=False)
    runner = CliRunner()

    def invoke(*args: str, color: bool = False) -> Result:
        get_settings.cache_clear()  # read this test's environment
        return runner.invoke(tekkie, ["slots", *args], color=color)

    yield invoke
    get_settings.cache_clear()


def tomorrow() -> date:
    return datetime.now(AMSTERDAM).date() + timedelta(days=1)


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def add_staff_with_hours_tomorrow(slots: Invoke, *extra: str) -> None:
    ok(slots("staff-add", "Sanne Jansen", "--email", "sanne@tekkie.example"))
    ok(
        slots(
            "availability-add", "--staff-id", "1",
            "--weekday", ENGLISH_DAYS[tomorrow().weekday()],
            "--start", "09:30", "--end", "11:00", *extra,
        )
    )  # fmt: skip


def test_set_up_generate_and_list_intake_slots(slots: Invoke) -> None:
    assert "Added staff member 1: Sanne Jansen" in ok(
        slots("staff-add", "Sanne Jansen", "--email", "sanne@tekkie.example")
    )
    added = ok(
        slots(
            "availability-add", "--staff-id", "1",
            "--weekday", ENGLISH_DAYS[tomorrow().weekday()],
            "--start", "09:30", "--end", "11:00",
            "--mode", "location", "--location", "Tekkie Campus, Utrecht",
        )
    )  # fmt: skip
    assert "Sanne Jansen" in added
    assert "09:30-11:00" in added
    assert "Created 3 new slots" in ok(slots("generate", "--days", "7"))
    listing = ok(slots("list"))
    lines = [line for line in listing.splitlines() if "Sanne Jansen" in line]
    day = f"{SHORT_DAYS[tomorrow().weekday()]} {tomorrow().isoformat()}"
    assert [line.split("  ")[0] for line in lines] == [
        f"{day} 09:30-10:00",
        f"{day} 10:00-10:30",
        f"{day} 10:30-11:00",
    ]
    for line in lines:
        assert "0/1" in line
        assert "location: Tekkie Campus, Utrecht" in line
    assert "when (Amsterdam)" in listing
    assert "3 slots, 3 with a free seat." in listing


def test_generating_again_creates_no_duplicates(slots: Invoke) -> None:
    add_staff_with_hours_tomorrow(slots)
    # Today and tomorrow: only tomorrow has hours.
    first = ok(slots("generate", "--days", "2"))
    today = tomorrow() - timedelta(days=1)
    assert f"Created 3 new slots from {today} to {tomorrow()}." in first
    assert "Created 0 new slots" in ok(slots("generate", "--days", "2"))
    assert "3 slots" in ok(slots("list"))


def test_generate_from_a_given_day(slots: Invoke) -> None:
    ok(slots("staff-add", "Sanne"))
    ok(slots("availability-add", "--staff-id", "1", "--weekday", "dinsdag",
             "--start", "13:00", "--end", "15:00", "--slot-minutes", "60"))  # fmt: skip
    # 1 December 2026 is a Tuesday; two days from then hold one Tuesday.
    output = ok(slots("generate", "--from", "2026-12-01", "--days", "2"))
    assert "Created 2 new slots from 2026-12-01 to 2026-12-02." in output


def test_list_says_when_there_is_nothing(slots: Invoke) -> None:
    assert "No slots in the next 7 days" in ok(slots("list"))


def test_days_off_for_everybody_block_slots(slots: Invoke) -> None:
    add_staff_with_hours_tomorrow(slots)
    day = tomorrow().isoformat()
    added = ok(
        slots("exception-add", "--first-day", day, "--last-day", day, "--reason", "Studiedag")
    )
    assert "everybody" in added
    assert "Created 0 new slots" in ok(slots("generate", "--days", "2"))


def test_days_off_for_one_staff_member_leave_the_others(slots: Invoke) -> None:
    add_staff_with_hours_tomorrow(slots)
    ok(slots("staff-add", "Joris"))
    ok(slots("availability-add", "--staff-id", "2", "--weekday", str(tomorrow().weekday()),
             "--start", "14:00", "--end", "15:00"))  # fmt: skip
    day = tomorrow().isoformat()
    added = ok(slots("exception-add", "--first-day", day, "--last-day", day, "--staff-id", "1"))
    assert "Sanne Jansen" in added
    assert "Created 2 new slots" in ok(slots("generate", "--days", "2"))
    listing = ok(slots("list"))
    assert "Joris" in listing
    assert "Sanne" not in listing


def test_seed_demo_twice(slots: Invoke) -> None:
    assert "created 100 new slots" in ok(slots("seed-demo"))
    assert "created 0 new slots" in ok(slots("seed-demo"))
    listing = ok(slots("list", "--days", "8"))
    assert "Demo – Fatima" in listing  # noqa: RUF001 - the en dash is part of the name
    assert "location: Tekkie Campus, Stationsplein 1, Utrecht" in listing


@pytest.mark.parametrize(
    ("value", "weekday"),
    [("0", 0), ("6", 6), ("monday", 0), ("Maandag", 0), ("ma", 0), ("woensdag", 2),
     ("Sunday", 6), ("zondag", 6), ("fri", 4), (" vrijdag ", 4)],
)  # fmt: skip
def test_weekdays_by_number_or_english_or_dutch_name(value: str, weekday: int) -> None:
    assert parse_weekday(value) == weekday


AVAILABILITY_ERRORS = [
    (["--start", "12:00", "--end", "09:00"], "--end 09:00 must be after --start 12:00"),
    (["--start", "09:00", "--end", "09:00"], "must be after"),
    (["--start", "09:00", "--end", "09:20"], "shorter than one slot of 30 minutes"),
    (["--start", "25:00", "--end", "26:00"], "--start '25:00': use HH:MM"),
    (["--start", "9.30", "--end", "12:00"], "use HH:MM"),
    (["--start", "09:00", "--end", "12:00", "--mode", "location"], "needs --location"),
    (["--start", "09:00", "--end", "12:00", "--location", "Campus"], "only for --mode location"),
    (["--start", "09:00", "--end", "12:00", "--weekday", "funday"], "--weekday 'funday'"),
    (["--start", "09:00", "--end", "12:00", "--weekday", "7"], "0 (Monday) to 6 (Sunday)"),
    (["--start", "09:00", "--end", "12:00", "--staff-id", "99"], "no staff member 99"),
]


@pytest.mark.parametrize(("args", "message"), AVAILABILITY_ERRORS)
def test_invalid_availability_is_refused_and_nothing_is_stored(
    slots: Invoke, args: list[str], message: str
) -> None:
    ok(slots("staff-add", "Sanne"))
    defaults = {"--staff-id": "1", "--weekday": "monday"}
    for option, value in defaults.items():
        if option not in args:
            args = [option, value, *args]
    result = slots("availability-add", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Created 0 new slots" in ok(slots("generate", "--days", "14"))


def test_errors_are_red(slots: Invoke) -> None:
    ok(slots("staff-add", "Sanne"))
    result = slots(
        "availability-add", "--staff-id", "1", "--weekday", "monday",
        "--start", "12:00", "--end", "09:00", color=True,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "\x1b[31m" in result.stderr  # ANSI red


def test_unknown_mode_is_a_usage_error(slots: Invoke) -> None:
    ok(slots("staff-add", "Sanne"))
    result = slots("availability-add", "--staff-id", "1", "--weekday", "monday",
                   "--start", "09:00", "--end", "12:00", "--mode", "phone")  # fmt: skip
    assert result.exit_code == 2
    assert "online" in result.output
    assert "location" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["exception-add", "--first-day", "2026-12-31", "--last-day", "2026-12-24"],
         "--last-day 2026-12-24 is before --first-day 2026-12-31"),
        (["exception-add", "--first-day", "24-12-2026", "--last-day", "2026-12-31"],
         "--first-day '24-12-2026': use YYYY-MM-DD"),
        (["exception-add", "--first-day", "2026-12-24", "--last-day", "2026-12-31",
          "--staff-id", "5"], "no staff member 5"),
        (["generate", "--from", "tomorrow"], "--from 'tomorrow': use YYYY-MM-DD"),
        (["staff-add", "  "], "the name is empty"),
    ],
)  # fmt: skip
def test_other_invalid_input_is_refused(slots: Invoke, args: list[str], message: str) -> None:
    result = slots(*args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_a_staff_email_can_be_used_once(slots: Invoke) -> None:
    ok(slots("staff-add", "Sanne", "--email", "sanne@tekkie.example"))
    result = slots("staff-add", "Sanne J.", "--email", "sanne@tekkie.example")
    assert result.exit_code == 2
    assert "exists already" in result.stderr


def test_slots_without_a_command_shows_help(slots: Invoke) -> None:
    result = slots()
    for command in ["staff-add", "availability-add", "exception-add", "generate", "list"]:
        assert command in result.output
