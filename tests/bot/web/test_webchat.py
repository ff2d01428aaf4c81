"""The web chat's JSON API: Tekkie's replies, refusals in the prospect's language, outages.

The database is real (SQLite in tmp_path; PostgreSQL where the test runs on both). Rasa is
unreachable (a free port) unless a test uses the recording stand-in on 127.0.0.1, so a 422
or 409 answer also shows that Tekkie refused the message without asking Rasa.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from bot.db.repositories import webchat_inbox
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.fake_rasa import FakeRasa, running
from tests.support.stack import free_port

API = "/api/webchat/messages"
OFFER = [{"text": "Wil je een intake?", "buttons": [{"title": "Ja", "payload": "/book_intake"}]}]


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), rasa_timeout_seconds=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        yield server


@pytest.fixture
def answering(make_settings: Any, rasa: FakeRasa) -> Iterator[TestClient]:
    """The app with the Rasa stand-in answering."""
    settings: Settings = make_settings(rasa_port=rasa.port, outbox_worker_interval=0)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def text_of(length: int, word: str) -> str:
    """Words of one language, exactly `length` characters, nothing to strip."""
    return (word * length)[: length - 1] + "!"


@pytest.mark.parametrize(
    ("text", "apology"),
    [
        ("hoi, wat kost de opleiding?", "Sorry, Tekkie is even niet bereikbaar"),
        ("hello, what does it cost?", "Sorry, Tekkie can't be reached"),
    ],
)
def test_rasa_down_gives_an_apology_in_the_prospects_language(
    client: TestClient, text: str, apology: str
) -> None:
    response = client.post("/api/webchat/messages", json={"sender_id": "u1", "text": text})
    assert response.status_code == 503
    assert response.json()["detail"].startswith(apology)


def test_unknown_payload_is_refused_before_rasa_is_asked(client: TestClient) -> None:
    response = client.post(
        "/api/webchat/messages", json={"sender_id": "u2", "payload": "/book_intake", "locale": "nl"}
    )
    assert response.status_code == 409
    assert "knop" in response.json()["detail"]


def test_the_api_schema_documents_the_error_answers(client: TestClient) -> None:
    post = client.get("/openapi.json").json()["paths"]["/api/webchat/messages"]["post"]
    assert {"409", "422", "503"} <= set(post["responses"])
    schema = post["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorResponse")


@pytest.mark.parametrize(
    ("text", "locale", "explanation"),
    [
        ("", "nl", "Je bericht is leeg. Typ een vraag, of kies een knop."),
        ("   \n ", "en-GB", "Your message is empty. Type a question, or pick a button."),
        (" // ", "en", "Your message is empty. Type a question, or pick a button."),
    ],
)
def test_an_empty_message_is_explained_in_the_prospects_language(
    client: TestClient, text: str, locale: str, explanation: str
) -> None:
    response = client.post(API, json={"sender_id": "e1", "text": text, "locale": locale})
    assert response.status_code == 422
    assert response.json() == {"detail": explanation}


@pytest.mark.parametrize(
    ("word", "explanation"),
    [
        ("hoi wat kost de opleiding ", "Dat is een lang bericht! Kun je je vraag korter maken"),
        ("hello what does it cost ", "That's a long message! Could you ask it more briefly"),
    ],
)
def test_a_too_long_message_asks_for_a_shorter_one_in_the_prospects_language(
    client: TestClient, word: str, explanation: str
) -> None:
    response = client.post(API, json={"sender_id": "l1", "text": text_of(2001, word)})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail.startswith(explanation)
    assert "2000" in detail  # the limit the prospect has to stay under


def test_a_message_of_exactly_the_limit_is_not_refused_as_too_long(client: TestClient) -> None:
    text = text_of(2000, "hoi wat kost de opleiding ")
    response = client.post(API, json={"sender_id": "l2", "text": text})
    assert response.status_code == 503  # it went on to Rasa, which is down here
    assert response.json()["detail"].startswith("Sorry, Tekkie is even niet bereikbaar")


def test_a_button_is_refused_in_english_for_an_english_prospect(client: TestClient) -> None:
    body = {"sender_id": "u3", "payload": "/book_intake", "locale": "en-US"}
    response = client.post(API, json=body)
    assert response.status_code == 409
    assert response.json()["detail"].startswith("That button no longer works.")


def test_tekkies_buttons_can_be_pressed_and_only_those(
    answering: TestClient, rasa: FakeRasa
) -> None:
    rasa.replies = OFFER
    first = answering.post(API, json={"sender_id": "b1", "text": "hoi"})
    assert first.status_code == 200
    assert first.json() == {"messages": OFFER}

    pressed = answering.post(API, json={"sender_id": "b1", "payload": "/book_intake"})
    assert pressed.status_code == 200
    assert rasa.received[-1]["message"] == "/book_intake"

    never_offered = answering.post(API, json={"sender_id": "b1", "payload": "/restart"})
    someone_elses = answering.post(API, json={"sender_id": "b2", "payload": "/book_intake"})
    assert (never_offered.status_code, someone_elses.status_code) == (409, 409)
    assert never_offered.json()["detail"].startswith("Die knop werkt niet meer.")
    assert [body["message"] for body in rasa.received] == ["hoi", "/book_intake"]


@pytest.fixture
def database_down(make_settings: Any, rasa: FakeRasa) -> Iterator[TestClient]:
    """The app on a PostgreSQL port nobody listens on; Rasa is up, so only the database fails.

    Logs are captured: unconfigured structlog renders each retry's traceback on the event loop.
    """
    settings: Settings = make_settings(
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/tekkie",
        rasa_port=rasa.port,
        outbox_worker_interval=0,
    )
    with capture_logs(), TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    ("text", "apology"),
    [
        ("hoi, wat kost de opleiding?", "Sorry, Tekkie is even niet bereikbaar."),
        ("hello, what does it cost?", "Sorry, Tekkie can't be reached right now."),
    ],
)
def test_database_down_gives_the_friendly_apology_in_the_prospects_language(
    database_down: TestClient, rasa: FakeRasa, text: str, apology: str
) -> None:
    rasa.replies = OFFER
    response = database_down.post(API, json={"sender_id": "d1", "text": text})
    assert response.status_code == 503
    assert response.json()["detail"].startswith(apology)


def test_messages_sent_outside_a_reply_reach_their_visitor_once(
    make_settings: Any, database_url: str
) -> None:
    settings: Settings = make_settings(
        database_url=database_url, db_auto_migrate=True, rasa_port=free_port(),
        outbox_worker_interval=0,
    )  # fmt: skip
    confirmed = {"text": "Je intake is bevestigd.", "buttons": []}
    reminder = {
        "text": "Herinnering: morgen om 10:00.",
        "buttons": [{"title": "Verzetten", "payload": "/reschedule"}],
    }
    other = {"text": "Voor een andere bezoeker.", "buttons": []}
    with TestClient(create_app(settings)) as client:
        with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
            webchat_inbox.add_item(session, channel_user_id="v1", payload=confirmed)
            webchat_inbox.add_item(session, channel_user_id="v2", payload=other)
            webchat_inbox.add_item(session, channel_user_id="v1", payload=reminder)
        first = client.get(API, params={"sender_id": "v1"})
        again = client.get(API, params={"sender_id": "v1"})
        theirs = client.get(API, params={"sender_id": "v2"})
    assert first.status_code == 200
    assert first.json() == {"messages": [confirmed, reminder]}  # oldest first
    assert again.json() == {"messages": []}
    assert theirs.json() == {"messages": [other]}
