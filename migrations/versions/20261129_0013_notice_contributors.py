"""who wrote, edited or submitted a notice: none of them may approve it

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-29 19:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0013'
down_revision: str | None = '0012'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('notice') as batch_op:
        batch_op.add_column(sa.Column('contributors', sa.JSON(), nullable=True))
    notice = sa.table('notice', sa.column('id'), sa.column('author_id'), sa.column('contributors', sa.JSON()))
    connection = op.get_bind()
    for notice_id, author_id in connection.execute(sa.select(notice.c.id, notice.c.author_id)).all():
        connection.execute(
            notice.update()
            .where(notice.c.id == notice_id)
            .values(contributors=[author_id] if author_id is not None else [])
        )


def downgrade() -> None:
    with op.batch_alter_table('notice') as batch_op:
        batch_op.drop_column('contributors')
