"""cards: a family's card (contact detail and free text encrypted), the parent's consent per
department, what each department did, and the counter's call for a counsellor

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-12 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0033'
down_revision: str | None = '0032'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(
            sa.Column(
                "card_lead_department",
                sqlmodel.sql.sqltypes.AutoString(length=100),
                nullable=False,
                server_default="",
            )
        )
    op.create_table('card',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('since', sa.Date(), nullable=True),
    sa.Column('children', sa.JSON(), nullable=True),
    sa.Column('needs', sa.JSON(), nullable=True),
    sa.Column('income_band', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('support_agreed', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('contact_way', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('contact', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('safe_times', sa.JSON(), nullable=True),
    sa.Column('may_say_city', sa.Boolean(), nullable=False),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('unsafe_at_home', sa.Boolean(), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=True),
    sa.Column('link_epoch', sa.Integer(), nullable=False),
    sa.Column('first_caller', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_activity_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_last_activity_at'), ['last_activity_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_source_id'), ['source_id'], unique=False)

    op.create_table('card_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('asked_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.create_index('ix_card_message_pending', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_card_message_card_id'), ['card_id'], unique=False)

    op.create_table('counsellor_call',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('asked_by_id', sa.Integer(), nullable=True),
    sa.Column('asked_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('accepted_by_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('minutes', sa.Integer(), nullable=True),
    sa.Column('ended_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['accepted_by_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['asked_by_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('counsellor_call', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counsellor_call_accepted_by_id'), ['accepted_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counsellor_call_asked_at'), ['asked_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_counsellor_call_asked_by_id'), ['asked_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counsellor_call_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_counsellor_call_source_id'), ['source_id'], unique=False)

    op.create_table('card_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('given_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('withdrawn_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('card_id', 'department')
    )
    with op.batch_alter_table('card_consent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_consent_card_id'), ['card_id'], unique=False)

    op.create_table('card_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('card_id', sa.Integer(), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['card.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('card_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_event_card_id'), ['card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_card_event_staff_user_id'), ['staff_user_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("organisation") as batch:
        batch.drop_column("card_lead_department")
    with op.batch_alter_table('card_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_event_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_card_event_card_id'))

    op.drop_table('card_event')
    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_message_card_id'))
        batch_op.drop_index('ix_card_message_pending', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.drop_table('card_message')
    with op.batch_alter_table('counsellor_call', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counsellor_call_source_id'))
        batch_op.drop_index(batch_op.f('ix_counsellor_call_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_counsellor_call_asked_by_id'))
        batch_op.drop_index(batch_op.f('ix_counsellor_call_asked_at'))
        batch_op.drop_index(batch_op.f('ix_counsellor_call_accepted_by_id'))

    op.drop_table('counsellor_call')
    with op.batch_alter_table('card_consent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_consent_card_id'))

    op.drop_table('card_consent')
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_source_id'))
        batch_op.drop_index(batch_op.f('ix_card_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_card_last_activity_at'))

    op.drop_table('card')
