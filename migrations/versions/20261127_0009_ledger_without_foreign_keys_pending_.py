"""ledger without foreign keys, pending index, fan-out ranges

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 02:13:47.888998
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009'
down_revision: str | None = '0008'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")
# SQLite's foreign keys have no names; batch mode names them by this convention to drop them.
SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}


def _foreign_key_names() -> tuple[str, str]:
    if op.get_bind().dialect.name == "sqlite":
        return "fk_delivery_send_id_send", "fk_delivery_endpoint_id_endpoint"
    return "delivery_send_id_fkey", "delivery_endpoint_id_fkey"


def upgrade() -> None:
    with op.batch_alter_table('delivery', naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.drop_index('ix_delivery_due')
        batch_op.drop_index('ix_delivery_send_id')
        batch_op.create_index('ix_delivery_pending', ['priority', 'next_attempt_at', 'id'], unique=False, postgresql_where=PENDING, sqlite_where=PENDING)
        for name in _foreign_key_names():
            batch_op.drop_constraint(name, type_='foreignkey')

    with op.batch_alter_table('send', schema=None) as batch_op:
        batch_op.add_column(sa.Column('fanned_out_through', sa.Integer(), nullable=False, server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('send', schema=None) as batch_op:
        batch_op.drop_column('fanned_out_through')

    send_fk, endpoint_fk = _foreign_key_names()
    with op.batch_alter_table('delivery', naming_convention=SQLITE_NAMES) as batch_op:
        batch_op.create_foreign_key(send_fk, 'send', ['send_id'], ['id'], ondelete='CASCADE')
        batch_op.create_foreign_key(endpoint_fk, 'endpoint', ['endpoint_id'], ['id'], ondelete='SET NULL')
        batch_op.drop_index('ix_delivery_pending')
        batch_op.create_index('ix_delivery_send_id', ['send_id'], unique=False)
        batch_op.create_index('ix_delivery_due', ['status', 'next_attempt_at'], unique=False)
