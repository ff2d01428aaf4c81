"""Talking to a person, end to end: real Rasa, actions and app, staff answering in the dashboard."""

from __future__ import annotations

import json
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from contextlib import closing

import httpx
import pytest
import redis
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.db.engine import make_engine
from bot.db.models import Conversation, InboundDelivery
from bot.db.repositories import staff as staff_repo
from tests.e2e.test_channels import TelegramChat
from tests.support.fakes import FakeTelegramApi, telegram_text
from tests.support.stack import Stack, wait_for_inbox

MENU = ["/ask_careers", "/ask_assessment", "/ask_support", "/book_intake", "/talk_to_person"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
PASSWORD = "correct horse battery staple"


@pytest.fixture
def db(stack: Stack) -> Iterator[Engine]:
    engine = make_engine(stack.settings.database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def staff(stack: Stack, db: Engine) -> Iterator[httpx.Client]:
    """A staff member logged in to the dashboard through its log-in form."""
    email = f"sanne-{secrets.token_hex(4)}@school.nl"
    with Session(db) as session, session.begin():
        staff_repo.create_account(session, email=email, name="Sanne", password=PASSWORD)
    with httpx.Client(base_url=stack.app_url, timeout=30) as browser:
        form = browser.get("/dashboard/login")
        data = {"email": email, "password": PASSWORD, "csrf_token": csrf_of(form.text)}
        assert browser.post("/dashboard/login", data=data).status_code == 303
        yield browser


def csrf_of(html: str) -> str:
    found = CSRF.search(html)
    assert found, "no form with a CSRF token"
    return found.group(1)


def conversation_id(db: Engine, channel: str, user: str) -> int:
    with Session(db) as session:
        found = session.scalars(
            select(Conversation).where(
                Conversation.channel == channel, Conversation.channel_user_id == user
            )
        ).one()
        return found.id


def staff_reply(staff: httpx.Client, cid: int, text: str) -> str:
    """Open the conversation in the dashboard, answer it; return the page as staff saw it."""
    page = staff.get(f"/dashboard/handoffs/{cid}")
    assert page.status_code == 200
    form = {"csrf_token": csrf_of(page.text), "text": text}
    response = staff.post(f"/dashboard/handoffs/{cid}/reply", data=form)
    assert response.status_code == 303, response.text
    return page.text


def hand_back(staff: httpx.Client, cid: int) -> None:
    page = staff.get(f"/dashboard/handoffs/{cid}")
    response = staff.post(f"/dashboard/handoffs/{cid}/release",
                          data={"csrf_token": csrf_of(page.text)})  # fmt: skip
    assert response.status_code == 303, response.text


def test_a_web_chat_prospect_talks_to_a_person_and_back_to_tekkie(
    stack: Stack, sender: str, db: Engine, staff: httpx.Client
) -> None:
    stack.say(sender, text="hoi")
    (answer,) = stack.say(sender, payload="/talk_to_person")
    assert answer["text"].startswith("Goed idee! Ik geef je door aan een collega van de school.")
    assert stack.tracker(sender)["paused"] is True
    assert stack.say(sender, text="hallo, is daar iemand?") == []  # Tekkie stays quiet

    cid = conversation_id(db, "webchat", sender)
    staff_log = stack.settings.runtime_dir.parent / "staff-notifications.log"
    deadline = time.monotonic() + 15
    while f"/dashboard/handoffs/{cid}" not in (staff_log.read_text() if staff_log.exists() else ""):
        assert time.monotonic() < deadline, "staff were not told"
        time.sleep(0.2)
    inbox_page = staff.get("/dashboard/handoffs").text
    assert f'href="/dashboard/handoffs/{cid}"' in inbox_page
    assert "Wacht op antwoord" in inbox_page

    seen = staff_reply(staff, cid, "Hoi! Ik ben Sanne van de school. Waarmee kan ik je helpen?")
    assert "hallo, is daar iemand?" in seen  # the prospect's message, from Rasa's tracker
    assert "[talk_to_person]" in seen
    (reply,) = wait_for_inbox(stack, sender)
    assert reply["text"] == (
        "💬 Sanne van de school:\nHoi! Ik ben Sanne van de school. Waarmee kan ik je helpen?"
    )
    assert stack.say(sender, text="Ik wil weten of ik met 52 nog kan beginnen.") == []
    page = staff.get(f"/dashboard/handoffs/{cid}").text
    assert "Ik wil weten of ik met 52 nog kan beginnen." in page
    assert "<strong>Sanne:</strong> Hoi! Ik ben Sanne" in page

    hand_back(staff, cid)
    (back,) = wait_for_inbox(stack, sender)
    assert back["text"].startswith("Tekkie hier weer!")
    assert stack.tracker(sender)["paused"] is False
    (menu,) = stack.say(sender, text="menu")
    assert menu["text"] == "Waar kan ik je mee helpen?"
    assert [b["payload"] for b in menu["buttons"]] == MENU


def test_an_english_prospect_is_told_in_english(stack: Stack, sender: str) -> None:
    stack.say(sender, text="hello")
    (answer,) = stack.say(sender, text="can I talk to a person?")
    assert answer["text"].startswith("Good idea! I'm passing you on to someone from the school.")
    assert "one working day" in answer["text"]


def wait_until_handled(db: Engine, update_id: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(db) as session:
            status = session.scalar(
                select(InboundDelivery.status).where(
                    InboundDelivery.channel == "telegram",
                    InboundDelivery.external_id == str(update_id),
                )
            )
        if status == "done":
            return
        time.sleep(0.05)
    raise AssertionError(f"telegram update {update_id} was not handled")


def test_a_telegram_prospect_talks_to_a_person(
    stack: Stack, telegram_api: FakeTelegramApi, db: Engine, staff: httpx.Client
) -> None:
    chat = TelegramChat(stack, telegram_api, db)
    menu = chat.say("hoi")[-1]
    (answer,) = chat.press(menu, "🙋 Praten met een mens")
    assert answer["text"].startswith("Goed idee! Ik geef je door")

    before = len(chat.received())
    update = telegram_text(chat.next_id(), chat.chat_id, "is daar iemand?")
    assert chat.post(update).status_code == 200
    wait_until_handled(db, update["update_id"])

    cid = conversation_id(db, "telegram", str(chat.chat_id))
    assert "is daar iemand?" in staff_reply(staff, cid, "Ja hoor, ik ben er. <3")
    telegram_api.wait_for_messages(chat.chat_id, before + 1)

    hand_back(staff, cid)
    reply, back = telegram_api.wait_for_messages(chat.chat_id, before + 2)[before:]
    assert reply["text"] == "💬 Sanne van de school:\nJa hoor, ik ben er. &lt;3"
    assert back["text"].startswith("Tekkie hier weer!")  # so the reply went out once
    (menu_again,) = chat.say("menu")
    assert menu_again["text"] == "Waar kan ik je mee helpen?"


def make_older(stack: Stack, sender: str, hours: float) -> None:
    """Move the conversation's events in Rasa's tracker store `hours` into the past."""
    sender_id = f"webchat:{sender}"
    if stack.settings.redis_url:
        client = redis.Redis.from_url(stack.settings.redis_url)
        key = f"{stack.settings.redis_key_prefix}:tracker:{sender_id}"
        stored = json.loads(client.get(key) or "{}")
        for event in stored["events"]:
            event["timestamp"] -= hours * 3600
        client.set(key, json.dumps(stored))
        client.close()
        return
    with closing(sqlite3.connect(stack.settings.rasa_tracker_db)) as connection, connection:
        rows = connection.execute(
            "SELECT id, data FROM events WHERE sender_id = ?", (sender_id,)
        ).fetchall()
        for row_id, data in rows:
            event = json.loads(data)
            event["timestamp"] -= hours * 3600
            connection.execute(
                "UPDATE events SET data = ?, timestamp = ? WHERE id = ?",
                (json.dumps(event), event["timestamp"], row_id),
            )


def test_tekkie_stays_quiet_when_the_prospect_writes_hours_later(stack: Stack, sender: str) -> None:
    """Rasa starts a new session after an hour without messages, which would end the pause."""
    stack.say(sender, text="hoi")
    stack.say(sender, payload="/talk_to_person")
    make_older(stack, sender, hours=3)
    assert stack.say(sender, text="hallo? is er nog iemand?") == []
    tracker = stack.tracker(sender)
    assert tracker["paused"] is True
    assert tracker["events"][-1]["text"] == "hallo? is er nog iemand?"
