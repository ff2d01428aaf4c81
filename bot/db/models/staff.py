"""The staff side: dashboard accounts and their sessions, failed logins, and campaigns."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.models.base import Base, UtcDateTime, utcnow
from bot.db.models.scheduling import StaffMember


class Role(StrEnum):
    """What a staff account may do; admins also manage staff and availability."""

    STAFF = "staff"
    ADMIN = "admin"


class StaffAccount(Base):
    """A login for the staff dashboard (password stored as an argon2 hash only)."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.STAFF)
    language: Mapped[str] = mapped_column(String(2), default="nl")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The intake staff member this login belongs to (for "my intakes"), if any.
    staff_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff_members.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime)

    staff_member: Mapped[StaffMember | None] = relationship()


class StaffSession(Base):
    """A logged-in browser; the cookie holds a random token, the table only its hash."""

    __tablename__ = "staff_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True
    )
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)

    account: Mapped[StaffAccount] = relationship()


class LoginFailure(Base):
    """Failed log-ins of one key ("email:<address>" or "client:<ip>"), and its lock-out.

    Failures count in a window of fifteen minutes. One row per key, changed only by atomic
    UPDATEs (see the staff repository): an attempt is counted before its password is checked,
    so parallel guesses cannot all get past the limit.
    """

    __tablename__ = "login_failures"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    # Attempts since `window_started_at` not (yet) known to have succeeded.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime)


class CampaignKind(StrEnum):
    """Where a campaign reaches people."""

    INFLUENCER = "influencer"
    LOCAL = "local"
    EVENT = "event"
    ONLINE_AD = "online_ad"


class Campaign(Base):
    """A recruitment campaign; its `code` travels in deep links and prefilled messages."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
