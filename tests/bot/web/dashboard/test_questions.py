"""The "Vragen zonder antwoord" pages and the content page, as a staff member uses them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db.models import BuildStatus, Conversation, ModelBuild, OutboxMessage, Reason, utcnow
from bot.learning import questions
from bot.learning.similar import from_training_data
from bot.settings import Settings
from bot.web.app import create_app
from tests.bot.web.dashboard.conftest import add_account, csrf_of, log_in
from tests.support.fake_rasa import FakeRasa, running

DOG = "mag mijn hond mee naar de les"


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        yield server


@pytest.fixture
def app(make_settings: Any, rasa: FakeRasa) -> Iterator[TestClient]:
    """The app with the Rasa stand-in; no workers (the tests look at what was queued)."""
    settings: Settings = make_settings(
        rasa_port=rasa.port, outbox_worker_interval=0, publish_worker_interval=0
    )
    with TestClient(create_app(settings), follow_redirects=False) as client:
        add_account(client, "sanne@school.nl")
        log_in(client, "sanne@school.nl")
        yield client


def ask(
    client: TestClient,
    who: str,
    text: str,
    *,
    channel: str = "webchat",
    inbound_hours_ago: float = 0,
) -> int:
    """A prospect's question Tekkie could not answer; returns its group."""
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        session.add(
            Conversation(
                channel=channel,
                channel_user_id=who,
                language="nl",
                last_inbound_at=utcnow() - timedelta(hours=inbound_hours_ago),
            )
        )
        session.flush()
        question = questions.record(
            session,
            similarity=from_training_data(),
            channel=channel,
            channel_user_id=who,
            text=text,
            language="nl",
            reason=Reason.FALLBACK,
        )
        assert question is not None
        return question.group_id


def test_the_inbox_shows_the_most_asked_question_first(app: TestClient) -> None:
    ask(app, "a", "is er een parkeerplaats bij de school")
    ask(app, "b", DOG)
    ask(app, "c", "kan ik mijn hond meenemen naar de les")
    page = app.get("/dashboard/questions")
    assert page.status_code == 200
    assert "Vragen zonder antwoord" in page.text
    assert page.text.index(DOG) < page.text.index("parkeerplaats")
    recent = app.get("/dashboard/questions?order=recent").text
    assert recent.index("parkeerplaats") > recent.index(DOG)  # the dog was asked last
    assert "Tekkie wist het niet" in page.text  # the reason in words, not a code


def test_a_new_answer_with_hard_words_is_shown_again_with_warnings_then_saved(
    app: TestClient,
) -> None:
    group = ask(app, "a", DOG)
    page = app.get(f"/dashboard/questions/{group}")
    form = {
        "csrf_token": csrf_of(page.text),
        "examples": DOG,
        "answer_nl": "Honden mogen niet mee naar de les, behalve een hulphond die je "
        "tijdens de intake aanmeldt bij de docent van je groep.",
        "answer_en": "Dogs can't come to class, except an assistance dog.",
    }
    warned = app.post(f"/dashboard/questions/{group}/answer", data=form)
    assert warned.status_code == 200
    assert "meer dan 15 woorden" in warned.text
    assert "intake" in warned.text
    assert "Toch bewaren" in warned.text
    saved = app.post(f"/dashboard/questions/{group}/answer", data={**form, "confirmed": "1"})
    assert (saved.status_code, saved.headers["location"]) == (
        303,
        "/dashboard/questions?done=answered",
    )
    assert DOG not in app.get("/dashboard/questions").text  # answered: out of the inbox
    content = app.get("/dashboard/content").text
    assert "Versie 1 is nog niet gepubliceerd." in content
    assert "fact/staff_1" in content  # the diff


def test_publishing_queues_one_build_and_the_page_follows_it(app: TestClient) -> None:
    group = ask(app, "a", DOG)
    page = app.get(f"/dashboard/questions/{group}")
    app.post(
        f"/dashboard/questions/{group}/link",
        data={
            "csrf_token": csrf_of(page.text),
            "answer_key": "fact/address",
            "examples": "waar kan ik mijn hond uitlaten bij jullie gebouw",
        },
    )
    content = app.get("/dashboard/content")
    published = app.post("/dashboard/content/publish", data={"csrf_token": csrf_of(content.text)})
    assert published.headers["location"] == "/dashboard/content?done=queued"
    following = app.get("/dashboard/content").text
    assert 'http-equiv="refresh"' in following
    assert "Wacht" in following
    with app.app.state.sessions() as session:  # type: ignore[attr-defined]
        builds = session.scalars(select(ModelBuild)).all()
    assert [(b.content_version, b.status) for b in builds] == [(1, BuildStatus.QUEUED)]


