"""a parent can replace their links and their calendar feed address, ending the old ones

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-29 20:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscriber') as batch_op:
        batch_op.add_column(sa.Column('link_epoch', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(
            sa.Column('calendar_epoch', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('subscriber') as batch_op:
        batch_op.drop_column('calendar_epoch')
        batch_op.drop_column('link_epoch')
