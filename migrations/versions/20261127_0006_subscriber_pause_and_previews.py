"""subscriber pause and previews

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 00:07:29.770362
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.add_column(sa.Column('paused_until', service.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('push_previews', sa.Boolean(), nullable=False, server_default=sa.false()))



def downgrade() -> None:
    with op.batch_alter_table('subscriber', schema=None) as batch_op:
        batch_op.drop_column('push_previews')
        batch_op.drop_column('paused_until')

