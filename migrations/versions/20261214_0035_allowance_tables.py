"""allowance tables and eligibility: a city's own dated figures for the allowance estimate,
and each programme's conditions and online application address

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-14 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0035'
down_revision: str | None = '0034'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('allowance_table',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('effective', sa.Date(), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('fuyou_full_first', sa.Integer(), nullable=False),
    sa.Column('fuyou_partial_first_max', sa.Integer(), nullable=False),
    sa.Column('fuyou_partial_first_min', sa.Integer(), nullable=False),
    sa.Column('fuyou_full_further', sa.Integer(), nullable=False),
    sa.Column('fuyou_partial_further_max', sa.Integer(), nullable=False),
    sa.Column('fuyou_partial_further_min', sa.Integer(), nullable=False),
    sa.Column('fuyou_limit_full', sa.Integer(), nullable=False),
    sa.Column('fuyou_limit_partial', sa.Integer(), nullable=False),
    sa.Column('fuyou_limit_step', sa.Integer(), nullable=False),
    sa.Column('support_counted_percent', sa.Integer(), nullable=False),
    sa.Column('flat_deduction', sa.Integer(), nullable=False),
    sa.Column('jidou_under_three', sa.Integer(), nullable=False),
    sa.Column('jidou_older', sa.Integer(), nullable=False),
    sa.Column('jidou_third', sa.Integer(), nullable=False),
    sa.Column('partial_coefficient_first', sa.Float(), nullable=True),
    sa.Column('partial_coefficient_further', sa.Float(), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'effective')
    )
    with op.batch_alter_table('allowance_table', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_allowance_table_organisation_id'), ['organisation_id'], unique=False)

    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.add_column(sa.Column('apply_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False, server_default=''))
        batch_op.add_column(sa.Column('conditions', sa.JSON(), nullable=True))
    op.execute("UPDATE programme SET conditions = '{}'")  # none yet: every programme as before



def downgrade() -> None:
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_column('conditions')
        batch_op.drop_column('apply_url')

    with op.batch_alter_table('allowance_table', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_allowance_table_organisation_id'))

    op.drop_table('allowance_table')
