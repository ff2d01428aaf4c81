"""Read-side queries of the staff dashboard: intakes in a period, lead search, one lead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session, selectinload

from bot.db.models import Booking, BookingStatus, Conversation, IntakeSlot, Lead
from bot.settings import SCHOOL_TZ


@dataclass(frozen=True)
class Intake:
    """An active booking with its slot and lead, for the intake lists."""

    booking: Booking
    slot: IntakeSlot
    lead: Lead


@dataclass(frozen=True)
class LeadFilters:
    """What staff filter the lead list by; empty fields do not filter."""

    q: str = ""
    status: str = ""
    track: str = ""
    channel: str = ""
    campaign: str = ""
    language: str = ""
    created_from: date | None = None
    created_to: date | None = None


def local_day_start(day: date) -> datetime:
    """Midnight at the start of `day` in Amsterdam, as an aware datetime."""
    return datetime.combine(day, time(0), tzinfo=SCHOOL_TZ)


def intakes_between(
    session: Session, *, start: datetime, end: datetime, staff_member_id: int | None = None
) -> list[Intake]:
    """Active intakes starting in [start, end), earliest first, optionally of one staff member."""
    query = (
        select(Booking, IntakeSlot, Lead)
        .join(IntakeSlot, Booking.slot_id == IntakeSlot.id)
        .join(Lead, Booking.lead_id == Lead.id)
        .where(Booking.status == BookingStatus.ACTIVE)
        .where(IntakeSlot.starts_at >= start, IntakeSlot.starts_at < end)
        .order_by(IntakeSlot.starts_at, Booking.id)
        .options(selectinload(IntakeSlot.staff))
    )
    if staff_member_id is not None:
        query = query.where(IntakeSlot.staff_id == staff_member_id)
    return [Intake(b, s, lead) for b, s, lead in session.execute(query).all()]


def _filtered(filters: LeadFilters) -> Select[Lead]:
    query = select(Lead)
    if q := filters.q.strip().lower():
        like = f"%{q}%"
        query = query.where(
            or_(
                func.lower(Lead.display_name).like(like),
                func.lower(Lead.email).like(like),
                Lead.phone_e164.like(like),
                Lead.channel_user_id.like(like),
            )
        )
    for column, value in (
        (Lead.status, filters.status), (Lead.channel, filters.channel),
        (Lead.campaign, filters.campaign), (Lead.language, filters.language),
    ):  # fmt: skip
        if value:
            query = query.where(column == value)
    if filters.track:
        # The advised track lives in the JSON result; a text match works on SQLite and PostgreSQL.
        query = query.where(
            cast(Lead.assessment_result, String).like(f'%"track": "{filters.track}"%')
        )
    if filters.created_from:
        query = query.where(Lead.created_at >= local_day_start(filters.created_from))
    if filters.created_to:
        end = local_day_start(filters.created_to + timedelta(days=1))
        query = query.where(Lead.created_at < end)
    return query


def search_leads(session: Session, *, filters: LeadFilters, limit: int | None = 500) -> list[Lead]:
    """Leads matching the filters, newest first."""
    query = _filtered(filters).order_by(Lead.created_at.desc(), Lead.id.desc())
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def filter_choices(session: Session) -> dict[str, list[str]]:
    """The values that occur, for the filter drop-downs."""

    def distinct(column: object) -> list[str]:
        values = session.scalars(select(column).distinct())  # type: ignore[call-overload]
        return sorted(str(v) for v in values if v)

    return {"channel": distinct(Lead.channel), "campaign": distinct(Lead.campaign)}


def get_lead(session: Session, *, lead_id: int) -> Lead | None:
    """One lead with its status history."""
    return session.get(Lead, lead_id, options=[selectinload(Lead.status_history)])


def lead_bookings(session: Session, *, lead_id: int) -> list[Booking]:
    """All bookings of a lead, newest first, with slot and history."""
    query = (
        select(Booking)
        .where(Booking.lead_id == lead_id)
        .options(selectinload(Booking.slot).selectinload(IntakeSlot.staff))
        .options(selectinload(Booking.events))
        .order_by(Booking.id.desc())
    )
    return list(session.scalars(query))


def lead_conversation(session: Session, *, lead: Lead) -> Conversation | None:
    """The conversation a lead came from."""
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == lead.channel,
            Conversation.channel_user_id == lead.channel_user_id,
        )
    )
