"""provider events and engagement

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 23:55:10.367463
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('provider_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('event_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('delivery_id', sa.Integer(), nullable=True),
    sa.Column('received_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['delivery_id'], ['delivery.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('provider', 'event_id')
    )
    with op.batch_alter_table('provider_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_provider_event_delivery_id'), ['delivery_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('delivered_at', service.types.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('opened_at', service.types.UTCDateTime(timezone=True), nullable=True))

    with op.batch_alter_table('endpoint', schema=None) as batch_op:
        batch_op.add_column(sa.Column('soft_bounces', sa.Integer(), nullable=False, server_default='0'))



def downgrade() -> None:
    with op.batch_alter_table('endpoint', schema=None) as batch_op:
        batch_op.drop_column('soft_bounces')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_column('opened_at')
        batch_op.drop_column('delivered_at')

    with op.batch_alter_table('provider_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_provider_event_delivery_id'))

    op.drop_table('provider_event')
