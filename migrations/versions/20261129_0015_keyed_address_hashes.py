"""address hashes keyed with SUPPRESSION_KEY: the suppression list reveals no address

Each row's plain SHA-256 becomes "k1:" + base64url(HMAC-SHA256(SUPPRESSION_KEY, plain hex)),
the form service.addresses.hash_address makes. Rows already keyed are left as they are, so an
upgrade after a downgrade changes nothing twice.

Downgrade gives endpoints their plain hashes back (from their addresses); the suppression list
keeps its keyed rows, which the older code cannot match until it is upgraded again: nothing
else can be done, since only the keyed hash of an erased address is kept.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-29 21:00:00
"""
import base64
import hashlib
import hmac
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from service.settings import Settings

revision: str = '0015'
down_revision: str | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 10_000


def _keyed(plain_hash: str, key: str) -> str:
    digest = hmac.digest(key.encode(), plain_hash.encode(), "sha256")
    return "k1:" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _rewrite(table: sa.Table, rows: list[tuple[int, str]]) -> None:
    statement = (
        table.update()
        .where(table.c.id == sa.bindparam("row_id"))
        .values(address_hash=sa.bindparam("new_hash"))
    )
    for start in range(0, len(rows), BATCH):
        op.get_bind().execute(
            statement,
            [{"row_id": row_id, "new_hash": value} for row_id, value in rows[start : start + BATCH]],
        )


def upgrade() -> None:
    key = Settings.from_env().suppression_key
    for name in ('endpoint', 'suppression'):
        table = sa.table(name, sa.column('id', sa.Integer), sa.column('address_hash', sa.String))
        plain = op.get_bind().execute(
            sa.select(table.c.id, table.c.address_hash).where(~table.c.address_hash.like('k1:%'))
        ).all()
        _rewrite(table, [(row_id, _keyed(value, key)) for row_id, value in plain])


def downgrade() -> None:
    endpoint = sa.table(
        'endpoint',
        sa.column('id', sa.Integer),
        sa.column('channel', sa.String),
        sa.column('address', sa.String),
        sa.column('address_hash', sa.String),
    )
    rows = op.get_bind().execute(
        sa.select(endpoint.c.id, endpoint.c.channel, endpoint.c.address)
    ).all()
    _rewrite(
        endpoint,
        [
            (
                row_id,
                hashlib.sha256(
                    f"{channel}:{address.strip().lower() if channel == 'email' else address.strip()}".encode()
                ).hexdigest(),
            )
            for row_id, channel, address in rows
        ],
    )
