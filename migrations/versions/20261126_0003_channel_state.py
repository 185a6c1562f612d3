"""channel state

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 23:44:35.433511
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('channel_state',
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('paused_until', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('pause_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('tokens', sa.Float(), nullable=False),
    sa.Column('refilled_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('channel')
    )


def downgrade() -> None:
    op.drop_table('channel_state')
