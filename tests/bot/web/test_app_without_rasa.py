"""The app on its own, with Rasa unreachable: prospects get an apology, health says why."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import Settings
from bot.web.app import create_app
from tests.support.stack import free_port


@pytest.fixture
def client(make_settings) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    settings: Settings = make_settings(rasa_port=free_port(), rasa_timeout_seconds=2)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


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


def test_health_says_rasa_is_down_and_the_database_is_up(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded", "database": "up", "rasa": "down", "actions": "down"
    }  # fmt: skip
    assert client.get("/health/live").status_code == 200


def test_the_embedded_database_is_migrated_at_start_up(client: TestClient) -> None:
    from sqlalchemy import inspect

    assert "conversations" in inspect(client.app.state.engine).get_table_names()  # type: ignore[attr-defined]


def test_unknown_payload_is_refused_before_rasa_is_asked(client: TestClient) -> None:
    response = client.post(
        "/api/webchat/messages", json={"sender_id": "u2", "payload": "/book_intake", "locale": "nl"}
    )
    assert response.status_code == 409
    assert "knop" in response.json()["detail"]


def test_health_says_which_dependency_is_down(make_settings) -> None:  # type: ignore[no-untyped-def]
    """Defects: /health stayed 200 with Redis down, and never looked at the action server."""
    settings: Settings = make_settings(
        rasa_port=free_port(),
        action_port=free_port(),
        redis_url=f"redis://127.0.0.1:{free_port()}/0",
    )
    with TestClient(create_app(settings)) as client:
        body = client.get("/health").json()
    assert (body["database"], body["redis"], body["rasa"], body["actions"]) == (
        "up", "down", "down", "down",
    )  # fmt: skip


def test_a_body_that_is_not_utf8_gets_the_friendly_sentence(client: TestClient) -> None:
    response = client.post(
        "/api/webchat/messages", content=b'{"sender_id": "u3", "text": "caf\xe9"}',
        headers={"content-type": "application/json"},
    )  # fmt: skip
    assert response.status_code in (400, 422)
    assert response.json()["detail"].startswith("Dit bericht kon niet worden verwerkt.")


def test_the_api_schema_documents_the_error_answers(client: TestClient) -> None:
    post = client.get("/openapi.json").json()["paths"]["/api/webchat/messages"]["post"]
    assert {"409", "422", "503"} <= set(post["responses"])
    schema = post["responses"]["422"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("/ErrorResponse")
