"""bookings: events, their slots and the places parents book; deliveries about a booking

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-02 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0023'
down_revision: str | None = '0022'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('department', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('desk_id', sa.Integer(), nullable=True),
    sa.Column('title_ja', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('title_easy', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('details_ja', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('details_en', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('details_easy', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('place_ja', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place_en', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('place_easy', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('bring_ja', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('bring_en', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('bring_easy', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('online_url', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('starts_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('rrule', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('holiday_shift', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('slot_minutes', sa.Integer(), nullable=True),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('childcare_places', sa.Integer(), nullable=False),
    sa.Column('opens_days', sa.Integer(), nullable=False),
    sa.Column('closes_hours', sa.Integer(), nullable=False),
    sa.Column('subscribers_only', sa.Boolean(), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=True),
    sa.Column('reminders', sa.JSON(), nullable=True),
    sa.Column('offer_hours', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['desk_id'], ['desk.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_desk_id'), ['desk_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('event_topic',
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('topic_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['topic_id'], ['topic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('event_id', 'topic_id')
    )
    with op.batch_alter_table('event_topic', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_topic_topic_id'), ['topic_id'], unique=False)

    op.create_table('slot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('booked', sa.Integer(), nullable=False),
    sa.Column('childcare_places', sa.Integer(), nullable=False),
    sa.Column('childcare_booked', sa.Integer(), nullable=False),
    sa.Column('cancelled_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('event_id', 'starts_at')
    )
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_slot_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_slot_starts_at'), ['starts_at'], unique=False)

    op.create_table('booking',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('slot_id', sa.Integer(), nullable=False),
    sa.Column('subscriber_id', sa.Integer(), nullable=True),
    sa.Column('endpoint_id', sa.Integer(), nullable=True),
    sa.Column('source_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('locale', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('childcare', sa.Integer(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=True),
    sa.Column('offer_expires_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('was_waiting', sa.Boolean(), nullable=False),
    sa.Column('attended', sa.Boolean(), nullable=True),
    sa.Column('cancelled_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('created_at', service.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booked_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('erased_at', service.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['endpoint_id'], ['endpoint.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], ),
    sa.ForeignKeyConstraint(['slot_id'], ['slot.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['source.id'], ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['subscriber_id'], ['subscriber.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('public_id')
    )
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_booking_endpoint_id'), ['endpoint_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_offer_expires_at'), ['offer_expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_slot_id'), ['slot_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_source_id'), ['source_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_booking_subscriber_id'), ['subscriber_id'], unique=False)

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=True))
        batch_op.create_index(
            'ix_delivery_booking_id',
            ['booking_id'],
            unique=False,
            postgresql_where=sa.text('booking_id IS NOT NULL'),
            sqlite_where=sa.text('booking_id IS NOT NULL'),
        )

    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('book_event_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notice_book_event_id'), ['book_event_id'], unique=False)
        batch_op.create_foreign_key('fk_notice_book_event_id', 'event', ['book_event_id'], ['id'], ondelete='SET NULL')



def downgrade() -> None:
    with op.batch_alter_table('notice', schema=None) as batch_op:
        batch_op.drop_constraint('fk_notice_book_event_id', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_notice_book_event_id'))
        batch_op.drop_column('book_event_id')

    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_booking_id')
        batch_op.drop_column('body')
        batch_op.drop_column('booking_id')

    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_booking_subscriber_id'))
        batch_op.drop_index(batch_op.f('ix_booking_status'))
        batch_op.drop_index(batch_op.f('ix_booking_source_id'))
        batch_op.drop_index(batch_op.f('ix_booking_slot_id'))
        batch_op.drop_index(batch_op.f('ix_booking_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_booking_offer_expires_at'))
        batch_op.drop_index(batch_op.f('ix_booking_event_id'))
        batch_op.drop_index(batch_op.f('ix_booking_endpoint_id'))

    op.drop_table('booking')
    with op.batch_alter_table('slot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_slot_starts_at'))
        batch_op.drop_index(batch_op.f('ix_slot_event_id'))

    op.drop_table('slot')
    with op.batch_alter_table('event_topic', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_topic_topic_id'))

    op.drop_table('event_topic')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_event_desk_id'))

    op.drop_table('event')
