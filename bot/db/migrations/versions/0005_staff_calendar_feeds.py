"""A secret calendar-feed token per staff member.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.add_column(sa.Column("calendar_token", sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (staff_id,) in connection.execute(sa.text("SELECT id FROM staff_members")).all():
        connection.execute(
            sa.text("UPDATE staff_members SET calendar_token = :token WHERE id = :id"),
            {"token": secrets.token_urlsafe(24), "id": staff_id},
        )
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.alter_column("calendar_token", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint("uq_staff_calendar_token", ["calendar_token"])


def downgrade() -> None:
    with op.batch_alter_table("staff_members", schema=None) as batch_op:
        batch_op.drop_constraint("uq_staff_calendar_token", type_="unique")
        batch_op.drop_column("calendar_token")
