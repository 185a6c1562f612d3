"""hardening: a 空メール address belongs to one city, staff accounts are per city; empty emails
counted by sender domain and server; two-step sign-in's recovery codes and lock-out; staff
messages that are not about a notice; a desk's days are its department's; bookings held until
a typed address is confirmed, one per mailbox; one daily cap per mailbox for every email a
form causes

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-09 09:00:00
"""

import hashlib
import logging
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import service.types

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")
_FILLED = sa.text("registration_address <> ''")
_SQLITE_NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def upgrade() -> None:
    _one_city_per_registration_address()
    # A desk's consultation days are its department's: its bookings go to that desk's staff.
    op.execute(
        "UPDATE event SET department = (SELECT department FROM desk WHERE desk.id = event.desk_id) "
        "WHERE desk_id IS NOT NULL"
    )
    # The address's unique constraint: unnamed in SQLite (named here by the convention).
    unique = next(
        constraint["name"] or "uq_staff_user_email"
        for constraint in sa.inspect(op.get_bind()).get_unique_constraints("staff_user")
        if constraint["column_names"] == ["email"]
    )
    with op.batch_alter_table("staff_user", naming_convention=_SQLITE_NAMES) as batch_op:
        batch_op.drop_constraint(unique, type_="unique")
        batch_op.create_unique_constraint(
            "uq_staff_user_organisation_id", ["organisation_id", "email"]
        )
        batch_op.create_index(batch_op.f("ix_staff_user_email"), ["email"], unique=False)
        batch_op.add_column(
            sa.Column("recovery_codes", sa.JSON(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("code_failures", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("locked_until", service.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("staff_message") as batch_op:
        batch_op.alter_column("notice_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("about_staff_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_staff_message_about_staff_id",
            "staff_user",
            ["about_staff_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index(
            batch_op.f("ix_staff_message_about_staff_id"), ["about_staff_id"], unique=False
        )
    op.create_table(
        "inbound_sender",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("sender_domain", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("source_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("received_at", service.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["organisation_id"], ["organisation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        op.f("ix_inbound_sender_organisation_id"), "inbound_sender", ["organisation_id"]
    )
    op.create_index(op.f("ix_inbound_sender_received_at"), "inbound_sender", ["received_at"])
    op.create_table(
        "mailbox_email",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mailbox_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", service.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_mailbox_email_mailbox_hash"), "mailbox_email", ["mailbox_hash"])
    op.create_index(op.f("ix_mailbox_email_created_at"), "mailbox_email", ["created_at"])
    _bookings_by_mailbox()
    with op.batch_alter_table("subscriber_import") as batch_op:
        batch_op.add_column(sa.Column("taken", sa.Integer(), nullable=False, server_default="0"))


def _mailbox_hash(address: str) -> str:
    """service.addresses.mailbox_hash as of this revision."""
    local, _, domain = address.strip().lower().rpartition("@")
    local = local.partition("+")[0]
    if domain in ("gmail.com", "googlemail.com"):
        local, domain = local.replace(".", ""), "gmail.com"
    return hashlib.sha256(f"mailbox:{local}@{domain}".encode()).hexdigest()


def _bookings_by_mailbox() -> None:
    with op.batch_alter_table("booking") as batch_op:
        batch_op.add_column(
            sa.Column("mailbox_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "address_confirmed_at", service.types.UTCDateTime(timezone=True), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("held_until", service.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_booking_mailbox_hash"), ["mailbox_hash"])
        batch_op.create_index(batch_op.f("ix_booking_held_until"), ["held_until"])
    bind = op.get_bind()
    # Bookings made before this revision counted at once.
    bind.execute(sa.text("UPDATE booking SET address_confirmed_at = created_at"))
    # Gmail's ignored dots are one mailbox now.
    gmail = bind.execute(
        sa.text(
            "SELECT id, address FROM endpoint WHERE channel = 'email' "
            "AND (lower(address) LIKE '%@gmail.com' OR lower(address) LIKE '%@googlemail.com')"
        )
    ).all()
    for endpoint_id, address in gmail:
        bind.execute(
            sa.text("UPDATE endpoint SET mailbox_hash = :h WHERE id = :i"),
            {"h": _mailbox_hash(address), "i": endpoint_id},
        )
    typed = bind.execute(
        sa.text("SELECT id, address FROM booking WHERE address IS NOT NULL AND channel = 'email'")
    ).all()
    for booking_id, address in typed:
        bind.execute(
            sa.text("UPDATE booking SET mailbox_hash = :h WHERE id = :i"),
            {"h": _mailbox_hash(address), "i": booking_id},
        )
    bind.execute(
        sa.text(
            "UPDATE booking SET mailbox_hash = (SELECT mailbox_hash FROM endpoint "
            "WHERE endpoint.id = booking.endpoint_id) "
            "WHERE address IS NULL AND channel = 'email' AND endpoint_id IS NOT NULL"
        )
    )


def _one_city_per_registration_address() -> None:
    """Lower case, then one city per address. Where two cities entered the same address, it is
    taken from both: which of them owns it cannot be told here, and a guess would send one
    city's parents to the other. Their admins enter it again."""
    bind = op.get_bind()
    bind.execute(
        sa.text("UPDATE organisation SET registration_address = lower(registration_address)")
    )
    shared = bind.execute(
        sa.text(
            "SELECT registration_address, count(*) FROM organisation "
            "WHERE registration_address <> '' GROUP BY registration_address HAVING count(*) > 1"
        )
    ).all()
    for address, cities in shared:
        log.warning("空メール address shared by %d cities: cleared in each", cities)
        bind.execute(
            sa.text(
                "UPDATE organisation SET registration_address = '' WHERE registration_address = :a"
            ),
            {"a": address},
        )
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.create_check_constraint(
            "ck_organisation_registration_address_lower",
            "registration_address = lower(registration_address)",
        )
        batch_op.create_index(
            "uq_organisation_registration_address",
            ["registration_address"],
            unique=True,
            postgresql_where=_FILLED,
            sqlite_where=_FILLED,
        )


def downgrade() -> None:
    with op.batch_alter_table("subscriber_import") as batch_op:
        batch_op.drop_column("taken")
    # A held place becomes a booking, as every booking was before this revision.
    op.execute("UPDATE booking SET status = 'booked', booked_at = created_at WHERE status = 'held'")
    with op.batch_alter_table("booking") as batch_op:
        batch_op.drop_index(batch_op.f("ix_booking_held_until"))
        batch_op.drop_index(batch_op.f("ix_booking_mailbox_hash"))
        batch_op.drop_column("held_until")
        batch_op.drop_column("address_confirmed_at")
        batch_op.drop_column("mailbox_hash")
    op.drop_index(op.f("ix_mailbox_email_created_at"), table_name="mailbox_email")
    op.drop_index(op.f("ix_mailbox_email_mailbox_hash"), table_name="mailbox_email")
    op.drop_table("mailbox_email")
    op.drop_index(op.f("ix_inbound_sender_received_at"), table_name="inbound_sender")
    op.drop_index(op.f("ix_inbound_sender_organisation_id"), table_name="inbound_sender")
    op.drop_table("inbound_sender")
    op.execute("DELETE FROM staff_message WHERE notice_id IS NULL")
    with op.batch_alter_table("staff_message") as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_message_about_staff_id"))
        batch_op.drop_constraint("fk_staff_message_about_staff_id", type_="foreignkey")
        batch_op.drop_column("about_staff_id")
        batch_op.alter_column("notice_id", existing_type=sa.Integer(), nullable=False)
    # An address that is staff of several cities keeps its oldest account.
    op.execute(
        "DELETE FROM staff_user WHERE id NOT IN (SELECT min(id) FROM staff_user GROUP BY email)"
    )
    with op.batch_alter_table("staff_user") as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("code_failures")
        batch_op.drop_column("recovery_codes")
        batch_op.drop_index(batch_op.f("ix_staff_user_email"))
        batch_op.drop_constraint("uq_staff_user_organisation_id", type_="unique")
        batch_op.create_unique_constraint("staff_user_email_key", ["email"])
    with op.batch_alter_table("organisation") as batch_op:
        batch_op.drop_index(
            "uq_organisation_registration_address",
            postgresql_where=_FILLED,
            sqlite_where=_FILLED,
        )
        batch_op.drop_constraint("ck_organisation_registration_address_lower", type_="check")
