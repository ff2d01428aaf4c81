"""Human handoff in the database: the request, staff notices, a staff reply and handing back."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import OutboxMessage
from bot.db.repositories import handoffs
from bot.db.repositories.conversations import find_conversation
from bot.db.repositories.leads import create_lead
from bot.intake.notices import staff_handoff_text
from bot.outbox import Notices
from bot.prospects import handoff
from tests.support.notices import NOTICES


def outbox(sessions: sessionmaker[Session], kind: str) -> list[OutboxMessage]:
    with sessions() as session:
        query = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
        return list(session.scalars(query))


def request(
    sessions: sessionmaker[Session], user: str = "u1", language: str = "nl",
    notices: Notices = NOTICES,
) -> bool:  # fmt: skip
    with sessions.begin() as session:
        return handoff.request_handoff(
            session, channel="webchat", channel_user_id=user, language=language, notices=notices
        )


def conversation_id(sessions: sessionmaker[Session], user: str = "u1") -> int:
    with sessions() as session:
        found = find_conversation(session, channel="webchat", channel_user_id=user)
        assert found is not None
        return found.id


def test_a_request_with_a_lead_names_them_and_links_the_dashboard(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        lead = create_lead(session, channel="webchat", channel_user_id="u1",
                           consent_version="v1", language="en", campaign="buurt-west")  # fmt: skip
        lead.display_name, lead.email = "Fatima El Amrani", "fatima@example.nl"
    assert request(sessions) is True
    (notice,) = outbox(sessions, "staff_handoff")
    text = notice.payload["text"]
    assert text.startswith("🙋 Iemand wil graag met een medewerker praten")
    for part in ("Naam: Fatima El Amrani", "fatima@example.nl", "Taal: Engels", "Kanaal: webchat",
                 "Campagne: buurt-west"):  # fmt: skip
        assert part in text
    assert text.endswith(f"/dashboard/handoffs/{conversation_id(sessions)}")
    assert (notice.audience, notice.channel, notice.recipient) == ("staff", "staff", "team")


def test_a_request_without_a_lead_tells_only_channel_and_language(
    sessions: sessionmaker[Session],
) -> None:
    assert request(sessions, language="nl") is True
    (notice,) = outbox(sessions, "staff_handoff")
    assert "Naam: onbekend" in notice.payload["text"]
    assert "Taal: Nederlands" in notice.payload["text"]
    assert "Contact" not in notice.payload["text"]


def test_asking_again_while_waiting_or_with_staff_notifies_nobody_again(
    sessions: sessionmaker[Session],
) -> None:
    assert request(sessions) is True
    assert request(sessions) is False
    with sessions.begin() as session:
        handoff.record_reply(session, conversation_id=conversation_id(sessions), account_id=1,
                             staff_name="Sanne", text="Hoi!", reply_id="first-reply")  # fmt: skip
    assert request(sessions) is False
    assert len(outbox(sessions, "staff_handoff")) == 1


def test_one_notice_per_staff_channel(sessions: sessionmaker[Session], make_settings: Any) -> None:
    settings = make_settings(
        telegram_bot_token="1:abc", telegram_mode="polling", staff_telegram_chat_id=-100,
        smtp_host="127.0.0.1", staff_emails=["intake@school.nl"],
    )  # fmt: skip
    request(sessions, notices=Notices.from_settings(settings))
    notices = outbox(sessions, "staff_handoff")
    assert sorted(n.channel for n in notices) == ["staff", "staff_email", "staff_telegram"]
    assert len({n.idempotency_key for n in notices}) == 3


def test_a_staff_reply_takes_the_conversation_and_goes_to_the_prospect_once(
    sessions: sessionmaker[Session],
) -> None:
    request(sessions, language="en")
    with sessions.begin() as session:
        find_conversation(session, channel="webchat", channel_user_id="u1").language = "en"  # type: ignore[union-attr]
    cid = conversation_id(sessions)
    for _ in range(2):  # the same form submitted twice
        with sessions.begin() as session:
            handoff.record_reply(session, conversation_id=cid, account_id=7, staff_name="Sanne",
                                 text="Hi, how can I help?", reply_id="abcdefgh")  # fmt: skip
    (reply,) = outbox(sessions, "staff_reply")
    assert (reply.audience, reply.channel, reply.recipient) == ("prospect", "webchat", "u1")
    assert reply.payload["text"] == "💬 Sanne from the school:\nHi, how can I help?"
    with sessions() as session:
        row = handoffs.handoff_row(session, conversation_id=cid)
        assert row is not None
        assert (row.conversation.handoff_status, row.conversation.handoff_account_id) == (
            "human",
            7,
        )


def test_handing_back_clears_the_state_and_tells_the_prospect(
    sessions: sessionmaker[Session],
) -> None:
    request(sessions)
    cid = conversation_id(sessions)
    with sessions() as session:
        conversation = handoffs.get_conversation(session, conversation_id=cid)
        assert conversation is not None
        note = handoff.release_note(conversation)
    assert note.startswith("Tekkie hier weer!")
    assert '"menu"' in note
    with sessions.begin() as session:
        assert handoff.release(session, conversation_id=cid, note=note) is not None
    with sessions.begin() as session:  # a second click changes nothing
        assert handoff.release(session, conversation_id=cid, note=note) is None
    (message,) = outbox(sessions, "handoff_released")
    assert (message.channel, message.recipient, message.payload["text"]) == ("webchat", "u1", note)
    with sessions() as session:
        assert handoffs.open_handoffs(session) == []
    assert request(sessions) is True  # asking again later is a new request
    assert len(outbox(sessions, "staff_handoff")) == 2


def test_the_inbox_lists_open_handoffs_oldest_first(sessions: sessionmaker[Session]) -> None:
    for user in ("first", "second", "third"):
        request(sessions, user)
    with sessions.begin() as session:
        handoff.release(session, conversation_id=conversation_id(sessions, "second"), note="x")
    with sessions() as session:
        rows = handoffs.open_handoffs(session)
        assert [r.conversation.channel_user_id for r in rows] == ["first", "third"]


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [("  hoi ", "hoi"), ("", None), ("   ", None), ("x" * 2000, "x" * 2000), ("x" * 2001, None)],
)
def test_replies_are_one_to_2000_characters(text: str, cleaned: str | None) -> None:
    assert handoff.clean_reply(text) == cleaned


def test_staff_handoff_text_without_language_says_unknown() -> None:
    text = staff_handoff_text(lead=None, channel="whatsapp", language=None, dashboard_url="u")
    assert "Taal: onbekend" in text
    assert "Kanaal: whatsapp" in text
