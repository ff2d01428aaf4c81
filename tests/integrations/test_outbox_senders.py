"""Which senders a deployment gets, by outbox channel."""

from integrations.outbox_senders import ACCOUNT_EMAIL_CHANNEL, build_senders


def test_the_own_address_channel_needs_only_a_mail_server(make_settings) -> None:  # type: ignore[no-untyped-def]
    with_server = build_senders(make_settings(smtp_host="mail.school.nl"), sessions=None)  # type: ignore[arg-type]
    assert ACCOUNT_EMAIL_CHANNEL in with_server
    assert "staff_email" not in with_server  # no STAFF_EMAILS: no team mail
    assert ACCOUNT_EMAIL_CHANNEL not in build_senders(make_settings(), sessions=None)  # type: ignore[arg-type]
