"""Telegram and WhatsApp end to end: webhooks in, the real stack, replies at the local APIs."""

from __future__ import annotations

import secrets
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bot import outbox
from bot.db.engine import make_engine
from bot.db.models import Conversation, InboundDelivery, Lead, OutboxMessage, utcnow
from tests.support.fakes import (
    TELEGRAM_SECRET,
    FakeTelegramApi,
    FakeTwilioApi,
    telegram_button,
    telegram_media,
    telegram_text,
    twilio_message,
    twilio_signature,
)
from tests.support.stack import Stack
from tests.support.waits import wait_until_settled


@pytest.fixture
def db(stack: Stack) -> Iterator[Engine]:
    engine = make_engine(stack.settings.database_url)
    yield engine
    engine.dispose()


def wait_for_turn(engine: Engine, channel: str, external_id: str, timeout: float = 30) -> None:
    """Wait until the message was handled and every reply to it was sent to the channel."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with Session(engine) as session:
            item = session.scalars(
                select(InboundDelivery).where(
                    InboundDelivery.channel == channel, InboundDelivery.external_id == external_id
                )
            ).first()
            if item is not None and item.status == "done":
                replies = session.scalars(
                    select(OutboxMessage.status).where(
                        OutboxMessage.idempotency_key.like(f"reply:{item.id}:%")
                    )
                ).all()
                if replies and all(status == "sent" for status in replies):
                    return
        time.sleep(0.05)
    raise AssertionError(f"{channel} message {external_id} was not answered in {timeout} s")


def lead_of(engine: Engine, channel: str, user: str) -> Lead | None:
    with Session(engine) as session:
        return session.scalars(
            select(Lead).where(Lead.channel == channel, Lead.channel_user_id == user)
        ).first()


def stored_inbound(engine: Engine, channel: str, user: str) -> int:
    with Session(engine) as session:
        return session.scalar(
            select(func.count()).select_from(InboundDelivery).where(
                InboundDelivery.channel == channel, InboundDelivery.channel_user_id == user
            )
        ) or 0  # fmt: skip


class TelegramChat:
    """One prospect on Telegram: posts updates to the webhook, reads what the bot sent."""

    def __init__(self, stack: Stack, api: FakeTelegramApi, db: Engine) -> None:
        self.stack, self.api, self.db = stack, api, db
        self.chat_id = 10_000_000 + secrets.randbelow(10**9)
        self.update_id = secrets.randbelow(10**8)

    def post(self, update: dict[str, Any], secret: str = TELEGRAM_SECRET) -> httpx.Response:
        return self.stack.client.post(
            f"{self.stack.app_url}/webhooks/telegram", json=update,
            headers={"X-Telegram-Bot-Api-Secret-Token": secret},
        )  # fmt: skip

    def next_id(self) -> int:
        self.update_id += 1
        return self.update_id

    def received(self) -> list[dict[str, Any]]:
        return self.api.calls_of("sendMessage", self.chat_id)

    def send(self, update: dict[str, Any]) -> list[dict[str, Any]]:
        """Post an update; return the messages Tekkie sent in reply."""
        before = len(self.received())
        assert self.post(update).status_code == 200
        wait_for_turn(self.db, "telegram", str(update["update_id"]))
        return self.received()[before:]

    def say(self, text: str) -> list[dict[str, Any]]:
        return self.send(telegram_text(self.next_id(), self.chat_id, text))

    def press(self, message: dict[str, Any], title: str) -> list[dict[str, Any]]:
        data = next(data for text, data in buttons(message) if text.startswith(title))
        return self.send(telegram_button(self.next_id(), self.chat_id, data))


def buttons(message: dict[str, Any]) -> list[tuple[str, str]]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [(b["text"], b["callback_data"]) for row in rows for b in row]


def test_telegram_from_first_message_to_a_booked_intake(
    stack: Stack, telegram_api: FakeTelegramApi, db: Engine
) -> None:
    chat = TelegramChat(stack, telegram_api, db)
    # The booking confirmation comes through the outbox and may arrive between replies.
    greeting, menu = chat.say("/start buurt-west")[-2:]
    assert greeting["text"].startswith("Hoi! 👋 Ik ben Tekkie")
    assert greeting["parse_mode"] == "HTML"
    assert all(len(data.encode()) <= 64 for _, data in buttons(menu))

    consent = chat.press(menu, "📅 Intake afspreken")[-1]
    assert consent["text"].startswith("Voor een afspraak bewaren we")
    mode = chat.press(consent, "Ja, dat is goed")[-1]
    offer = chat.press(mode, "💻 Online")[-1]
    assert offer["text"].startswith("Dit zijn de eerste vrije tijden")
    name = chat.press(offer, buttons(offer)[0][0])[-1]
    assert name["text"].startswith("Wat is je naam? Is het Fatima?")
    booked = chat.press(name, "Fatima")  # (the confirmation may arrive in between)
    assert any(m["text"].startswith("Gelukt, Fatima! 🎉") for m in booked)
    assert len(telegram_api.calls_of("answerCallbackQuery")) >= 5  # every press acknowledged

    lead = lead_of(db, "telegram", str(chat.chat_id))
    assert lead is not None
    assert (lead.status, lead.campaign, lead.display_name) == ("booked", "buurt-west", "Fatima")
    deadline = time.monotonic() + 20
    while not any("/calendar/" in m["text"] for m in chat.received()):
        assert time.monotonic() < deadline, "no confirmation with a calendar link"
        time.sleep(0.2)


def test_telegram_redelivery_is_answered_once_and_a_wrong_secret_stores_nothing(
    stack: Stack, telegram_api: FakeTelegramApi, db: Engine
) -> None:
    chat = TelegramChat(stack, telegram_api, db)
    update = telegram_text(chat.next_id(), chat.chat_id, "hoi")
    replies = chat.send(update)
    assert [chat.post(update).status_code for _ in range(2)] == [200, 200]
    # Counted once the database shows the chat settled: a redelivery stored again would be
    # handled (and answered) before this returns.
    wait_until_settled(db, channel="telegram", channel_user_id=str(chat.chat_id),
                       external_ids=[str(update["update_id"])])  # fmt: skip
    assert len(chat.received()) == len(replies) == 2
    assert stored_inbound(db, "telegram", str(chat.chat_id)) == 1

    intruder = TelegramChat(stack, telegram_api, db)
    forged = telegram_text(intruder.next_id(), intruder.chat_id, "hoi")
    assert intruder.post(forged, secret="wrong-secret-0123456789").status_code == 403
    assert intruder.post(forged, secret="").status_code == 403
    wait_until_settled(db, channel="telegram", channel_user_id=str(intruder.chat_id))
    assert stored_inbound(db, "telegram", str(intruder.chat_id)) == 0
    assert intruder.received() == []


def test_telegram_voice_notes_and_old_buttons_get_a_clear_answer(
    stack: Stack, telegram_api: FakeTelegramApi, db: Engine
) -> None:
    chat = TelegramChat(stack, telegram_api, db)
    chat.say("hoi")
    (voice,) = chat.send(telegram_media(chat.next_id(), chat.chat_id, "voice"))
    assert voice["text"].startswith("Ik kan alleen tekst lezen")
    (sticker,) = chat.send(telegram_media(chat.next_id(), chat.chat_id, "sticker"))
    assert sticker["text"] == voice["text"]
    (stale,) = chat.send(telegram_button(chat.next_id(), chat.chat_id, "b" + "0" * 24))
    assert stale["text"].startswith("Die knop werkt niet meer")


class WhatsAppChat:
    """One prospect on WhatsApp: signed webhook posts, messages read at the Twilio stand-in."""

    def __init__(self, stack: Stack, api: FakeTwilioApi, db: Engine) -> None:
        self.stack, self.api, self.db = stack, api, db
        self.number = "+3161" + f"{secrets.randbelow(10**7):07d}"  # a valid Dutch mobile number

    def post(self, form: dict[str, str], *, path: str = "/webhooks/whatsapp",
             signature: str | None = None) -> httpx.Response:  # fmt: skip
        url = f"{self.stack.app_url}{path}"
        sign = (
            signature if signature is not None else twilio_signature(self.api.auth_token, url, form)
        )
        return self.stack.client.post(url, data=form, headers={"X-Twilio-Signature": sign})

    def send(self, form: dict[str, str]) -> list[dict[str, str]]:
        before = len(self.api.messages_to(self.number))
        response = self.post(form)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/xml")
        wait_for_turn(self.db, "whatsapp", form["MessageSid"])
        return self.api.messages_to(self.number)[before:]

    def say(self, body: str, **extra: str) -> list[str]:
        sid = "SM" + secrets.token_hex(16)
        return [m["Body"] for m in self.send(twilio_message(sid, self.number, body, **extra))]


def test_whatsapp_from_first_message_to_a_booked_intake_with_numbered_options(
    stack: Stack, twilio_api: FakeTwilioApi, db: Engine
) -> None:
    chat = WhatsAppChat(stack, twilio_api, db)
    greeting, menu = chat.say("Hoi Tekkie! (code: BUURT-WEST)")
    assert greeting.startswith("Hoi! 👋 Ik ben Tekkie")
    assert "\n4. 📅 Intake afspreken" in menu
    (consent,) = chat.say("4")
    assert consent.endswith("1. Ja, dat is goed\n2. Nee, liever niet")
    (mode,) = chat.say("1")
    assert mode.startswith("Wil je de intake online")
    (offer,) = chat.say("online")  # an option's words work too
    assert offer.startswith("Dit zijn de eerste vrije tijden")
    (name,) = chat.say("1")
    assert name.startswith("Wat is je naam? Is het Fatima?")
    booked = chat.say("Fatima El Amrani")
    assert any(m.startswith("Gelukt, Fatima El Amrani! 🎉") for m in booked)

    lead = lead_of(db, "whatsapp", chat.number)
    assert lead is not None
    assert (lead.status, lead.campaign, lead.phone_e164) == ("booked", "buurt-west", chat.number)
    assert all(m["From"] == "whatsapp:+14155238886" for m in twilio_api.messages_to(chat.number))


def test_whatsapp_redelivery_signature_media_and_status_callbacks(
    stack: Stack, twilio_api: FakeTwilioApi, db: Engine
) -> None:
    chat = WhatsAppChat(stack, twilio_api, db)
    form = twilio_message("SM" + secrets.token_hex(16), chat.number, "hello")
    replies = chat.send(form)
    assert [chat.post(form).status_code for _ in range(2)] == [200, 200]
    wait_until_settled(db, channel="whatsapp", channel_user_id=chat.number,
                       external_ids=[form["MessageSid"]])  # fmt: skip
    assert len(twilio_api.messages_to(chat.number)) == len(replies) == 2
    assert replies[0]["Body"].startswith("Hi! 👋 I'm Tekkie")

    forged = twilio_message("SM" + secrets.token_hex(16), chat.number, "hoi")
    assert chat.post(forged, signature="bm90IGEgc2lnbmF0dXJl").status_code == 403
    signed_original = twilio_signature(
        twilio_api.auth_token, f"{stack.app_url}/webhooks/whatsapp", forged
    )
    tampered = chat.post({**forged, "Body": "changed"}, signature=signed_original)
    assert tampered.status_code == 403
    assert stored_inbound(db, "whatsapp", chat.number) == 1

    (voice,) = chat.say("", NumMedia="1", MediaContentType0="audio/ogg",
                        MediaUrl0="https://api.twilio.com/media/ME1")  # fmt: skip
    assert voice.startswith("I can only read text")

    sent = replies[0]["Sid"]
    delivered = {"MessageSid": sent, "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert chat.post(delivered, path="/webhooks/whatsapp/status").status_code == 200
    failed_sid = replies[1]["Sid"]
    failed = {"MessageSid": failed_sid, "MessageStatus": "undelivered", "ErrorCode": "63016"}
    assert chat.post(failed, path="/webhooks/whatsapp/status").status_code == 200
    with Session(db) as session:
        query = select(OutboxMessage).where(OutboxMessage.external_id.in_([sent, failed_sid]))
        rows = {m.external_id: m for m in session.scalars(query)}
        assert rows[sent].delivery_status == "delivered"
        assert (rows[failed_sid].status, rows[failed_sid].delivery_status) == (
            "failed",
            "undelivered",
        )
        assert "63016" in str(rows[failed_sid].last_error)


def test_whatsapp_reminder_outside_the_24_hour_window_is_marked_unsendable(
    stack: Stack, twilio_api: FakeTwilioApi, db: Engine
) -> None:
    chat = WhatsAppChat(stack, twilio_api, db)
    chat.say("hoi")
    with Session(db) as session, session.begin():
        session.execute(
            update(Conversation)
            .where(Conversation.channel == "whatsapp", Conversation.channel_user_id == chat.number)
            .values(last_inbound_at=utcnow() - timedelta(hours=25))
        )
        reminder = outbox.enqueue(
            session, key=f"test-reminder:{chat.number}", kind="reminder_24h",
            audience="prospect", channel="whatsapp", recipient=chat.number,
            payload={"text": "Morgen is je intake."},
        )  # fmt: skip
        reminder_id = reminder.id
    sent_before = len(twilio_api.messages_to(chat.number))
    deadline = time.monotonic() + 20
    while True:
        with Session(db) as session:
            status = session.get_one(OutboxMessage, reminder_id).status
        if status != "pending":
            break
        assert time.monotonic() < deadline, "the reminder was never tried"
        time.sleep(0.2)
    assert status == "unsendable"
    assert len(twilio_api.messages_to(chat.number)) == sent_before
