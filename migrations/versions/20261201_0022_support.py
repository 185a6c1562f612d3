"""the support guide: programmes, desks, consultation requests and their messages

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0022'
down_revision: str | None = '0021'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organisation') as batch_op:
        batch_op.add_column(sa.Column('closed_days', sa.JSON(), nullable=True))
    with op.batch_alter_table('notice') as batch_op:
        batch_op.add_column(
            sa.Column('ask_about', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False, server_default='')
        )
    op.create_table('desk',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_ja', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_easy', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('hours_ja', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hours_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('hours_easy', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place_ja', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place_easy', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('takes_requests', sa.Boolean(), nullable=False),
    sa.Column('response_days', sa.Integer(), nullable=False),
    sa.Column('notify_email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('desk', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('answer_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('answer_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_answer_template_desk_id'), ['desk_id'], unique=False)

    op.create_table('programme',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('name_ja', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_en', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('name_easy', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('summary_ja', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('summary_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('summary_easy', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('eligibility_ja', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('eligibility_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('eligibility_easy', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('bring_ja', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('bring_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('bring_easy', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('apply_ja', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('apply_en', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('apply_easy', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('organisation_id', 'slug')
    )
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_desk_id'), ['desk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_programme_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('consultation_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=True),
    sa.Column('topic_id', sa.Integer(), nullable=True),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('contact_way', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('line_user_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('safe_times', sa.JSON(), nullable=True),
    sa.Column('may_say_city', sa.Boolean(), nullable=False),
    sa.Column('may_leave_message', sa.Boolean(), nullable=False),
    sa.Column('message', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.Column('unsafe_at_home', sa.Boolean(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('assigned_to_id', sa.Integer(), nullable=True),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('first_contact_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('closed_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['assigned_to_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_request_assigned_to_id'), ['assigned_to_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_closed_at'), ['closed_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_desk_id'), ['desk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_programme_id'), ['programme_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_subscriber_id'), ['subscriber_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultation_request_topic_id'), ['topic_id'], unique=False)

    op.create_table('programme_topic',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', 'topic_id')
    )
    with op.batch_alter_table('programme_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_programme_topic_topic_id'), ['topic_id'], unique=False)

    op.create_table('request_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('staff_user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_user_id'], ['staff_user.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_event_request_id'), ['request_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_event_staff_user_id'), ['staff_user_id'], unique=False)

    op.create_table('desk_list',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.Column('sent_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('desk_id', 'day')
    )
    with op.batch_alter_table('desk_list', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_desk_list_desk_id'), ['desk_id'], unique=False)

    op.create_table('request_message',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['consultation_request.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('request_message', schema=None) as batch_op:
        batch_op.create_index('ix_request_message_pending', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))
        batch_op.create_index(batch_op.f('ix_request_message_request_id'), ['request_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('request_message', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_message_request_id'))
        batch_op.drop_index('ix_request_message_pending', postgresql_where=sa.text("status = 'pending'"), sqlite_where=sa.text("status = 'pending'"))

    op.drop_table('request_message')
    with op.batch_alter_table('desk_list', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_list_desk_id'))

    op.drop_table('desk_list')
    with op.batch_alter_table('request_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_event_staff_user_id'))
        batch_op.drop_index(batch_op.f('ix_request_event_request_id'))

    op.drop_table('request_event')
    with op.batch_alter_table('programme_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_topic_topic_id'))

    op.drop_table('programme_topic')
    with op.batch_alter_table('consultation_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_request_topic_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_subscriber_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_status'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_source_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_programme_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_desk_id'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_closed_at'))
        batch_op.drop_index(batch_op.f('ix_consultation_request_assigned_to_id'))

    op.drop_table('consultation_request')
    with op.batch_alter_table('programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_programme_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_programme_desk_id'))

    op.drop_table('programme')
    with op.batch_alter_table('answer_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_answer_template_desk_id'))

    op.drop_table('answer_template')
    with op.batch_alter_table('desk', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_desk_organisation_id'))

    op.drop_table('desk')
    with op.batch_alter_table('notice') as batch_op:
        batch_op.drop_column('ask_about')
    with op.batch_alter_table('organisation') as batch_op:
        batch_op.drop_column('closed_days')
