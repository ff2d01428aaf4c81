"""The outbox senders by channel (each lives with its outside party), and the staff log."""

from __future__ import annotations

from pathlib import Path

import structlog
from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot

from bot.db.models import OutboxMessage
from bot.outbox import BlockingSender, Sender
from bot.settings import Settings
from integrations.mail import StaffEmailSender
from integrations.rasa_tracker_store import TrackerEraser
from integrations.telegram import StaffTelegramSender, TelegramSender
from integrations.webchat import WebchatInboxSender
from integrations.whatsapp import WhatsAppSender

log = structlog.get_logger(__name__)
# An e-mail to one staff member: the address is the message's recipient (not STAFF_EMAILS).
ACCOUNT_EMAIL_CHANNEL = "account_email"


class LogStaffNotifier(BlockingSender):
    """Staff notifications for the embedded default: the log and var/staff-notifications.log."""

    def __init__(self, log_file: Path) -> None:
        self._log_file = log_file

    def send_blocking(self, message: OutboxMessage) -> str | None:
        """Write the notification where staff (or the developer) can read it."""
        text = str(message.payload.get("text", ""))
        log.info("staff.notification", kind=message.kind, staff_id=message.recipient, text=text)
        self._log_file.parent.mkdir(parents=True, exist_ok=True)
        with self._log_file.open("a", encoding="utf-8") as file:
            file.write(f"--- {message.kind} (staff {message.recipient})\n{text}\n\n")
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
