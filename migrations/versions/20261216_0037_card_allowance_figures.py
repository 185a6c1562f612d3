"""card allowance figures: the estimate's income figures, kept on a card only if the parent ticks
it, so that each new year's limits can be applied to them

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-16 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0037'
down_revision: str | None = '0036'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowance_figures', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('allowance_figures')
