"""Failed log-ins as one atomic counter per e-mail or client address, with a lock-out time.

The old table kept one row per failure; its rows only matter for fifteen minutes, so they
are dropped rather than converted.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_login_failure_key_at", table_name="login_failures")
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("key", sa.String(length=300), primary_key=True),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("login_failures")
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_login_failure_key_at", "login_failures", ["key", "at"])
