"""The handoff inbox: staff read the transcript, answer the prospect and hand back to Tekkie.

Rasa is a small recording stand-in on 127.0.0.1 here (the end-to-end test uses the real one).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from bot.db.models import Conversation, OutboxMessage
from bot.db.repositories.leads import create_lead
from bot.prospects import handoff
from bot.settings import Settings
from bot.web.app import create_app
from tests.bot.web.dashboard.conftest import add_account, csrf_of, log_in
from tests.support.fake_rasa import FakeRasa, running
from tests.support.notices import NOTICES


@pytest.fixture
def rasa(test_token: str) -> Iterator[FakeRasa]:
    with running(test_token) as server:
        yield server


@pytest.fixture
def app(make_settings: Any, rasa: FakeRasa) -> Iterator[TestClient]:
    """The app with the Rasa stand-in; the outbox worker only runs when asked to."""
    settings: Settings = make_settings(rasa_port=rasa.port, outbox_worker_interval=0)
    with TestClient(create_app(settings), follow_redirects=False) as test_client:
        yield test_client


def ask_for_person(client: TestClient, user: str, *, language: str = "nl") -> int:
    """What action_request_handoff does; returns the conversation id."""
    with client.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        handoff.request_handoff(
            session, channel="webchat", channel_user_id=user, language=language, notices=NOTICES
        )
        found: Conversation = session.scalars(
            select(Conversation).where(Conversation.channel_user_id == user)
        ).one()
        found.language = language
        return found.id


def logged_in(client: TestClient) -> str:
    add_account(client, "sanne@school.nl")
    return log_in(client, "sanne@school.nl")


def outbox(client: TestClient, kind: str) -> list[OutboxMessage]:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        query = select(OutboxMessage).where(OutboxMessage.kind == kind)
        return list(session.scalars(query))


def conversation(client: TestClient, conversation_id: int) -> Conversation:
    with client.app.state.sessions() as session:  # type: ignore[attr-defined]
        found: Conversation = session.get_one(Conversation, conversation_id)
        return found


@pytest.mark.parametrize("page", ["/dashboard/handoffs", "/dashboard/handoffs/{id}"])
def test_anonymous_visitors_are_sent_to_the_login_page(app: TestClient, page: str) -> None:
    cid = ask_for_person(app, "v1")
    response = app.get(page.format(id=cid))
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login?next=")


@pytest.mark.parametrize("form", ["reply", "release"])
def test_forms_without_a_session_change_nothing(app: TestClient, rasa: FakeRasa, form: str) -> None:
    cid = ask_for_person(app, "v1")
    response = app.post(f"/dashboard/handoffs/{cid}/{form}", data={"text": "Hoi"})
    assert response.status_code == 303
    assert response.headers["location"].startswith("/dashboard/login")
    assert rasa.appended == []
    assert conversation(app, cid).handoff_status == "waiting"


@pytest.mark.parametrize("form", ["reply", "release"])
@pytest.mark.parametrize("token", [None, "", "forged-token"])
def test_forms_refuse_a_missing_or_wrong_csrf_token(
    app: TestClient, rasa: FakeRasa, form: str, token: str | None
) -> None:
    cid = ask_for_person(app, "v1")
    logged_in(app)
    data = {"text": "Hoi"} | ({} if token is None else {"csrf_token": token})
    assert app.post(f"/dashboard/handoffs/{cid}/{form}", data=data).status_code == 403
    assert rasa.appended == []
    assert outbox(app, "staff_reply") == []
    assert conversation(app, cid).handoff_status == "waiting"


def test_the_inbox_lists_waiting_prospects_oldest_first_with_their_name(app: TestClient) -> None:
    logged_in(app)
    assert "Niemand wacht op een medewerker." in app.get("/dashboard/handoffs").text
    with app.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        lead = create_lead(session, channel="webchat", channel_user_id="second",
                           consent_version="v1")  # fmt: skip
        lead.display_name = "Fatima El Amrani"
    first = ask_for_person(app, "first", language="en")
    second = ask_for_person(app, "second")
    page = app.get("/dashboard/handoffs").text
    assert page.index(f"/dashboard/handoffs/{first}") < page.index(f"/dashboard/handoffs/{second}")
    assert "Fatima El Amrani" in page
    assert "(naam onbekend)" in page  # the first has no lead
    assert page.count("Wacht op antwoord") == 2


def test_the_conversation_page_shows_the_transcript_and_links_the_lead(
    app: TestClient, rasa: FakeRasa
) -> None:
    with app.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        lead_id = create_lead(session, channel="webchat", channel_user_id="v1",
                              consent_version="v1").id  # fmt: skip
    cid = ask_for_person(app, "v1")
    rasa.events["webchat:v1"] = [
        {"event": "user", "text": "/talk_to_person", "timestamp": 1_700_000_000},
        {"event": "bot", "text": "Goed idee! Ik geef je door.", "timestamp": 1_700_000_001},
        {"event": "user", "text": "hallo, is daar iemand?", "timestamp": 1_700_000_060},
    ]
    logged_in(app)
    page = app.get(f"/dashboard/handoffs/{cid}").text
    assert "[talk_to_person]" in page
    assert "hallo, is daar iemand?" in page
    assert f'href="/dashboard/leads/{lead_id}"' in page
    assert "Teruggeven aan Tekkie" in page


def test_a_reply_goes_to_the_prospect_once_and_into_the_transcript(
    app: TestClient, rasa: FakeRasa
) -> None:
    cid = ask_for_person(app, "v1")
    logged_in(app)
    page = app.get(f"/dashboard/handoffs/{cid}").text
    form = {"csrf_token": csrf_of(page), "text": "  Hoi! Ik ben Sanne. Waarmee kan ik helpen?  ",
            "reply_id": "reply-0001"}  # fmt: skip
    response = app.post(f"/dashboard/handoffs/{cid}/reply", data=form)
    assert response.status_code == 303
    assert response.headers["location"] == f"/dashboard/handoffs/{cid}?done=replied"
    assert app.post(f"/dashboard/handoffs/{cid}/reply", data=form).status_code == 303  # twice

    (message,) = outbox(app, "staff_reply")
    assert (message.audience, message.channel, message.recipient) == ("prospect", "webchat", "v1")
    assert message.payload["text"] == (
        "💬 Sanne van de school:\nHoi! Ik ben Sanne. Waarmee kan ik helpen?"
    )
    assert message.status == "sent"  # delivered right away, to the web chat inbox
    inbox = app.get("/api/webchat/messages", params={"sender_id": "v1"}).json()["messages"]
    assert [m["text"] for m in inbox] == [message.payload["text"]]
    assert rasa.appended == [
        ("webchat:v1", [{"event": "bot", "text": "Hoi! Ik ben Sanne. Waarmee kan ik helpen?",
                         "metadata": {"tekkie_staff": "Sanne"}}]),
    ]  # fmt: skip
    state = conversation(app, cid)
    assert state.handoff_status == "human"
    assert state.handoff_account_id is not None
    followed = app.get(response.headers["location"]).text
    assert "Je bericht is verstuurd." in followed
    assert "<strong>Sanne:</strong> Hoi! Ik ben Sanne." in followed
    assert "In gesprek met een medewerker (Sanne)" in followed
    assert "Sanne" in app.get("/dashboard/handoffs").text  # who has it


def test_staff_see_whether_their_replies_arrived(app: TestClient) -> None:
    cid = ask_for_person(app, "v2")
    csrf = logged_in(app)
    for reply_id, text in (("reply-0001", "Eerste antwoord"), ("reply-0002", "Tweede antwoord")):
        app.post(f"/dashboard/handoffs/{cid}/reply",
                 data={"csrf_token": csrf, "text": text, "reply_id": reply_id})  # fmt: skip
    with app.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        first, second = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.kind == "staff_reply")
            .order_by(OutboxMessage.id)
        ).all()
        first.delivery_status = "read"  # as a WhatsApp status callback would record it
        second.status, second.last_error = "failed", "HTTP 400: chat not found"
    page = app.get(f"/dashboard/handoffs/{cid}").text
    table = page[page.index('id="sent-replies"') :]
    assert table.index("Eerste antwoord") < table.index("Gelezen")
    assert "Mislukt: niet aangekomen" in table
    assert "chat not found" in table


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_an_empty_or_too_long_reply_is_explained_and_sends_nothing(
    app: TestClient, rasa: FakeRasa, text: str
) -> None:
    cid = ask_for_person(app, "v1")
    csrf = logged_in(app)
    response = app.post(f"/dashboard/handoffs/{cid}/reply", data={"csrf_token": csrf, "text": text})
    assert response.status_code == 422
    assert "Schrijf een bericht van 1 tot 2000 tekens." in response.text
    assert rasa.appended == []
    assert outbox(app, "staff_reply") == []


def test_when_rasa_is_down_nothing_is_sent_and_staff_are_told(
    app: TestClient, rasa: FakeRasa
) -> None:
    cid = ask_for_person(app, "v1")
    csrf = logged_in(app)
    rasa.down = True
    assert "Het gesprek kan nu niet worden opgehaald" in app.get(f"/dashboard/handoffs/{cid}").text
    response = app.post(f"/dashboard/handoffs/{cid}/reply", data={"csrf_token": csrf,
                                                                  "text": "Hoi"})  # fmt: skip
    assert response.status_code == 503
    assert "er is niets verstuurd" in response.text
    assert ">Hoi</textarea>" in response.text  # the text is kept for a second try
    release = app.post(f"/dashboard/handoffs/{cid}/release", data={"csrf_token": csrf})
    assert release.status_code == 503
    assert outbox(app, "staff_reply") == outbox(app, "handoff_released") == []
    assert conversation(app, cid).handoff_status == "waiting"


def test_handing_back_resumes_rasa_clears_the_state_and_tells_the_prospect(
    app: TestClient, rasa: FakeRasa
) -> None:
    cid = ask_for_person(app, "v1", language="en")
    csrf = logged_in(app)
    app.post(f"/dashboard/handoffs/{cid}/reply", data={"csrf_token": csrf, "text": "Hi!"})
    response = app.post(f"/dashboard/handoffs/{cid}/release", data={"csrf_token": csrf})
    assert response.status_code == 303
    assert response.headers["location"] == "/dashboard/handoffs?done=released"
    (note,) = outbox(app, "handoff_released")
    assert note.payload["text"].startswith("Tekkie here again!")
    assert (note.channel, note.recipient, note.status) == ("webchat", "v1", "sent")
    sender, events = rasa.appended[-1]
    assert sender == "webchat:v1"
    assert events == [{"event": "resume"}, {"event": "action", "name": "action_listen"},
                      {"event": "bot", "text": note.payload["text"]}]  # fmt: skip
    state = conversation(app, cid)
    assert (state.handoff_status, state.handoff_account_id) == (None, None)
    assert "Niemand wacht op een medewerker." in app.get("/dashboard/handoffs?done=released").text
    again = app.post(f"/dashboard/handoffs/{cid}/release", data={"csrf_token": csrf})
    assert again.headers["location"] == f"/dashboard/handoffs/{cid}?done=not_handed_off"
    assert len(outbox(app, "handoff_released")) == 1


def test_replying_to_a_conversation_nobody_handed_off_pauses_tekkie_first(
    app: TestClient, rasa: FakeRasa
) -> None:
    with app.app.state.sessions.begin() as session:  # type: ignore[attr-defined]
        session.add(Conversation(channel="webchat", channel_user_id="quiet", language="nl"))
        session.flush()
        cid = session.scalars(select(Conversation.id)).one()
    csrf = logged_in(app)
    app.post(f"/dashboard/handoffs/{cid}/reply", data={"csrf_token": csrf, "text": "Hoi!"})
    assert [e["event"] for e in rasa.appended[0][1]] == ["pause", "bot"]
    assert conversation(app, cid).handoff_status == "human"


@pytest.mark.parametrize(
    ("method", "path"),
    [("get", ""), ("post", "/reply"), ("post", "/release")],
)
def test_an_unknown_conversation_gets_a_not_found_page(
    app: TestClient, method: str, path: str
) -> None:
    csrf = logged_in(app)
    response = getattr(app, method)(
        f"/dashboard/handoffs/999{path}",
        **({"data": {"csrf_token": csrf, "text": "Hoi"}} if method == "post" else {}),
    )
    assert response.status_code == 404
    assert "Dit gesprek bestaat niet (meer)." in response.text


def test_the_dashboard_is_english_for_english_staff(app: TestClient) -> None:
    ask_for_person(app, "v1")
    add_account(app, "tom@school.nl", language="en")
    log_in(app, "tom@school.nl")
    page = app.get("/dashboard/handoffs").text
    assert "Waiting for an answer" in page
    assert "Requested at" in page
