"""card calls: the LINE group told of the counter's calls (and their outbox), parents calling
from the QR landing, the card made in the LINE chat found again by the chat, and a
department's own words to the parent

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-13 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0034'
down_revision: str | None = '0033'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('counsellor_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['call_id'], ['counsellor_call.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('counsellor_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counsellor_alert_call_id'), ['call_id'], unique=False)
        batch_op.create_index('ix_counsellor_alert_pending', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False, server_default=''))

    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('line_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_card_line_hash'), ['line_hash'], unique=False)

    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('call_from_landing', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('staff_line_group', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default=''))



def downgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('staff_line_group')
        batch_op.drop_column('call_from_landing')

    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.drop_column('body')

    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_line_hash'))
        batch_op.drop_column('line_hash')

    with op.batch_alter_table('counsellor_alert', schema=None) as batch_op:
        batch_op.drop_index('ix_counsellor_alert_pending', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.drop_index(batch_op.f('ix_counsellor_alert_call_id'))

    op.drop_table('counsellor_alert')
