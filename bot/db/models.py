"""SQLAlchemy 2 models of Tekkie's own database (the shared leads database)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now in UTC, the only time Tekkie stores."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """Base class of all models; Alembic reads its metadata."""


class Conversation(Base):
    """One prospect's conversation on one channel, with what the app must remember between turns."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "channel_user_id", name="uq_conversation_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    # Button payloads Tekkie offered most recently; only these may come back as payloads.
    offered_payloads: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )
