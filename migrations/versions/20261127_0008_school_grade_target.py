"""school grade target

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 01:07:41.136343
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_grade', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('school_year_offset', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('school_year_offset')
        batch_op.drop_column('school_grade')

