"""the daily cap on emails counts mailboxes: hanako+1@… and HANAKO@… are one

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-29 22:00:00
"""
import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0016'
down_revision: str | None = '0015'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000


def _mailbox_hash(address: str) -> str:
    local, _, domain = address.strip().lower().rpartition("@")
    return hashlib.sha256(f"mailbox:{local.partition('+')[0]}@{domain}".encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('endpoint') as batch_op:
        batch_op.add_column(
            sa.Column('mailbox_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.create_index(batch_op.f('ix_endpoint_mailbox_hash'), ['mailbox_hash'], unique=False)
    endpoint = sa.table(
        'endpoint',
        sa.column('id', sa.Integer),
        sa.column('channel', sa.String),
        sa.column('address', sa.String),
        sa.column('mailbox_hash', sa.String),
    )
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(endpoint.c.id, endpoint.c.address).where(endpoint.c.channel == 'email')
    ).all()
    statement = (
        endpoint.update()
        .where(endpoint.c.id == sa.bindparam('row_id'))
        .values(mailbox_hash=sa.bindparam('value'))
    )
    for start in range(0, len(rows), BATCH):
        connection.execute(
            statement,
            [
                {'row_id': row_id, 'value': _mailbox_hash(address)}
                for row_id, address in rows[start : start + BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table('endpoint') as batch_op:
        batch_op.drop_index(batch_op.f('ix_endpoint_mailbox_hash'))
        batch_op.drop_column('mailbox_hash')
