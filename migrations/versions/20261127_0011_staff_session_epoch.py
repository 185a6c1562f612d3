"""staff sessions end everywhere at logout and password change

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-27 06:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0011'
down_revision: str | None = '0010'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('staff_user') as batch_op:
        batch_op.add_column(
            sa.Column('session_epoch', sa.Integer(), nullable=False, server_default='0')
        )


def downgrade() -> None:
    with op.batch_alter_table('staff_user') as batch_op:
        batch_op.drop_column('session_epoch')
