"""Erasure and the retention purge, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from bot.cli.main import app
from bot.db.models import Booking, IntakeSlot, Lead, OutboxMessage, StaffMember
from bot.db.repositories.leads import create_lead
from bot.intake import booking as service
from bot.prospects import privacy
from bot.settings import get_settings
from tests.support.notices import NOTICES


def booked_lead(session: Session, user: str) -> tuple[Lead, int]:
    staff = StaffMember(name="Noor")
    session.add(staff)
    session.flush()
    start = datetime.now(UTC) + timedelta(days=2)
    slot = IntakeSlot(
        staff_id=staff.id,
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        mode="online",
        capacity=1,
    )
    session.add(slot)
    session.flush()
    lead = create_lead(session, channel="webchat", channel_user_id=user, consent_version="v1")
    lead.display_name, lead.email = "Noor Yilmaz", "noor@example.nl"
    service.book(session, lead=lead, slot_id=slot.id, notices=NOTICES)
    return lead, slot.id


def test_erasure_removes_the_lead_frees_the_seat_and_tells_staff_without_names(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        _, slot_id = booked_lead(session, "u1")
    with sessions.begin() as session:
        assert privacy.summary_lines(session, channel="webchat", channel_user_id="u1")
        existed = privacy.erase_person(
            session,
            channel="webchat",
            channel_user_id="u1",
            rasa_sender_id="webchat:u1",
            notices=NOTICES,
        )
    assert existed
    with sessions() as session:
        assert session.scalars(select(Lead)).all() == []
        assert session.scalars(select(Booking)).all() == []
        assert session.get_one(IntakeSlot, slot_id).booked == 0
        messages = session.scalars(select(OutboxMessage)).all()
        to_prospect = [m for m in messages if m.audience == "prospect"]
        assert {m.status for m in to_prospect} == {"cancelled"}
        assert all("Noor" not in str(m.payload) for m in messages)
        staff = [m for m in messages if m.audience == "staff"]
        assert {m.status for m in staff} == {"cancelled"}  # never told of it: nothing to say
        assert any(m.kind == "erase_tracker" and m.recipient == "webchat:u1" for m in messages)
        assert privacy.summary_lines(session, channel="webchat", channel_user_id="u1") is None


def test_staff_who_were_told_of_the_booking_hear_of_the_erasure_once_without_names(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        booked_lead(session, "u2")
        for notice in session.scalars(
            select(OutboxMessage).where(OutboxMessage.audience == "staff")
        ):
            notice.status = "sent"
    with sessions.begin() as session:
        privacy.erase_person(
            session,
            channel="webchat",
            channel_user_id="u2",
            rasa_sender_id="webchat:u2",
            notices=NOTICES,
        )
    with sessions() as session:
        pending = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.audience == "staff", OutboxMessage.status == "pending"
            )
        ).all()
        assert [m.kind for m in pending] == ["staff_erased"]
        assert "Intake geannuleerd" in pending[0].payload["text"]
        assert "Noor" not in str(pending[0].payload)


def test_purge_erases_only_inactive_leads(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        old, _ = booked_lead(session, "old")
        old.last_activity_at = datetime.now(UTC) - timedelta(days=400)
        create_lead(session, channel="webchat", channel_user_id="recent", consent_version="v1")
    with sessions.begin() as session:
        erased = privacy.purge_inactive(
            session, older_than=datetime.now(UTC) - timedelta(days=365), notices=NOTICES
        )
    assert erased == 1
    with sessions() as session:
        assert [lead.channel_user_id for lead in session.scalars(select(Lead))] == ["recent"]


def test_purge_command(
    database_url: str, sessions: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    with sessions.begin() as session:
        lead = create_lead(session, channel="webchat", channel_user_id="x", consent_version="v1")
        lead.last_activity_at = datetime.now(UTC) - timedelta(days=40)
    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["privacy", "purge", "--days", "30"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "Erased 1 lead(s)" in result.output


def test_staff_notices_sent_before_the_erasure_keep_no_name_either(
    sessions: sessionmaker[Session],
) -> None:
    from bot.prospects import handoff

    with sessions.begin() as session:
        booked_lead(session, "u9")
        handoff.request_handoff(
            session, channel="webchat", channel_user_id="u9", language="nl", notices=NOTICES
        )
        for notice in session.scalars(select(OutboxMessage)):
            notice.status = "sent"  # staff have read the booking and the handoff notices
    with sessions.begin() as session:
        privacy.erase_person(
            session,
            channel="webchat",
            channel_user_id="u9",
            rasa_sender_id="webchat:u9",
            notices=NOTICES,
        )
    with sessions() as session:
        staff = session.scalars(select(OutboxMessage).where(OutboxMessage.audience == "staff"))
        kinds = {m.kind: m for m in staff}
    assert {"staff_booked", "staff_handoff", "staff_erased"} <= set(kinds)
    assert all("Noor" not in str(m.payload) for m in kinds.values())
    assert all("noor@example.nl" not in str(m.payload) for m in kinds.values())
    assert kinds["staff_erased"].status == "pending"  # staff still hear, without the name
