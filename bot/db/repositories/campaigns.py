"""Campaigns and their funnel numbers (keyword-only arguments, explicit session)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, String, cast, exists, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.db.models import Booking, Campaign, Conversation, Lead, LeadStatus

# The funnel's stages, in order; each is one attribute of `Funnel`.
STAGES = ("started", "consented", "assessed", "booked", "attended")


@dataclass(frozen=True)
class Funnel:
    """How far the prospects of one campaign came (counts of conversations and leads)."""

    started: int = 0  # conversations that began with the campaign's code
    consented: int = 0  # leads stored with the code (they said yes to being stored)
    assessed: int = 0  # of those, with an assessment result
    booked: int = 0  # of those, with a booking now or before (cancelled and moved count)
    attended: int = 0  # of those, marked as attended

    def count(self, stage: str) -> int:
        """The number at `stage` (one of STAGES)."""
        if stage not in STAGES:
            raise ValueError(f"unknown funnel stage {stage!r}")
        value: int = getattr(self, stage)
        return value

    def percent(self, stage: str) -> int | None:
        """`stage` as a percentage of the conversations started (half rounds up); None if none."""
        if not self.started:
            return None
        return (200 * self.count(stage) + self.started) // (2 * self.started)


def find_campaign(session: Session, *, code: str) -> Campaign | None:
    """The campaign with this code, if any."""
    return session.scalar(select(Campaign).where(Campaign.code == code))


def get_campaign(session: Session, *, campaign_id: int) -> Campaign | None:
    """The campaign with this id, if any."""
    return session.get(Campaign, campaign_id)


def add_campaign(session: Session, *, code: str, name: str, kind: str) -> Campaign:
    """Store a campaign as given (campaigns validate first); IntegrityError on a taken code."""
    campaign = Campaign(code=code, name=name, kind=kind)
    with session.begin_nested():
        session.add(campaign)
    return campaign


def list_campaigns(session: Session) -> list[Campaign]:
    """Every campaign, newest first."""
    query = select(Campaign).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    return list(session.scalars(query))


def funnels(session: Session, *, codes: Sequence[str]) -> dict[str, Funnel]:
    """The funnel of each campaign code (one query per stage; codes compare case-insensitively).

    A prospect may type a code in capitals in WhatsApp; campaign codes themselves are lowercase.
    """
    wanted = sorted({code.lower() for code in codes})
    if not wanted:
        return {}

    def per_code(column: InstrumentedAttribute[Any], *where: ColumnElement[bool]) -> dict[str, int]:
        code = func.lower(column)
        query = select(code, func.count()).where(code.in_(wanted), *where).group_by(code)
        return {str(found): int(number) for found, number in session.execute(query).all()}

    # SQL NULL, or a JSON null written when the attribute was set to None: not assessed.
    has_result = (
        Lead.assessment_result.is_not(None),
        cast(Lead.assessment_result, String) != "null",
    )
    counts = {
        "started": per_code(Conversation.campaign),
        "consented": per_code(Lead.campaign),
        "assessed": per_code(Lead.campaign, *has_result),
        "booked": per_code(Lead.campaign, exists().where(Booking.lead_id == Lead.id)),
        "attended": per_code(Lead.campaign, Lead.status == LeadStatus.ATTENDED),
    }
    return {
        code: Funnel(**{stage: counts[stage].get(code, 0) for stage in STAGES}) for code in wanted
    }
