"""The app's Rasa client against a local HTTP server that speaks Rasa's protocol."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from bot.messages import Button, OutboundMessage
from integrations.rasa_client import RasaClient, RasaUnavailableError
from tests.support.fake_rasa import FakeRasa, running
from tests.support.stack import free_port

SENDER = "webchat:v1"


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        yield server


@pytest.fixture
async def client(rasa: FakeRasa, test_token: str) -> AsyncIterator[RasaClient]:
    client = RasaClient(rasa.url, test_token, timeout=10)
    yield client
    await client.aclose()


@pytest.fixture
async def nowhere(test_token: str) -> AsyncIterator[RasaClient]:
    """A client of a Rasa that is not running: nothing listens on its port."""
    client = RasaClient(f"http://127.0.0.1:{free_port()}", test_token, timeout=10)
    yield client
    await client.aclose()


def reply(**fields: Any) -> dict[str, Any]:
    return {"recipient_id": SENDER, **fields}


async def test_replies_with_text_and_buttons_become_outbound_messages(
    client: RasaClient, rasa: FakeRasa
) -> None:
    rasa.replies = [
        reply(
            text="Wat wil je weten?",
            buttons=[
                {"title": "Prijzen", "payload": "/ask_prices"},
                {"title": "Zonder payload"},
                {"title": "Lege payload", "payload": ""},
                {"title": "Contact", "payload": "/ask_contact"},
            ],
        ),
        reply(text="Of typ je vraag."),
    ]
    answer = await client.send(sender_id=SENDER, text="hoi")
    assert answer.messages == [
        OutboundMessage(
            text="Wat wil je weten?",
            buttons=(Button("Prijzen", "/ask_prices"), Button("Contact", "/ask_contact")),
        ),
        OutboundMessage(text="Of typ je vraag."),
    ]


async def test_a_reply_with_only_buttons_is_shown(client: RasaClient, rasa: FakeRasa) -> None:
    rasa.replies = [reply(buttons=[{"title": "Ja", "payload": "/affirm"}])]
    answer = await client.send(sender_id=SENDER, text="hoi")
    assert answer.messages == [OutboundMessage(text="", buttons=(Button("Ja", "/affirm"),))]


async def test_custom_payloads_and_empty_replies_are_not_shown(
    client: RasaClient, rasa: FakeRasa
) -> None:
    rasa.replies = [
        reply(custom={"handoff": True}),
        reply(text=""),
        reply(text="", buttons=[]),
        reply(text="Ik zoek het uit."),
        reply(text=None, custom={"language": "en"}),
    ]
    answer = await client.send(sender_id=SENDER, text="hoi")
    assert answer.messages == [OutboundMessage(text="Ik zoek het uit.")]


@pytest.mark.parametrize(
    ("headers", "language", "paused"),
    [
        ({"X-Tekkie-Language": "en", "X-Tekkie-Paused": "1"}, "en", True),
        ({"X-Tekkie-Language": "nl", "X-Tekkie-Paused": "0"}, "nl", False),
        ({"X-Tekkie-Paused": "0"}, None, False),  # the channel leaves out an empty language
        ({}, None, False),
    ],
)
async def test_the_turns_language_and_pause_come_back_from_the_headers(
    client: RasaClient,
    rasa: FakeRasa,
    headers: dict[str, str],
    language: str | None,
    paused: bool,
) -> None:
    rasa.replies = [reply(text="Sure.")]
    rasa.reply_headers = headers
    answer = await client.send(sender_id=SENDER, text="English please")
    assert (answer.language, answer.paused) == (language, paused)
    assert answer.messages == [OutboundMessage(text="Sure.")]


async def test_the_message_and_its_metadata_are_sent_with_the_token(
    client: RasaClient, rasa: FakeRasa
) -> None:
    await client.send(sender_id="telegram:4711", text="hoi", metadata={"campaign": "zomer"})
    await client.send(sender_id="telegram:4711", text="nog iets")
    assert rasa.received == [
        {"sender": "telegram:4711", "message": "hoi", "metadata": {"campaign": "zomer"}},
        {"sender": "telegram:4711", "message": "nog iets", "metadata": {}},
    ]


async def test_a_wrong_token_is_refused_and_raises(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url, "not-the-token", timeout=10)
    try:
        with pytest.raises(RasaUnavailableError, match="401"):
            await client.send(sender_id=SENDER, text="hoi")
    finally:
        await client.aclose()
    assert rasa.received == []


@pytest.mark.parametrize(("broken", "status"), [("down", "500"), ("actions_down", "503")])
async def test_an_answer_other_than_200_raises(
    client: RasaClient, rasa: FakeRasa, broken: str, status: str
) -> None:
    setattr(rasa, broken, True)
    rasa.replies = [reply(text="never shown")]
    with pytest.raises(RasaUnavailableError, match=status):
        await client.send(sender_id=SENDER, text="hoi")


async def test_a_refused_connection_raises(nowhere: RasaClient) -> None:
    with pytest.raises(RasaUnavailableError, match="unreachable"):
        await nowhere.send(sender_id=SENDER, text="hoi")


async def test_rasa_is_ready_with_a_loaded_model(client: RasaClient) -> None:
    assert await client.is_ready()


@pytest.mark.parametrize("broken", ["no model", "down"])
async def test_rasa_is_not_ready_without_a_model_or_when_failing(
    client: RasaClient, rasa: FakeRasa, broken: str
) -> None:
    if broken == "no model":
        rasa.model_file = None
    else:
        rasa.down = True
    assert not await client.is_ready()


async def test_rasa_is_not_ready_with_a_wrong_token(rasa: FakeRasa) -> None:
    client = RasaClient(rasa.url, "not-the-token", timeout=10)
    try:
        assert not await client.is_ready()
    finally:
        await client.aclose()


async def test_rasa_is_not_ready_when_nothing_answers(nowhere: RasaClient) -> None:
    assert not await nowhere.is_ready()


async def test_events_are_appended_to_the_conversations_tracker(
    client: RasaClient, rasa: FakeRasa
) -> None:
    events = [
        {"event": "bot", "text": "Hallo, met Sanne van Tekkie."},
        {"event": "resume"},
    ]
    await client.append_events(SENDER, events)
    assert rasa.appended == [(SENDER, events)]
    tracker = await client.tracker(SENDER)
    assert tracker["events"] == events


async def test_appending_events_while_rasa_fails_raises(client: RasaClient, rasa: FakeRasa) -> None:
    rasa.down = True
    with pytest.raises(RasaUnavailableError, match="500"):
        await client.append_events(SENDER, [{"event": "resume"}])
    assert rasa.appended == []


async def test_appending_events_while_rasa_is_unreachable_raises(nowhere: RasaClient) -> None:
    with pytest.raises(RasaUnavailableError, match="unreachable"):
        await nowhere.append_events(SENDER, [{"event": "resume"}])
