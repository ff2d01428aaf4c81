"""The learning loop: unanswered questions and their groups, answer feedback, content versions
and model builds.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHEN = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "question_groups",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("first_seen_at", WHEN, nullable=False),
        sa.Column("last_seen_at", WHEN, nullable=False),
        sa.Column("answer_key", sa.String(length=120), nullable=True),
        sa.Column("resolved_by", sa.String(length=200), nullable=True),
        sa.Column("resolved_at", WHEN, nullable=True),
    )
    op.create_index("ix_question_groups_status_last", "question_groups", ["status", "last_seen_at"])
    op.create_table(
        "unanswered_questions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "group_id",
            sa.Integer(),
            sa.ForeignKey("question_groups.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("channel_user_id", sa.String(length=128), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.String(length=16), nullable=False),
        sa.Column("answer_key", sa.String(length=120), nullable=True),
        sa.Column("created_at", WHEN, nullable=False),
        sa.Column("replied_at", WHEN, nullable=True),
    )
    op.create_index("ix_unanswered_questions_group_id", "unanswered_questions", ["group_id"])
    op.create_index("ix_unanswered_person", "unanswered_questions", ["channel", "channel_user_id"])
    op.create_table(
        "answer_feedback",
        sa.Column("answer_key", sa.String(length=120), primary_key=True),
        sa.Column("up", sa.Integer(), nullable=False),
        sa.Column("down", sa.Integer(), nullable=False),
        sa.Column("last_at", WHEN, nullable=False),
    )
    op.create_table(
        "content_versions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("summary", sa.String(length=300), nullable=False),
        sa.Column("diff", sa.Text(), nullable=False),
        sa.Column("created_at", WHEN, nullable=False),
    )
    op.create_table(
        "model_builds",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("content_version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", WHEN, nullable=False),
        sa.Column("started_at", WHEN, nullable=True),
        sa.Column("heartbeat_at", WHEN, nullable=True),
        sa.Column("loading_at", WHEN, nullable=True),
        sa.Column("finished_at", WHEN, nullable=True),
        sa.Column("model_file", sa.String(length=300), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("running", sa.Integer(), nullable=True),
        sa.UniqueConstraint("running", name="uq_model_builds_running"),
    )
    op.create_index("ix_model_builds_status", "model_builds", ["status"])


def downgrade() -> None:
    op.drop_table("model_builds")
    op.drop_table("content_versions")
    op.drop_table("answer_feedback")
    op.drop_table("unanswered_questions")
    op.drop_table("question_groups")
