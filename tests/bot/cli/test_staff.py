"""`tekkie staff ...`: making dashboard accounts from the command line."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from bot.cli.main import app as tekkie
from bot.db.engine import make_engine
from bot.db.models import StaffAccount
from bot.settings import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def staff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run `tekkie staff ARGS...` against a fresh SQLite file."""
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'tekkie.db'}")
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.delenv("TEKKIE_NEW_PASSWORD", raising=False)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> Result:  # noqa: A002 - CliRunner's name
        get_settings.cache_clear()
        return runner.invoke(tekkie, ["staff", *args], input=input)

    yield invoke
    get_settings.cache_clear()


def accounts() -> list[StaffAccount]:
    engine = make_engine(get_settings().database_url)
    with Session(engine) as session:
        found = list(session.scalars(select(StaffAccount)))
    engine.dispose()
    return found


def test_create_an_admin_with_the_password_asked_twice_and_hidden(staff: Invoke) -> None:
    result = staff("create", "--email", "Admin@School.nl", "--name", "Amira", "--admin",
                   input="a long password\na long password\n")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "created for admin@school.nl (admin)" in result.output
    assert "a long password" not in result.output
    (account,) = accounts()
    assert (account.email, account.role, account.name) == ("admin@school.nl", "admin", "Amira")
    assert account.password_hash.startswith("$argon2id$")
    listing = staff("list").output
    assert "admin@school.nl" in listing
    assert "active" in listing


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--email", "x@school.nl", "--name", "X", "--password", "short"], "at least 10"),
        (["--email", "nope", "--name", "X", "--password", "long enough pw"], "not an e-mail"),
        (
            [
                "--email",
                "x@school.nl",
                "--name",
                "X",
                "--password",
                "long enough pw",
                "--staff-id",
                "7",
            ],
            "no staff member 7",
        ),
    ],
)
def test_mistakes_are_refused_with_a_clear_message(
    staff: Invoke, args: list[str], message: str
) -> None:
    result = staff("create", *args)
    assert result.exit_code == 2
    assert message in result.output
    assert accounts() == []


def test_the_same_email_twice_is_refused(staff: Invoke) -> None:
    args = ("create", "--email", "x@school.nl", "--name", "X", "--password", "long enough pw")
    assert staff(*args).exit_code == 0
    again = staff(*args)
    assert again.exit_code == 2
    assert "already exists" in again.output


def test_set_password_replaces_the_hash(staff: Invoke) -> None:
    staff("create", "--email", "x@school.nl", "--name", "X", "--password", "long enough pw")
    (before,) = accounts()
    result = staff("set-password", "--email", "x@school.nl", "--password", "another long pw")
    assert result.exit_code == 0, result.output
    (after,) = accounts()
    assert after.password_hash != before.password_hash
    assert staff("set-password", "--email", "who@school.nl", "--password", "x" * 12).exit_code == 2
