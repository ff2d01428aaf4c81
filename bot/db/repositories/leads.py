"""Repository functions for leads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Lead, LeadStatus, LeadStatusChange, utcnow


def find_lead(session: Session, *, channel: str, channel_user_id: str) -> Lead | None:
    """The lead of this channel user, if they consented before."""
    query = select(Lead).where(Lead.channel == channel, Lead.channel_user_id == channel_user_id)
    return session.scalars(query).first()


def get_lead(session: Session, *, lead_id: int) -> Lead:
    """The lead with this id; raises sqlalchemy.exc.NoResultFound when there is none."""
    return session.get_one(Lead, lead_id)


def find_lead_by_id(session: Session, *, lead_id: int) -> Lead | None:
    """The lead with this id; None when there is none (erased, or a mistyped link)."""
    return session.get(Lead, lead_id)


def stale_leads(session: Session, *, older_than: datetime) -> list[Lead]:
    """Every lead whose last activity was before `older_than` (due for the retention purge)."""
    return list(session.scalars(select(Lead).where(Lead.last_activity_at < older_than)))


def delete_lead(session: Session, *, lead: Lead) -> None:
    """Delete the lead and its status history, now (flushed).

    Delete the lead's bookings first (`bookings.erase_bookings_of`): they point at the lead.
    """
    session.delete(lead)
    session.flush()


def create_lead(
    session: Session,
    *,
    channel: str,
    channel_user_id: str,
    consent_version: str,
    language: str = "nl",
    consent_at: datetime | None = None,
    campaign: str | None = None,
) -> Lead:
    """Store a new lead at the moment of consent."""
    lead = Lead(
        channel=channel,
        channel_user_id=channel_user_id,
        consent_version=consent_version,
        consent_at=consent_at or utcnow(),
        language=language,
        campaign=campaign,
        status=LeadStatus.NEW,
    )
    lead.status_history.append(LeadStatusChange(status=LeadStatus.NEW))
    session.add(lead)
    session.flush()
    return lead


def touch_lead(session: Session, *, channel: str, channel_user_id: str) -> None:
    """Record activity on the lead (if there is one), for the retention purge."""
    lead = find_lead(session, channel=channel, channel_user_id=channel_user_id)
    if lead is not None:
        lead.last_activity_at = utcnow()


def set_status(lead: Lead, status: LeadStatus) -> None:
    """Move the lead to `status`, keeping the history."""
    if lead.status != status:
        lead.status = status
        lead.status_changed_at = utcnow()
        lead.status_history.append(LeadStatusChange(status=status))


def save_assessment(lead: Lead, *, answers: dict[str, str], result: dict[str, Any]) -> None:
    """Store the fit assessment's answers and result; a new lead becomes "assessed"."""
    lead.assessment_answers = dict(answers)
    lead.assessment_result = dict(result)
    if lead.status == LeadStatus.NEW:
        set_status(lead, LeadStatus.ASSESSED)


def save_support_needs(lead: Lead, *, needs: list[str]) -> None:
    """Store the needs from the money-and-support check."""
    lead.support_needs = list(needs)
