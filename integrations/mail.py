"""E-mail through SMTP: staff notices and notices to one staff member's own address."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from bot.db.models import OutboxMessage
from bot.outbox import BlockingSender
from bot.settings import Settings


class StaffEmailSender(BlockingSender):
    """Staff notices by e-mail (SMTP, STARTTLS and login when configured).

    STARTTLS checks the server's certificate and host name against the system's trusted
    authorities (SSL_CERT_FILE can name others): a password never goes to an impostor.
    """

    def __init__(self, settings: Settings, *, to_recipient: bool = False) -> None:
        self._settings = settings
        self._to_recipient = to_recipient

    def send_blocking(self, message: OutboxMessage) -> str | None:
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
