"""line accounts: a city's own LINE official account, its secrets encrypted

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0028'
down_revision: str | None = '0027'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('line_account',
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('channel_secret', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('access_token', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('send_rate', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('rich_menu_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id')
    )


def downgrade() -> None:
    op.drop_table('line_account')
