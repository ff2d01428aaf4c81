"""Calendar links for bookings and the web chat inbox.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24
"""

import secrets
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('webchat_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel_user_id', sa.String(length=128), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('webchat_inbox', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webchat_inbox_channel_user_id'), ['channel_user_id'], unique=False)

    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('calendar_token', sa.String(length=64), nullable=True))
    connection = op.get_bind()
    for (booking_id,) in connection.execute(sa.text("SELECT id FROM bookings")).all():
        connection.execute(
            sa.text("UPDATE bookings SET calendar_token = :token WHERE id = :id"),
            {"token": secrets.token_urlsafe(24), "id": booking_id},
        )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.alter_column('calendar_token', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint('uq_booking_calendar_token', ['calendar_token'])


def downgrade() -> None:
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_constraint('uq_booking_calendar_token', type_='unique')
        batch_op.drop_column('calendar_token')

    with op.batch_alter_table('webchat_inbox', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webchat_inbox_channel_user_id'))

    op.drop_table('webchat_inbox')

