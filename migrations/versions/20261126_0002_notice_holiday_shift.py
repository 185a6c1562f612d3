"""notice holiday shift

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 23:42:42.621813
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holiday_shift', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='none'))



def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_column('holiday_shift')

