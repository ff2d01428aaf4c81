"""Intake scheduling: staff, weekly availability, days off, slots and bookings."""

from __future__ import annotations

import secrets
from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base, UtcDateTime, utcnow


class SlotMode(StrEnum):
    """How an intake takes place."""

    ONLINE = "online"
    LOCATION = "location"


class BookingStatus(StrEnum):
    """A booking's state; only one active booking per lead."""

    ACTIVE = "active"
    CANCELLED = "cancelled"
    RESCHEDULED = "rescheduled"


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class StaffMember(Base):
    """Someone at the school who holds intakes."""

    __tablename__ = "staff_members"
    __table_args__ = (UniqueConstraint("calendar_token", name="uq_staff_calendar_token"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Secret part of the staff member's calendar feed (/calendar/staff/{token}.ics).
    calendar_token: Mapped[str] = mapped_column(String(64), default=_calendar_token)


class Availability(Base):
    """A weekly window in which a staff member holds intakes (Amsterdam local time)."""

    __tablename__ = "availabilities"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="ck_availability_weekday"),
        CheckConstraint("start_time < end_time", name="ck_availability_window"),
        CheckConstraint("slot_minutes > 0 AND capacity > 0", name="ck_availability_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=30)
    mode: Mapped[str] = mapped_column(String(16), default=SlotMode.ONLINE)
    location: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=1)


class AvailabilityException(Base):
    """Days off (holidays) for one staff member, or for everybody when staff_id is empty."""

    __tablename__ = "availability_exceptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))


class IntakeSlot(Base):
    """One bookable intake time; `booked` never exceeds `capacity`."""

    __tablename__ = "intake_slots"
    __table_args__ = (
        UniqueConstraint("staff_id", "starts_at", name="uq_slot_staff_start"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="ck_slot_seats"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_members.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UtcDateTime)
    mode: Mapped[str] = mapped_column(String(16))
    location: Mapped[str | None] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    cancelled: Mapped[bool] = mapped_column(Boolean, default=False)

    staff: Mapped[StaffMember] = relationship()


class Booking(Base):
    """A lead's intake in a slot, with its history."""

    __tablename__ = "bookings"
    __table_args__ = (
        Index(
            "uq_booking_one_active_per_lead",
            "lead_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        UniqueConstraint("calendar_token", name="uq_booking_calendar_token"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("intake_slots.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    # Secret part of the booking's .ics link (/calendar/{token}.ics).
    calendar_token: Mapped[str] = mapped_column(String(64), default=_calendar_token)

    slot: Mapped[IntakeSlot] = relationship()
    events: Mapped[list[BookingEvent]] = relationship(
        cascade="all, delete-orphan", order_by="BookingEvent.id"
    )


class BookingEvent(Base):
    """One step in a booking's history (booked, cancelled, rescheduled)."""

    __tablename__ = "booking_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
