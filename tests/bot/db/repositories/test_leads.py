from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import Lead, LeadStatus, LeadStatusChange, utcnow
from bot.db.repositories import leads as repo


def _lead(session: Session, user: str, *, days_idle: int = 0) -> Lead:
    lead = repo.create_lead(session, channel="webchat", channel_user_id=user, consent_version="v1")
    lead.last_activity_at = utcnow() - timedelta(days=days_idle)
    session.flush()
    return lead


def test_find_lead_by_id(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        lead_id = _lead(session, "u1").id
    with sessions() as session:
        found = repo.find_lead_by_id(session, lead_id=lead_id)
        assert found is not None
        assert found.channel_user_id == "u1"
        assert repo.find_lead_by_id(session, lead_id=lead_id + 1) is None


def test_stale_leads_are_those_idle_since_before(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        _lead(session, "idle", days_idle=400)
        _lead(session, "active", days_idle=10)
    with sessions() as session:
        stale = repo.stale_leads(session, older_than=utcnow() - timedelta(days=365))
        assert [lead.channel_user_id for lead in stale] == ["idle"]


def test_delete_lead_takes_its_history(sessions: sessionmaker[Session]) -> None:
    with sessions.begin() as session:
        gone, kept = _lead(session, "gone"), _lead(session, "kept")
        repo.set_status(gone, LeadStatus.ASSESSED)
        kept_id = kept.id
    with sessions.begin() as session:
        lead = repo.find_lead(session, channel="webchat", channel_user_id="gone")
        assert lead is not None
        repo.delete_lead(session, lead=lead)
    with sessions() as session:
        assert list(session.scalars(select(Lead.id))) == [kept_id]
        assert set(session.scalars(select(LeadStatusChange.lead_id))) == {kept_id}
