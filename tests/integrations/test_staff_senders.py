"""Staff notices by e-mail (a real SMTP server on 127.0.0.1) and in a staff Telegram group."""

from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from typing import Any

import anyio
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from bot.db.models import OutboxMessage
from integrations.outbox_senders import StaffEmailSender, StaffTelegramSender
from integrations.telegram import make_bot
from tests.e2e.fakes import FakeTelegramApi
from tests.e2e.stack import free_port

NOTICE = "📅 Nieuwe intake gepland\n\nNaam: Fatima El Amrani\nContact: +31612345678"


class Inbox:
    """aiosmtpd handler that keeps every message it receives."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def notice(kind: str = "staff_booked") -> OutboxMessage:
    return OutboxMessage(id=7, kind=kind, audience="staff", channel="staff_email",
                         recipient="1", payload={"text": NOTICE})  # fmt: skip


def test_a_staff_notice_is_mailed_to_every_staff_address(
    smtp: tuple[Inbox, int], make_settings
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = make_settings(
        smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False, smtp_from="tekkie@school.nl",
        staff_emails=["intake@school.nl", "noor@school.nl"],
    )  # fmt: skip
    message_id = StaffEmailSender(settings).send(notice())
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "tekkie@school.nl"
    assert envelope.rcpt_tos == ["intake@school.nl", "noor@school.nl"]
    mail = message_from_bytes(envelope.original_content or b"")
    assert str(make_header(decode_header(mail["Subject"]))) == "Tekkie: 📅 Nieuwe intake gepland"
    assert mail["Message-ID"] == message_id
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "Naam: Fatima El Amrani" in body.decode()


def test_an_unreachable_mail_server_raises_so_the_outbox_retries(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=free_port(), staff_emails=["a@b.nl"])
    with pytest.raises(ConnectionRefusedError):
        StaffEmailSender(settings).send(notice())


def test_a_staff_notice_is_posted_in_the_staff_group(make_settings) -> None:  # type: ignore[no-untyped-def]
    with FakeTelegramApi().start() as api:
        settings = make_settings(
            telegram_bot_token=api.token, telegram_api_base_url=api.base_url,
            telegram_mode="polling", staff_telegram_chat_id=-1001234,
        )  # fmt: skip

        async def post() -> str | None:
            async with make_bot(settings) as bot:
                sender = StaffTelegramSender(bot, -1001234)
                return await anyio.to_thread.run_sync(sender.send, notice())

        sent_id = anyio.run(post)
        (posted,) = api.calls_of("sendMessage", -1001234)
    assert sent_id
    assert posted["text"].startswith("📅 Nieuwe intake gepland")
    assert "Contact: +31612345678" in posted["text"]
