"""Leads: prospects who consented to being stored, with their answers and status history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base, UtcDateTime, utcnow


class LeadStatus(StrEnum):
    """Where a lead is in the school's funnel."""

    NEW = "new"
    ASSESSED = "assessed"
    BOOKED = "booked"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    WITHDRAWN = "withdrawn"


class Lead(Base):
    """A prospect on one channel, stored from the moment they consented."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id", name="uq_lead_channel_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str | None] = mapped_column(String(120))
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="nl")
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    consent_version: Mapped[str] = mapped_column(String(32))
    campaign: Mapped[str | None] = mapped_column(String(64))
    assessment_answers: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    assessment_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    support_needs: Mapped[list[str] | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(16), default=LeadStatus.NEW)
    status_changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)

    status_history: Mapped[list[LeadStatusChange]] = relationship(
        cascade="all, delete-orphan", order_by="LeadStatusChange.id"
    )


class LeadStatusChange(Base):
    """One step in a lead's status history."""

    __tablename__ = "lead_status_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
