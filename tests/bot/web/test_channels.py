"""The channel webhooks when the database is down: the prospect still hears something."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from bot.db.models import InboundDelivery, OutboxMessage
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    channel_settings,
    telegram_text,
    twilio_message,
    twilio_signature,
)
from tests.support.stack import free_port

BASE = "http://testserver"


@pytest.fixture
def apis() -> Iterator[tuple[FakeTelegramApi, FakeTwilioApi]]:
    with FakeTelegramApi().start() as telegram, FakeTwilioApi().start() as twilio:
        yield telegram, twilio


@pytest.fixture
def client(make_settings, apis: tuple[FakeTelegramApi, FakeTwilioApi]) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    channels = {k.lower(): v for k, v in channel_settings(*apis).items()}
    settings: Settings = make_settings(
        rasa_port=free_port(), public_base_url=BASE, outbox_worker_interval=0, **channels
    )
    with TestClient(create_app(settings), base_url=BASE) as test_client:
        yield test_client


def database_down(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*_: Any) -> bool:
        raise OperationalError("INSERT", {}, Exception("connection refused"))

    monkeypatch.setattr(client.app.state.pipeline, "accept", broken)  # type: ignore[attr-defined]


def test_telegram_gets_503_to_redeliver_and_the_prospect_one_apology(
    client: TestClient, apis: tuple[FakeTelegramApi, FakeTwilioApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    telegram, _ = apis
    database_down(client, monkeypatch)
    update = telegram_text(77, 4242, "hoi, wat kost het?")
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    for _ in range(3):  # Telegram redelivers while we answer 503
        assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 503
    (apology,) = telegram.calls_of("sendMessage", 4242)
    assert apology["text"].startswith("Sorry, ik kan nu even niet antwoorden")
    second = telegram_text(78, 4242, "ben je er nog?")  # the same outage: no second apology
    assert client.post("/webhooks/telegram", json=second, headers=headers).status_code == 503
    assert len(telegram.calls_of("sendMessage", 4242)) == 1


def test_whatsapp_keeps_the_message_and_says_so_in_the_webhook_reply(
    client: TestClient, apis: tuple[FakeTelegramApi, FakeTwilioApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, twilio = apis
    database_down(client, monkeypatch)
    form = twilio_message("SM" + "1" * 32, "+31612345678", "hello, can I join?")
    signature = twilio_signature(twilio.auth_token, f"{BASE}/webhooks/whatsapp", form)
    response = client.post(
        "/webhooks/whatsapp", data=form, headers={"X-Twilio-Signature": signature}
    )
    assert response.status_code == 200
    assert "<Message>Sorry, I can't answer right now. I've kept your message" in response.text
    monkeypatch.undo()  # the database is back: the kept message is stored and handled
    app = client.app
    client.portal.call(app.state.pipeline.move_spooled)  # type: ignore[union-attr, attr-defined]
    with app.state.sessions() as session:  # type: ignore[attr-defined]
        stored = session.scalars(select(InboundDelivery)).all()
    assert [m.message["text"] for m in stored] == ["hello, can I join?"]


def post_whatsapp(client: TestClient, twilio: FakeTwilioApi, form: dict[str, str]) -> Any:
    signature = twilio_signature(twilio.auth_token, f"{BASE}/webhooks/whatsapp", form)
    return client.post("/webhooks/whatsapp", data=form, headers={"X-Twilio-Signature": signature})


def test_a_refused_first_whatsapp_message_still_gets_its_answer(
    client: TestClient, apis: tuple[FakeTelegramApi, FakeTwilioApi]
) -> None:
    """Defect: a refused first message did not open the 24-hour window; the answer was lost."""
    _, twilio = apis
    form = twilio_message("SM" + "2" * 32, "+31612345679", "")
    assert post_whatsapp(client, twilio, form).status_code == 200
    (answer,) = twilio.wait_for_messages("+31612345679", 1)
    assert answer["Body"]
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert session.scalars(select(OutboxMessage.status)).all() == ["sent"]


@pytest.mark.parametrize(
    ("change", "answered"),
    [({"NumMedia": "abc"}, True), ({"MessageSid": "SM" + "9" * 200}, False)],
)
def test_odd_whatsapp_fields_get_no_server_error(
    client: TestClient,
    apis: tuple[FakeTelegramApi, FakeTwilioApi],
    change: dict[str, str],
    answered: bool,
) -> None:
    _, twilio = apis
    form = {**twilio_message("SM" + "3" * 32, "+31612345670", "hoi"), **change}
    assert post_whatsapp(client, twilio, form).status_code == 200
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        assert len(session.scalars(select(InboundDelivery)).all()) == int(answered)


def test_a_telegram_message_without_a_chat_is_ignored_not_a_server_error(
    client: TestClient,
) -> None:
    update = telegram_text(79, 4243, "hoi")
    del update["message"]["chat"]
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    assert client.post("/webhooks/telegram", json=update, headers=headers).status_code in (200, 400)


def test_a_nul_byte_never_reaches_the_database(
    client: TestClient, apis: tuple[FakeTelegramApi, FakeTwilioApi]
) -> None:
    """Defect: NUL broke a booking on PostgreSQL; control characters are cleaned at the edge."""
    _, twilio = apis
    form = twilio_message("SM" + "4" * 32, "+31612345671", "Fat\u0000ima\u001b[31m")
    assert post_whatsapp(client, twilio, form).status_code == 200
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        (stored,) = session.scalars(select(InboundDelivery)).all()
    assert stored.message["text"] == "Fatima[31m"


def test_redis_down_still_stores_telegram_messages(make_settings, apis) -> None:  # type: ignore[no-untyped-def]
    """Defect: the Telegram webhook answered 500 with Redis down; the database decides alone."""
    telegram, _ = apis
    channels = {k.lower(): v for k, v in channel_settings(*apis).items()}
    settings: Settings = make_settings(
        rasa_port=free_port(), public_base_url=BASE, outbox_worker_interval=0,
        redis_url=f"redis://127.0.0.1:{free_port()}/0", **channels,
    )  # fmt: skip
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    with TestClient(create_app(settings), base_url=BASE) as client:
        update = telegram_text(80, 4244, "hoi")
        assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
        assert client.post("/webhooks/telegram", json=update, headers=headers).status_code == 200
        with client.app.state.sessions() as session:  # type: ignore[attr-defined]
            assert len(session.scalars(select(InboundDelivery)).all()) == 1
    (apology,) = telegram.calls_of("sendMessage", 4244)  # waits for Redis (its lock): once
    assert apology["text"].startswith("Sorry, ik kan nu even niet antwoorden")


def test_a_whatsapp_message_nobody_could_keep_is_asked_for_again_every_time(
    client: TestClient, apis: tuple[FakeTelegramApi, FakeTwilioApi], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The once-per-outage rule is for kept messages: a lost one must always say "try again"."""
    _, twilio = apis

    async def nowhere(*_: Any) -> str:
        raise OSError("disk full")  # after the database refused it too

    monkeypatch.setattr(client.app.state.pipeline, "accept_or_keep", nowhere)  # type: ignore[attr-defined]
    for sid in ("SM" + "6" * 32, "SM" + "7" * 32):
        form = twilio_message(sid, "+31612345672", "hello, can I join?")
        response = post_whatsapp(client, twilio, form)
        assert response.status_code == 200
        assert "Please try again in a few minutes." in response.text
