"""card message outcome: when a card's message was first opened (SendGrid's event) and when a
consultation request came from its link

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-17 09:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.types

revision: str = '0038'
down_revision: str | None = '0037'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opened_at', service.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('followed_at', service.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('card_message', schema=None) as batch_op:
        batch_op.drop_column('followed_at')
        batch_op.drop_column('opened_at')
