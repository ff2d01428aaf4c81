"""Base class, UTC datetime type, and the conversation and web-chat inbox tables."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, Integer, String, TypeDecorator, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now in UTC, the only time Tekkie stores."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out, on PostgreSQL and on SQLite alike.

    SQLite keeps no time zone, so values are normalised to UTC before storing and marked
    as UTC when read. Naive datetimes are refused: they are always a bug here.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        """Store as UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Read as aware UTC."""
        if value is None:
            return None
        result: datetime = value
        return result.replace(tzinfo=UTC) if result.tzinfo is None else result.astimezone(UTC)


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
    # The buttons of Tekkie's latest turn as [title, payload], in order: on WhatsApp without
    # templates they are numbered options, chosen by typing "1", "2" or the option's words.
    last_buttons: Mapped[list[list[str]] | None] = mapped_column(JSON)
    # The language of the prospect's latest text (for replies made without Rasa).
    language: Mapped[str | None] = mapped_column(String(2))
    # The campaign the prospect came from (Telegram deep link, code in a WhatsApp message).
    campaign: Mapped[str | None] = mapped_column(String(64))
    # The prospect's last message (WhatsApp allows free-form replies for 24 hours after it).
    last_inbound_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Human handoff: None (Tekkie answers), "waiting" (asked for a person) or "human"
    # (a staff member has it). Tekkie stays silent until staff hand it back.
    handoff_status: Mapped[str | None] = mapped_column(String(16))
    handoff_requested_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    handoff_account_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class WebchatInboxItem(Base):
    """A message Tekkie sends to a web chat visitor outside a reply (confirmations, reminders).

    The web page fetches these with GET /api/webchat/messages.
    """

    __tablename__ = "webchat_inbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel_user_id: Mapped[str] = mapped_column(String(128), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
