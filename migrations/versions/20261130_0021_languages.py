"""notices in English and やさしい日本語, topics in やさしい日本語 (all optional)

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-30 03:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0021'
down_revision: str | None = '0020'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _text(name: str, length: int | None) -> sa.Column:
    kind = sqlmodel.sql.sqltypes.AutoString(length=length)
    return sa.Column(name, kind, nullable=False, server_default='')


def upgrade() -> None:
    with op.batch_alter_table('notice') as batch_op:
        batch_op.add_column(_text('title_en', 200))
        batch_op.add_column(_text('body_en', None))
        batch_op.add_column(_text('title_easy', 200))
        batch_op.add_column(_text('body_easy', None))
    with op.batch_alter_table('topic') as batch_op:
        batch_op.add_column(_text('name_easy', 100))
        batch_op.add_column(_text('description_easy', 300))


def downgrade() -> None:
    with op.batch_alter_table('topic') as batch_op:
        batch_op.drop_column('description_easy')
        batch_op.drop_column('name_easy')
    with op.batch_alter_table('notice') as batch_op:
        batch_op.drop_column('body_easy')
        batch_op.drop_column('title_easy')
        batch_op.drop_column('body_en')
        batch_op.drop_column('title_en')
