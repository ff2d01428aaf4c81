"""Outbox senders that need no outside service: web chat inbox, staff log, Rasa tracker erasure."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import redis
import structlog
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot

from bot.db.models import OutboxMessage
from bot.db.repositories import webchat_inbox
from bot.outbox import Sender
from bot.settings import Settings
from integrations.telegram import TelegramSender
from integrations.whatsapp import WhatsAppSender

log = structlog.get_logger(__name__)


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
    return senders
