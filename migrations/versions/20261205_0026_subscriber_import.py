"""subscriber import: a list uploaded in the console, until the worker brings it in

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-05 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0026'
down_revision: str | None = '0025'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('subscriber_import',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('filename', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('mapping', sa.JSON(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('report', sa.JSON(), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('started_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('finished_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('subscriber_import', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_import_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_subscriber_import_staff_user_id'), ['staff_user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscriber_import', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_import_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_subscriber_import_organisation_id'))

    op.drop_table('subscriber_import')
