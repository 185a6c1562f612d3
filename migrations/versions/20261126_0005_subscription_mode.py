"""subscription mode

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 23:58:56.665965
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='instant'))



def downgrade() -> None:
    with op.batch_alter_table('subscription', schema=None) as batch_op:
        batch_op.drop_column('mode')

