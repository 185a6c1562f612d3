"""one-time codes that carry a parent's choices from the QR landing into LINE

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 08:00:01.298712
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0012'
down_revision: str | None = '0011'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('line_link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('choices', sa.JSON(), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code')
    )
    with op.batch_alter_table('line_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_line_link_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_line_link_source_id'), ['source_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('line_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_line_link_source_id'))
        batch_op.drop_index(batch_op.f('ix_line_link_organisation_id'))

    op.drop_table('line_link')
