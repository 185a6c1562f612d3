"""空メール登録: each organisation's address for registering by an empty email

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-30 02:00:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0020'
down_revision: str | None = '0019'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organisation') as batch_op:
        batch_op.add_column(
            sa.Column(
                'registration_address',
                sqlmodel.sql.sqltypes.AutoString(length=254),
                nullable=False,
                server_default='',
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('organisation') as batch_op:
        batch_op.drop_column('registration_address')
