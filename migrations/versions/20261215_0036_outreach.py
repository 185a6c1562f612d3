"""outreach: the parent's wish to be told of support they may use, the children's birth months
and the allowance's first month for the life-event reminders, and each "you may be able to use
this" message and reminder kept once

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-15 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = '0036'
down_revision: str | None = '0035'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tell_me', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column('birth_months', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('allowance_since', sa.Date(), nullable=True))

    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('programme_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.create_index(batch_op.f('ix_card_message_programme_id'), ['programme_id'], unique=False)
        batch_op.create_unique_constraint('uq_card_message_programme_reason', ['card_id', 'programme_id', 'reason'])
        batch_op.create_foreign_key('fk_card_message_programme', 'programme', ['programme_id'], ['id'], ondelete='CASCADE')
        batch_op.create_index('uq_card_message_reminder', ['card_id', 'reason'], unique=True, postgresql_where=sa.text("kind = 'reminder'"), sqlite_where=sa.text("kind = 'reminder'"))
    op.execute("UPDATE card SET birth_months = '[]'")


def downgrade() -> None:
    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.drop_index('uq_card_message_reminder', postgresql_where=sa.text("kind = 'reminder'"), sqlite_where=sa.text("kind = 'reminder'"))
        batch_op.drop_constraint('fk_card_message_programme', type_='foreignkey')
        batch_op.drop_constraint('uq_card_message_programme_reason', type_='unique')
        batch_op.drop_index(batch_op.f('ix_card_message_programme_id'))
        batch_op.drop_column('reason')
        batch_op.drop_column('programme_id')

    with op.batch_alter_table('card', schema=None) as batch_op:
        batch_op.drop_column('allowance_since')
        batch_op.drop_column('birth_months')
        batch_op.drop_column('tell_me')
