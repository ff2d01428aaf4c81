"""Outbox senders that need no outside service: web chat inbox, staff log, Rasa tracker erasure."""

from __future__ import annotations

import smtplib
import sqlite3
import ssl
from contextlib import closing
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import anyio
import redis
import structlog
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot

from bot.db.models import OutboxMessage
from bot.db.repositories import webchat_inbox
from bot.messages import OutboundMessage
from bot.outbox import Sender
from bot.settings import Settings
from integrations.telegram import TelegramSender, send_reply
from integrations.whatsapp import WhatsAppSender

log = structlog.get_logger(__name__)
# An e-mail to one staff member: the address is the message's recipient (not STAFF_EMAILS).
ACCOUNT_EMAIL_CHANNEL = "account_email"


class WebchatInboxSender:
    """Delivers to the web chat: the page fetches the message from its inbox."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def send(self, message: OutboxMessage) -> str | None:
        """Put the message in the visitor's inbox."""
        payload = {"text": message.payload.get("text", ""), "buttons": message.payload.get(
            "buttons", [])}  # fmt: skip
        with self._sessions.begin() as session:
            webchat_inbox.add_item(session, channel_user_id=message.recipient, payload=payload)
        return None


class LogStaffNotifier:
    """Staff notifications for the embedded default: the log and var/staff-notifications.log."""

    def __init__(self, log_file: Path) -> None:
        self._log_file = log_file

    def send(self, message: OutboxMessage) -> str | None:
        """Write the notification where staff (or the developer) can read it."""
        text = str(message.payload.get("text", ""))
        log.info("staff.notification", kind=message.kind, staff_id=message.recipient, text=text)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("a", encoding="utf-8") as file:
            file.write(f"--- {message.kind} (staff {message.recipient})\n{text}\n\n")
        return None


class StaffTelegramSender:
    """Staff notices in the school's staff Telegram group (through Tekkie's bot)."""

    def __init__(self, bot: Bot, chat_id: int) -> None:
        self._bot = bot
        self._chat_id = chat_id

    def send(self, message: OutboxMessage) -> str | None:
        """Post the notice in the group."""
        reply = OutboundMessage(text=str(message.payload.get("text", "")))
        return anyio.from_thread.run(send_reply, self._bot, str(self._chat_id), reply)


class StaffEmailSender:
    """Staff notices by e-mail (SMTP, STARTTLS and login when configured).

    STARTTLS checks the server's certificate and host name against the system's trusted
    authorities (SSL_CERT_FILE can name others): a password never goes to an impostor.
    """

    def __init__(self, settings: Settings, *, to_recipient: bool = False) -> None:
        self._settings = settings
        self._to_recipient = to_recipient

    def send(self, message: OutboxMessage) -> str | None:
        """Send the notice by e-mail; the first line of its text is the subject.

        It goes to every address in STAFF_EMAILS, or with `to_recipient` to the message's
        recipient (one staff member's own address).
        """
        settings = self._settings
        text = str(message.payload.get("text", ""))
        email = EmailMessage()
        email["Subject"] = f"Tekkie: {text.splitlines()[0] if text else message.kind}"
        email["From"] = settings.smtp_from
        email["To"] = message.recipient if self._to_recipient else ", ".join(settings.staff_emails)
        email["Message-ID"] = make_msgid(idstring=f"outbox-{message.id}")
        email.set_content(text)
        assert settings.smtp_host is not None  # only built when configured
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=20) as smtp:
            if settings.smtp_starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.smtp_username and settings.smtp_password is not None:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(email)
        return str(email["Message-ID"])


class TrackerEraser:
    """Removes a conversation from Rasa's tracker store (after the turn that asked for it)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def send(self, message: OutboxMessage) -> str | None:
        """Delete the conversation's events from Redis or from Rasa's SQLite file."""
        sender_id = message.recipient
        if self._settings.redis_url:
            client = redis.Redis.from_url(self._settings.redis_url)
            try:
                client.delete(f"{self._settings.redis_key_prefix}:tracker:{sender_id}")
            finally:
                client.close()
            return None
        database = self._settings.rasa_tracker_db
        if not database.exists():
            return None
        with closing(sqlite3.connect(database, timeout=15)) as connection, connection:
            try:
                connection.execute("DELETE FROM events WHERE sender_id = ?", (sender_id,))
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):  # Rasa has stored nothing yet
                    raise
        return None


def build_senders(
    settings: Settings, sessions: sessionmaker[Session], *, telegram_bot: Bot | None = None
) -> dict[str, Sender]:
    """The senders by outbox channel: the embedded default plus the configured channels."""
    senders: dict[str, Sender] = {
        "webchat": WebchatInboxSender(sessions),
        "staff": LogStaffNotifier(settings.runtime_dir.parent / "staff-notifications.log"),
        "system": TrackerEraser(settings),
    }
    if telegram_bot is not None:
        senders["telegram"] = TelegramSender(telegram_bot)
    if settings.whatsapp_enabled:
        senders["whatsapp"] = WhatsAppSender(settings, sessions)
    if telegram_bot is not None and settings.staff_telegram_chat_id is not None:
        senders["staff_telegram"] = StaffTelegramSender(
            telegram_bot, settings.staff_telegram_chat_id
        )
    if settings.smtp_host and settings.staff_emails:
        senders["staff_email"] = StaffEmailSender(settings)
    if settings.smtp_host:
        senders[ACCOUNT_EMAIL_CHANNEL] = StaffEmailSender(settings, to_recipient=True)
    return senders