def test_a_link_to_an_answer_that_does_not_exist_is_refused_with_the_reason(
    app: TestClient,
) -> None:
    group = ask(app, "a", DOG)
    page = app.get(f"/dashboard/questions/{group}")
    refused = app.post(
        f"/dashboard/questions/{group}/link",
        data={"csrf_token": csrf_of(page.text), "answer_key": "fact/nope", "examples": DOG},
    )
    assert refused.status_code == 422
    assert "there is no answer fact/nope" in refused.text
    emptied = app.post(  # staff removed every question (say, to remove a name)
        f"/dashboard/questions/{group}/link",
        data={"csrf_token": csrf_of(page.text), "answer_key": "fact/address", "examples": ""},
    )
    assert "give at least one question" in emptied.text


def test_dismissed_questions_leave_the_inbox(app: TestClient) -> None:
    group = ask(app, "a", "asdf jkl qwerty")
    page = app.get(f"/dashboard/questions/{group}")
    app.post(f"/dashboard/questions/{group}/dismiss", data={"csrf_token": csrf_of(page.text)})
    assert "asdf jkl qwerty" not in app.get("/dashboard/questions").text


def test_a_form_without_the_csrf_token_is_refused(app: TestClient) -> None:
    group = ask(app, "a", DOG)
    assert app.post(f"/dashboard/questions/{group}/dismiss").status_code == 403


def test_waiting_prospects_are_answered_on_their_channel_but_not_outside_whatsapps_window(
    app: TestClient, rasa: FakeRasa
) -> None:
    group = ask(app, "web-1", DOG)
    ask(
        app,
        "+31611111111",
        "kan mijn hond mee naar de les",
        channel="whatsapp",
        inbound_hours_ago=30,
    )
    page = app.get(f"/dashboard/questions/{group}")
    assert "Je bericht gaat naar 2 aanmelder(s)" in page.text
    sent = app.post(
        f"/dashboard/questions/{group}/reply",
        data={"csrf_token": csrf_of(page.text), "text": "Een hulphond mag mee."},
    )
    assert sent.status_code == 303
    told = app.get(sent.headers["location"]).text
    assert (
        "Verstuurd naar 1 aanmelder(s). Niet verstuurd (WhatsApp, langer dan 24 uur stil): 1."
        in told
    )
    with app.app.state.sessions() as session:  # type: ignore[attr-defined]
        messages = session.scalars(select(OutboxMessage)).all()
    assert [(m.channel, m.recipient) for m in messages] == [("webchat", "web-1")]
    assert "Sanne van de school" in messages[0].payload["text"]
    assert [sender for sender, _ in rasa.appended] == ["webchat:web-1"]  # in the transcript
    again = app.get(f"/dashboard/questions/{group}").text
    assert "Je bericht gaat naar 1 aanmelder(s)" in again  # only the WhatsApp prospect still waits


def test_rollback_restores_an_old_version_and_publishes_it(app: TestClient) -> None:
    group = ask(app, "a", DOG)
    page = app.get(f"/dashboard/questions/{group}")
    app.post(
        f"/dashboard/questions/{group}/link",
        data={"csrf_token": csrf_of(page.text), "answer_key": "fact/address", "examples": DOG},
    )
    content = app.get("/dashboard/content")
    rolled = app.post(
        "/dashboard/content/rollback", data={"csrf_token": csrf_of(content.text), "version": "0"}
    )
    assert rolled.headers["location"] == "/dashboard/content?done=rolled_back"
    text = app.get("/dashboard/content").text
    assert "rollback to version 0" in text
    assert ">v2<" in text
    with app.app.state.sessions() as session:  # type: ignore[attr-defined]
        (build,) = session.scalars(select(ModelBuild)).all()
    assert build.content_version == 2
