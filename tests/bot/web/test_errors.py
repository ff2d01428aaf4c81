"""Requests the app cannot handle get one readable sentence, never a bare 500.

Bad input answers 400/422 and an outage of the database 503, each with the sentence in
both languages (the prospect's language is not known then). The database is real, or a
PostgreSQL port nobody listens on.
"""

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from structlog.testing import capture_logs

from bot.settings import Settings
from bot.web.app import create_app
from tests.support.stack import free_port

API = "/api/webchat/messages"
UNPROCESSABLE = "Dit bericht kon niet worden verwerkt. / This message could not be processed."


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), rasa_timeout_seconds=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def test_a_body_that_is_not_utf8_gets_the_friendly_sentence(client: TestClient) -> None:
    response = client.post(
        "/api/webchat/messages", content=b'{"sender_id": "u3", "text": "caf\xe9"}',
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code in (400, 422)
    assert response.json()["detail"].startswith("Dit bericht kon niet worden verwerkt.")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender_id": "has spaces", "text": "hoi"}, "sender_id"),
        ({"sender_id": "x" * 65, "text": "hoi"}, "sender_id"),
        ({"sender_id": "u4", "text": "hoi " * 5001}, "text"),
        ({"sender_id": "u4", "text": 42}, "text"),
        ({"text": "hoi"}, "sender_id"),
    ],
)
def test_an_invalid_message_gets_the_sentence_and_which_field_is_wrong(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post(API, json=body)
    assert response.status_code == 422
    answer = response.json()
    assert answer["detail"] == UNPROCESSABLE
    assert field in {error["field"] for error in answer["errors"]}
    assert all(error["problem"] for error in answer["errors"])


@pytest.mark.parametrize(
    "body",
    [{"sender_id": "u5"}, {"sender_id": "u5", "text": "hoi", "payload": "/greet"}],
    ids=["neither-text-nor-payload", "both"],
)
def test_a_message_needs_text_or_a_button_not_both(
    client: TestClient, body: dict[str, Any]
) -> None:
    response = client.post(API, json=body)
    assert response.status_code == 422
    assert response.json()["detail"] == UNPROCESSABLE
    assert "either 'text' or 'payload'" in str(response.json()["errors"])


def test_fetching_messages_without_a_valid_visitor_gets_the_sentence(client: TestClient) -> None:
    missing = client.get(API)
    odd = client.get(API, params={"sender_id": "../etc/passwd"})
    assert (missing.status_code, odd.status_code) == (422, 422)
    assert missing.json()["detail"] == odd.json()["detail"] == UNPROCESSABLE
    assert {e["field"] for e in missing.json()["errors"]} == {"sender_id"}


@pytest.mark.parametrize(
    ("method", "path", "status", "detail"),
    [
        ("GET", "/no-such-page", 404, "Not Found"),
        ("DELETE", API, 405, "Method Not Allowed"),
    ],
)
def test_other_http_errors_keep_their_status_and_answer(
    client: TestClient, method: str, path: str, status: int, detail: str
) -> None:
    response = client.request(method, path)
    assert (response.status_code, response.json()) == (status, {"detail": detail})


@pytest.fixture
def database_down(make_settings: Any) -> Iterator[tuple[TestClient, list[dict[str, Any]]]]:
    """The app on a PostgreSQL port nobody listens on, and what it logs."""
    settings: Settings = make_settings(
        database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/tekkie",
        rasa_port=free_port(),
        outbox_worker_interval=0,
    )
    with capture_logs() as logs, TestClient(create_app(settings)) as client:
        yield client, logs


def test_a_database_outage_answers_503_with_the_sentence_not_a_500(
    database_down: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, _ = database_down
    response = client.get(API, params={"sender_id": "v1"})
    assert response.status_code == 503
    assert response.json() == {
        "detail": "Tekkie is even niet bereikbaar. Probeer het zo nog eens. / "
        "Tekkie is not available right now. Please try again in a moment."
    }


def test_a_database_outage_is_logged_once_with_its_traceback(
    database_down: tuple[TestClient, list[dict[str, Any]]],
) -> None:
    client, logs = database_down
    assert client.get(API, params={"sender_id": "v1"}).status_code == 503
    logged = [entry for entry in logs if entry["event"] == "request.dependency_down"]
    assert len(logged) == 1
    assert logged[0].get("exc_info"), logged[0]  # the operator needs to see why it failed
