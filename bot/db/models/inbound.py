"""Messages from Telegram and WhatsApp, stored before they are processed (each exactly once)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, UtcDateTime, utcnow


class InboundStatus(StrEnum):
    """Where an inbound message is."""

    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class InboundDelivery(Base):
    """One delivery from a channel; (channel, external_id) makes redeliveries harmless."""

    __tablename__ = "inbound_messages"
    __table_args__ = (
        UniqueConstraint("channel", "external_id", name="uq_inbound_external_id"),
        Index("ix_inbound_due", "status", "next_attempt_at"),
        Index("ix_inbound_conversation", "channel", "channel_user_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(128))  # update_id or MessageSid
    message: Mapped[dict[str, Any]] = mapped_column(JSON)  # bot.messages.InboundMessage fields
    status: Mapped[str] = mapped_column(String(16), default=InboundStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
