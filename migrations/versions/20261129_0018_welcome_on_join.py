"""notices sent when a parent joins: new parents are found by their confirmation time

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 00:00:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0018'
down_revision: str | None = '0017'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('subscriber') as batch_op:
        batch_op.create_index(batch_op.f('ix_subscriber_confirmed_at'), ['confirmed_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('subscriber') as batch_op:
        batch_op.drop_index(batch_op.f('ix_subscriber_confirmed_at'))
