"""`tekkie campaigns ...`: what the campaign team types, and what they see."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from typer.testing import CliRunner

from bot.cli.main import app as tekkie
from bot.db.engine import make_engine, make_session_factory
from bot.db.models import Conversation
from bot.db.repositories.leads import create_lead
from bot.settings import get_settings

Invoke = Callable[..., Result]


@pytest.fixture
def database(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'tekkie.db'}"


@pytest.fixture
def campaigns(database: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    """Run `tekkie campaigns ARGS...` against a fresh SQLite file, with both channels' links."""
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("ENVIRONMENT", "development")
    monkeypatch.setenv("TELEGRAM_BOT_USERNAME", "TekkieSchoolBot")
    monkeypatch.setenv("WHATSAPP_NUMBER", "+31201234567")
    for name in ("DB_AUTO_MIGRATE", "TWILIO_WHATSAPP_FROM"):
        monkeypatch.delenv(name, raising=False)
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        get_settings.cache_clear()  # read this test's environment
        return runner.invoke(tekkie, ["campaigns", *args])

    yield invoke
    get_settings.cache_clear()


def ok(result: Result) -> str:
    assert result.exit_code == 0, result.output
    return result.output


def test_create_prints_the_links(campaigns: Invoke) -> None:
    output = ok(campaigns("create", "--code", "Buurthuis-West", "--name", "Buurthuis West",
                          "--kind", "local"))  # fmt: skip
    assert "Campaign 1 created: buurthuis-west (Buurthuis West, local)." in output
    assert "telegram: https://t.me/TekkieSchoolBot?start=buurthuis-west" in output
    assert "whatsapp: https://wa.me/31201234567?text=Hoi%20Tekkie" in output
    assert "code%20buurthuis-west" in output


def test_create_explains_every_mistake_and_refuses_a_taken_code(campaigns: Invoke) -> None:
    result = campaigns("create", "--code", "zomer 2026", "--name", " ", "--kind", "poster")
    assert result.exit_code == 2
    assert "code: the code may only contain lowercase letters a-z, digits and hyphens" in (
        result.output
    )
    assert "name: a name is required" in result.output
    assert "kind: the kind must be one of: influencer, local, event, online_ad" in result.output
    ok(campaigns("create", "--code", "zomer", "--name", "Zomer", "--kind", "event"))
    again = campaigns("create", "--code", "zomer", "--name", "Zomer 2", "--kind", "event")
    assert again.exit_code == 2
    assert "a campaign with this code already exists" in again.output


def test_list_prints_links_and_funnel_numbers(campaigns: Invoke, database: str) -> None:
    assert "No campaigns yet" in ok(campaigns("list"))
    ok(campaigns("create", "--code", "buurt", "--name", "Buurt", "--kind", "local"))
    ok(campaigns("create", "--code", "insta-sanne", "--name", "Sanne", "--kind", "influencer"))
    engine = make_engine(database)
    with make_session_factory(engine).begin() as session:
        for user in ("1", "2", "3", "4"):
            session.add(Conversation(channel="whatsapp", channel_user_id=user, campaign="buurt"))
        create_lead(session, channel="whatsapp", channel_user_id="1", consent_version="v1",
                    campaign="buurt")  # fmt: skip
    engine.dispose()
    output = ok(campaigns("list"))
    newest, oldest = output.index("insta-sanne  Sanne (influencer)"), output.index("buurt  Buurt")
    assert newest < oldest
    buurt = output[oldest:]
    assert "https://t.me/TekkieSchoolBot?start=buurt" in buurt
    assert "funnel:   started 4 → consented 1 (25%) → assessed 0 (0%) → booked 0 (0%) → " in buurt
    assert "attended 0 (0%)" in buurt
    assert "started 0 → consented 0 → assessed 0" in output[newest:oldest]


def test_list_names_the_missing_settings(
    campaigns: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TELEGRAM_BOT_USERNAME")
    monkeypatch.delenv("WHATSAPP_NUMBER")
    ok(campaigns("create", "--code", "beurs", "--name", "Beurs", "--kind", "event"))
    output = ok(campaigns("list"))
    assert "telegram: (set TELEGRAM_BOT_USERNAME to make this link)" in output
    assert "whatsapp: (set WHATSAPP_NUMBER to make this link)" in output
    assert "https://" not in output
