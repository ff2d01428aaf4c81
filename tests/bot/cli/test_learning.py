"""`tekkie questions ...` and `tekkie content ...`: the learning loop from a terminal."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli.main import app as tekkie
from bot.db import migrate
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Reason
from bot.learning import desk, questions
from bot.learning.similar import from_training_data
from bot.settings import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'tekkie.db'}"
    migrate.upgrade(url)
    return url


@pytest.fixture
def cli(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run `tekkie ARGS...` against a fresh SQLite file."""
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.delenv("DB_AUTO_MIGRATE", raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()  # read this test's environment
        return runner.invoke(tekkie, list(args))

    yield invoke
    get_settings.cache_clear()


def ask(database: str, *texts: str) -> None:
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        for number, text in enumerate(texts):
            questions.record(
                session, similarity=from_training_data(), channel="webchat",
                channel_user_id=f"p{number}", text=text, language="nl", reason=Reason.FALLBACK,
            )  # fmt: skip
    engine.dispose()


def groups(cli: Invoke, *args: str) -> list[dict[str, object]]:
    result = cli("questions", "list", "--json", *args)
    assert result.exit_code == 0, result.output
    found: list[dict[str, object]] = json.loads(result.output)
    return found


def test_questions_list_shows_groups_with_id_count_examples_and_reason(
    cli: Invoke, database: str
) -> None:
    ask(database, "mag mijn hond mee naar de les", "kan mijn hond mee naar de lessen",
        "is er een parkeerplaats")  # fmt: skip
    (dog, parking) = groups(cli)
    assert (dog["count"], dog["reason"], parking["count"]) == (2, "fallback", 1)
    assert dog["examples"] == ["mag mijn hond mee naar de les", "kan mijn hond mee naar de lessen"]
    plain = cli("questions", "list")
    assert f"#{dog['id']}" in plain.output
    assert "mag mijn hond mee naar de les" in plain.output


def test_answer_link_dismiss_and_the_history(cli: Invoke, database: str) -> None:
    ask(database, "mag mijn hond mee naar de les", "is er een parkeerplaats", "qwerty asdf")
    dog, parking, nonsense = (int(str(g["id"])) for g in groups(cli))
    answered = cli("questions", "answer", str(dog), "--nl", "Honden mogen niet mee.",
                   "--en", "Dogs can't come.", "--by", "Anna")  # fmt: skip
    assert answered.exit_code == 0, answered.output
    assert "fact/staff_1 saved as content version 1" in answered.output
    linked = cli("questions", "link", str(parking), "--answer", "fact/address",
                 "--example", "is er parkeerruimte bij het gebouw")  # fmt: skip
    assert "content version 2" in linked.output
    engine = make_engine(database)
    with make_session_factory(engine)() as session:
        _, learned = desk.current(session)
    engine.dispose()
    assert learned.examples == {"fact/address": ["is er parkeerruimte bij het gebouw"]}
    assert cli("questions", "dismiss", str(nonsense)).exit_code == 0
    assert groups(cli) == []
    assert {g["status"] for g in groups(cli, "--status", "all")} == {
        "answered", "linked", "dismissed",
    }  # fmt: skip
    history = cli("content", "history").output
    assert "v2" in history
    assert "Anna" in history
    assert "the files in dialogues/ only  <- live" in history  # nothing published yet


def test_mistakes_get_a_clear_error_and_change_nothing(cli: Invoke, database: str) -> None:
    ask(database, "mag mijn hond mee naar de les")
    (group,) = groups(cli)
    wrong = cli("questions", "link", str(group["id"]), "--answer", "fact/nope")
    assert wrong.exit_code == 2
    assert "there is no answer fact/nope" in wrong.output
    missing = cli("questions", "dismiss", "999")
    assert (missing.exit_code, "no question group 999" in missing.output) == (2, True)
    assert cli("content", "rollback", "7").exit_code == 2
    assert len(groups(cli)) == 1


def test_rollback_queues_a_build_for_the_running_tekkie(cli: Invoke, database: str) -> None:
    ask(database, "mag mijn hond mee naar de les")
    (group,) = groups(cli)
    cli("questions", "answer", str(group["id"]), "--nl", "Nee.", "--en", "No.")
    rolled = cli("content", "rollback", "0")
    assert rolled.exit_code == 0, rolled.output
    assert "Version 2 restores version 0; build 1 is queued" in rolled.output
    assert "build 1: v2 queued" in cli("content", "history").output
