"""Staff notices by e-mail, through a real SMTP server on 127.0.0.1."""

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes
from email.header import decode_header, make_header
from pathlib import Path
from typing import Any

import anyio
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import Envelope

from bot.db.models import OutboxMessage
from integrations.mail import StaffEmailSender
from integrations.outbox_senders import ACCOUNT_EMAIL_CHANNEL, build_senders
from tests.support.stack import free_port

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
    message_id = anyio.run(StaffEmailSender(settings).send, notice())
    (envelope,) = inbox.envelopes
    assert envelope.mail_from == "tekkie@school.nl"
    assert envelope.rcpt_tos == ["intake@school.nl", "noor@school.nl"]
    mail = message_from_bytes(envelope.original_content or b"")
    assert str(make_header(decode_header(mail["Subject"]))) == "Tekkie: 📅 Nieuwe intake gepland"
    assert mail["Message-ID"] == message_id
    body = mail.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "Naam: Fatima El Amrani" in body.decode()


@pytest.fixture
def certificate(tmp_path: Path) -> Path:
    """A self-signed certificate for 127.0.0.1 (its key next to it, as key.pem)."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command to make a certificate")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True,
    )  # fmt: skip
    return tmp_path / "cert.pem"


@pytest.fixture
def starttls_smtp(certificate: Path) -> Iterator[tuple[Inbox, int]]:
    """A mail server that insists on STARTTLS, with the self-signed certificate."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, certificate.with_name("key.pem"))
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True)  # fmt: skip
    controller.start()
    yield inbox, port
    controller.stop()


def test_starttls_refuses_a_server_whose_certificate_it_cannot_verify(
    starttls_smtp: tuple[Inbox, int], make_settings
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = starttls_smtp
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port, staff_emails=["a@school.nl"])
    with pytest.raises(ssl.SSLCertVerificationError):  # the outbox retries; nothing is sent
        anyio.run(StaffEmailSender(settings).send, notice())
    assert inbox.envelopes == []


def test_starttls_delivers_to_a_server_with_a_trusted_certificate(
    starttls_smtp: tuple[Inbox, int], certificate: Path, make_settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # type: ignore[no-untyped-def]  # fmt: skip
    inbox, port = starttls_smtp
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # as if a real authority signed it
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port, staff_emails=["a@school.nl"])
    anyio.run(StaffEmailSender(settings).send, notice())
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["a@school.nl"]


def test_a_notice_for_one_staff_member_goes_to_their_own_address_only(
    smtp: tuple[Inbox, int], make_settings
) -> None:  # type: ignore[no-untyped-def]
    inbox, port = smtp
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port, smtp_starttls=False,
                             staff_emails=["intake@school.nl"])  # fmt: skip
    sender = build_senders(settings, sessions=None)[ACCOUNT_EMAIL_CHANNEL]  # type: ignore[arg-type]
    text = "🔒 Je dashboard-account is geblokkeerd\n\nTekst"
    message = OutboxMessage(id=8, kind="staff_login_locked", audience="staff",
                            channel=ACCOUNT_EMAIL_CHANNEL, recipient="sanne@school.nl",
                            payload={"text": text})  # fmt: skip
    anyio.run(sender.send, message)
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["sanne@school.nl"]
    mail = message_from_bytes(envelope.original_content or b"")
    assert str(make_header(decode_header(mail["Subject"]))) == (
        "Tekkie: 🔒 Je dashboard-account is geblokkeerd"
    )


def test_an_unreachable_mail_server_raises_so_the_outbox_retries(make_settings) -> None:  # type: ignore[no-untyped-def]
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=free_port(), staff_emails=["a@b.nl"])
    with pytest.raises(ConnectionRefusedError):
        anyio.run(StaffEmailSender(settings).send, notice())
