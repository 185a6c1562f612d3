"""journeys: an event serves named programmes (the guide shows its booking under them alone);
a notice sent back keeps the admin's reason

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-10 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "event_programme",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("programme_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["programme_id"], ["programme.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("event_id", "programme_id"),
    )
    op.create_index(
        op.f("ix_event_programme_programme_id"), "event_programme", ["programme_id"], unique=False
    )
    # A desk's day was shown under every programme of its desk. Where the desk has one programme
    # that is still right; where it has several, which one the day serves cannot be told, and
    # staff choose it on the event's form.
    op.execute(
        "INSERT INTO event_programme (event_id, programme_id) "
        "SELECT event.id, MIN(programme.id) FROM event "
        "JOIN programme ON programme.desk_id = event.desk_id AND programme.active "
        "GROUP BY event.id HAVING COUNT(programme.id) = 1"
    )


    with op.batch_alter_table("notice") as batch:
        batch.add_column(
            sa.Column("returned_reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("notice") as batch:
        batch.drop_column("returned_reason")
    op.drop_index(op.f("ix_event_programme_programme_id"), table_name="event_programme")
    op.drop_table("event_programme")
