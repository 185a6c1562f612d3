"""room on each ledger page for the claim's update

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 02:50:00
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0010'
down_revision: str | None = '0009'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# PostgreSQL only. A claim changes no indexed column, so with free room on the page its new
# row version is a heap-only tuple: no index entries written, for a million rows per notice.
def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE delivery SET (fillfactor = 80)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE delivery RESET (fillfactor)")
