"""allowance salary deduction: the 100,000 yen taken from 給与所得 before the allowance's limits,
a figure of each table

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-18 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0039'
down_revision: str | None = '0038'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('allowance_table', schema=None) as batch_op:
        batch_op.add_column(sa.Column('salary_deduction', sa.Integer(), nullable=False, server_default='100000'))


def downgrade() -> None:
    with op.batch_alter_table('allowance_table', schema=None) as batch_op:
        batch_op.drop_column('salary_deduction')
