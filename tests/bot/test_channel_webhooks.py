"""The channel webhooks when the database is down: the prospect still hears something."""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from bot.settings import Settings
from bot.web.app import create_app
from tests.e2e.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    channel_settings,
    telegram_text,
    twilio_message,
    twilio_signature,
)
from tests.e2e.stack import free_port

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
    assert apology["text"].startswith("Sorry, Tekkie is even niet bereikbaar")


def test_whatsapp_gets_the_apology_as_the_webhook_reply(
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
    assert "<Message>Sorry, Tekkie can't be reached right now." in response.text
