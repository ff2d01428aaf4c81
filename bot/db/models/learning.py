"""The learning loop's tables: questions Tekkie could not answer, feedback, content, models.

A prospect's own words live only in `unanswered_questions` (erased with the prospect); a
group keeps its title, counts and dates, which name no one. Content that staff write in the
dashboard is a versioned document (`content_versions`) next to the files in dialogues/; each
model built from it is a `model_builds` row, and the newest live one is what Rasa serves.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.models.base import Base, UtcDateTime, utcnow


class Reason(StrEnum):
    """Why a message counts as not answered well."""

    FALLBACK = "fallback"  # Tekkie said "I'm not sure"
    DECLINED = "declined"  # "Bedoel je ...?" answered with "Iets anders" / "nee"
    LOW_CONFIDENCE = "low_confidence"  # "Bedoel je ...?" was needed
    OTHER_LANGUAGE = "other_language"  # written in a language Tekkie does not speak
    THUMBS_DOWN = "thumbs_down"  # the prospect pressed 👎 after an answer


class GroupStatus(StrEnum):
    """Where a group of questions stands for staff."""

    OPEN = "open"
    ANSWERED = "answered"  # a new answer was written for it
    LINKED = "linked"  # its messages became examples of an existing answer
    DISMISSED = "dismissed"


class BuildStatus(StrEnum):
    """A model build's progress."""

    QUEUED = "queued"
    TRAINING = "training"
    LOADING = "loading"
    LIVE = "live"  # loaded into Rasa; the newest live build is what prospects get
    FAILED = "failed"


class QuestionGroup(Base):
    """Similar questions, counted: what staff see in "Vragen zonder antwoord"."""

    __tablename__ = "question_groups"
    __table_args__ = (Index("ix_question_groups_status_last", "status", "last_seen_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=GroupStatus.OPEN)
    count: Mapped[int] = mapped_column(Integer, default=0)
    reasons: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    answer_key: Mapped[str | None] = mapped_column(String(120))  # answered or linked to
    resolved_by: Mapped[str | None] = mapped_column(String(200))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class UnansweredQuestion(Base):
    """One message Tekkie could not answer well, with who asked it (erased with them)."""

    __tablename__ = "unanswered_questions"
    __table_args__ = (Index("ix_unanswered_person", "channel", "channel_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(
        ForeignKey("question_groups.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    channel_user_id: Mapped[str] = mapped_column(String(128))
    text: Mapped[str] = mapped_column(String(500))
    language: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(String(16))
    answer_key: Mapped[str | None] = mapped_column(String(120))  # the answer that got 👎
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    replied_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # staff answered them


class AnswerFeedback(Base):
    """👍 and 👎 per answer (counts only: who pressed them is not kept)."""

    __tablename__ = "answer_feedback"

    answer_key: Mapped[str] = mapped_column(String(120), primary_key=True)
    up: Mapped[int] = mapped_column(Integer, default=0)
    down: Mapped[int] = mapped_column(Integer, default=0)
    last_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ContentVersion(Base):
    """One version of the staff-written content: the whole document, who, when, what changed."""

    __tablename__ = "content_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)  # the version number
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    author: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300))
    diff: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ModelBuild(Base):
    """Training a model from one content version and loading it into Rasa."""

    __tablename__ = "model_builds"
    __table_args__ = (UniqueConstraint("running", name="uq_model_builds_running"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_version: Mapped[int] = mapped_column(Integer)  # 0: the files in dialogues/ only
    status: Mapped[str] = mapped_column(String(16), default=BuildStatus.QUEUED, index=True)
    requested_by: Mapped[str] = mapped_column(String(200))
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # a worker is on it
    loading_at: Mapped[datetime | None] = mapped_column(UtcDateTime)  # trained; loading now
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    model_file: Mapped[str | None] = mapped_column(String(300))
    error: Mapped[str | None] = mapped_column(Text)
    # 1 while training or loading, else NULL: unique, so only one build runs at a time, even
    # when several app instances claim builds at the same moment.
    running: Mapped[int | None] = mapped_column(Integer)
