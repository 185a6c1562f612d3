"""delivery lease: deliveries are marked sent when claimed, and a lease row per batch sent
takes them back if the worker dies

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-08 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import service.types

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "delivery_lease",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_ids", sa.JSON(), nullable=False),
        sa.Column("claimed_until", service.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_delivery_lease_claimed_until"), "delivery_lease", ["claimed_until"], unique=False
    )


def downgrade() -> None:
    # What was in flight goes back to the queue, as the claims before this revision were.
    op.execute(
        "UPDATE delivery SET status = 'pending', sent_at = NULL, claimed_until = NULL "
        "WHERE status = 'sent' "
        "AND id IN (SELECT value FROM delivery_lease, json_each(delivery_lease.delivery_ids))"
        if op.get_bind().dialect.name == "sqlite"
        else "UPDATE delivery SET status = 'pending', sent_at = NULL, claimed_until = NULL "
        "WHERE status = 'sent' AND id IN (SELECT json_array_elements_text(delivery_ids)::int "
        "FROM delivery_lease)"
    )
    op.drop_index(op.f("ix_delivery_lease_claimed_until"), table_name="delivery_lease")
    op.drop_table("delivery_lease")
