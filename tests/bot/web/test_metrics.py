"""GET /metrics: turn times and Rasa errors per channel, backlogs and bookings, kept private."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from bot import outbox
from bot.settings import Settings
from bot.web.app import create_app
from tests.support.fake_rasa import FakeRasa, running
from tests.support.stack import free_port

API = "/api/webchat/messages"


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        server.replies = [{"text": "Hoi! Waarmee kan ik je helpen?"}]
        yield server


def app_with(make_settings: Any, **overrides: Any) -> TestClient:
    settings: Settings = make_settings(outbox_worker_interval=0, publish_worker_interval=0,
                                       rasa_timeout_seconds=2, **overrides)  # fmt: skip
    return TestClient(create_app(settings))


def value(body: str, name: str) -> float:
    """One sample's value from the text format (the full name with its labels)."""
    found = re.search(rf"^{re.escape(name)} (\S+)$", body, re.MULTILINE)
    assert found, f"{name} not in /metrics:\n{body[:2000]}"
    return float(found.group(1))


def test_turns_are_timed_per_channel_and_the_backlog_is_counted(
    make_settings: Any, rasa: FakeRasa
) -> None:
    with app_with(make_settings, rasa_port=rasa.port) as client:
        for number in range(3):
            assert (
                client.post(API, json={"sender_id": f"p{number}", "text": "hoi"}).status_code == 200
            )
        with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
            outbox.enqueue(
                session, key="k1", kind="reminder", audience="prospect", channel="telegram",
                recipient="42", payload={"text": "Tot morgen!"},
            )  # fmt: skip
        body = client.get("/metrics").text
    assert value(body, 'tekkie_turn_seconds_count{channel="webchat"}') == 3
    assert value(body, 'tekkie_rasa_errors_total{channel="webchat"}') == 0
    assert value(body, 'tekkie_outbox_messages{status="pending"}') == 1
    assert value(body, "tekkie_inbound_pending") == 0
    assert value(body, "tekkie_content_version") == 0
    assert value(body, "tekkie_database_up") == 1


def test_a_turn_rasa_could_not_answer_is_counted(make_settings: Any) -> None:
    with app_with(make_settings, rasa_port=free_port()) as client:  # nobody listens there
        assert client.post(API, json={"sender_id": "p", "text": "hoi"}).status_code == 503
        body = client.get("/metrics").text
    assert value(body, 'tekkie_rasa_errors_total{channel="webchat"}') == 1


def test_metrics_are_private(make_settings: Any) -> None:
    with app_with(make_settings, rasa_port=free_port(), metrics_token="s3cret-" * 4) as client:
        assert client.get("/metrics").status_code == 404
        wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
        assert wrong.status_code == 404
        right = client.get("/metrics", headers={"Authorization": f"Bearer {'s3cret-' * 4}"})
        assert right.status_code == 200
    with app_with(make_settings, rasa_port=free_port()) as client:  # no token: this machine only
        assert client.get("/metrics").status_code == 200
        proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.7"})
        assert proxied.status_code == 404


def test_a_scrape_still_answers_while_the_database_is_down(make_settings: Any) -> None:
    with app_with(make_settings, rasa_port=free_port()) as client:
        with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
            session.execute(text("DROP TABLE outbox_messages"))
        scraped = client.get("/metrics")
    assert scraped.status_code == 200
    assert value(scraped.text, "tekkie_database_up") == 0
