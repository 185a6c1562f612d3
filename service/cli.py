"""The `yorisou` command: a thin wrapper over the Flask CLI."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
from dataclasses import replace

import click
from flask import current_app
from flask.cli import FlaskGroup
from sqlmodel import Session, select

from service import create_app, get_database, get_settings
from service.api import token_hash
from service.audit import record_audit
from service.models import ApiToken, Organisation, Role, StaffUser
from service.staff_users import StaffUserError, create_staff_user
from service.types import utcnow


def _app():
    return create_app()


main = FlaskGroup(
    create_app=_app,
    add_default_commands=False,
    help="Yorisou: notice subscriptions for single-parent support.",
)


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Apply the migrations."""
    from service.migrate import upgrade_database

    upgrade_database(get_settings().database_url, revision)
    click.echo("database is up to date")


@main.group()
def org() -> None:
    """Organisations (municipalities) on a shared deployment."""


@org.command("create")
@click.argument("slug")
@click.argument("name")
@click.option("--sender-name", required=True, help="The From name of its emails.")
@click.option("--sender-email", required=True, help="The From address of its emails.")
@click.option("--admin", "admin_email", required=True, help="Email of its first admin.")
@click.password_option(prompt="The admin's password (12 characters or more)")
def org_create(
    slug: str, name: str, sender_name: str, sender_email: str, admin_email: str, password: str
) -> None:
    """Create an organisation and its first admin."""
    with get_database().session() as session:
        if session.query(Organisation).filter_by(slug=slug).one_or_none():
            raise click.ClickException(f"an organisation {slug} exists already")
        organisation = Organisation(
            slug=slug, name=name, sender_name=sender_name, sender_email=sender_email
        )
        session.add(organisation)
        session.flush()
        try:
            create_staff_user(
                session,
                organisation_id=organisation.id or 0,
                email=admin_email,
                password=password,
                role=Role.ADMIN,
            )
        except StaffUserError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"created {name} ({slug}) with admin {admin_email}")


@org.command("list")
def org_list() -> None:
    """Each city's counts for the operator: registered parents by channel, this month's sends
    and which LINE account speaks for it (its own, the shared LINE_* one, none). Counts only."""
    from sqlalchemy import func as sql_func
    from sqlmodel import col

    from service.line.models import LineAccount
    from service.models import Delivery, DeliveryStatus, Endpoint, Subscriber

    month_start = utcnow().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    registered = (
        select(col(Subscriber.organisation_id), col(Endpoint.channel), sql_func.count())
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(
            col(Subscriber.confirmed_at).is_not(None),
            col(Subscriber.unsubscribed_at).is_(None),
            col(Endpoint.disabled_at).is_(None),
        )
        .group_by(col(Subscriber.organisation_id), col(Endpoint.channel))
    )
    sent = (
        select(col(Subscriber.organisation_id), sql_func.count())
        .select_from(Delivery)
        .join(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
        .join(Subscriber, col(Subscriber.id) == Endpoint.subscriber_id)
        .where(col(Delivery.status) == DeliveryStatus.SENT, col(Delivery.sent_at) >= month_start)
        .group_by(col(Subscriber.organisation_id))
    )
    with get_database().session() as session:
        channels: dict[int, list[str]] = {}
        for organisation_id, channel, count in session.execute(registered).all():
            channels.setdefault(organisation_id, []).append(f"{channel}={count}")
        sent_by = dict(session.execute(sent).all())
        own_line = set(session.exec(select(LineAccount.organisation_id)).all())
        shared_line = "shared" if get_settings().line_enabled else "none"
        for organisation in session.exec(select(Organisation).order_by(col(Organisation.id))):
            listed = " ".join(sorted(channels.get(organisation.id or 0, []))) or "none"
            line = "own" if organisation.id in own_line else shared_line
            click.echo(
                f"{organisation.slug}\t{organisation.name}\t{listed}\t"
                f"sent_this_month={sent_by.get(organisation.id, 0)}\tline_account={line}"
            )


@main.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("create")
@click.argument("email")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    default=Role.EDITOR.value,
    show_default=True,
)
@click.option(
    "--organisation",
    "organisation_slug",
    default=None,
    help="Slug of the organisation (needed only when there are several).",
)
@click.option("--department", default="")
@click.password_option(prompt="Password (12 characters or more)")
def staff_create(
    email: str, role: str, organisation_slug: str | None, department: str, password: str
) -> None:
    """Create a staff user."""
    with get_database().session() as session:
        organisations = session.query(Organisation).all()
        if organisation_slug:
            organisations = [o for o in organisations if o.slug == organisation_slug]
        if len(organisations) != 1:
            raise click.ClickException(
                "name the organisation with --organisation SLUG"
                if organisations
                else "no such organisation; run `yorisou seed-demo` or create one first"
            )
        try:
            create_staff_user(
                session,
                organisation_id=organisations[0].id or 0,
                email=email,
                password=password,
                role=Role(role),
                department=department,
            )
        except StaffUserError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"created {role} {email}")


@main.group()
def token() -> None:
    """API tokens."""


@token.command("create")
@click.option("--staff", "email", required=True, help="Email of the staff user it acts as.")
@click.option(
    "--organisation",
    "organisation_slug",
    default=None,
    help="Slug of the city (needed only when the address is staff of several).",
)
@click.option("--name", default="", help="What the token is for.")
def token_create(email: str, organisation_slug: str | None, name: str) -> None:
    """Create an API token; it is shown once and stored only as a hash."""
    from service.staff_users import accounts_of

    with get_database().session() as session:
        accounts = accounts_of(session, email)
        if organisation_slug:
            city = _organisation(session, organisation_slug)
            accounts = [user for user in accounts if user.organisation_id == city.id]
        if len(accounts) > 1:
            raise click.ClickException(
                f"{email} is staff of several cities: name one with --organisation SLUG"
            )
        if not accounts or accounts[0].id is None:
            raise click.ClickException(f"no staff user {email}")
        user = accounts[0]
        if get_settings().two_factor_missing(user.role, user.totp_secret is not None):
            raise click.ClickException(
                f"{email} is an admin without two-step sign-in, which REQUIRE_ADMIN_2FA asks "
                "for: they set it up in the console first"
            )
        # The prefix: a secret scanner can tell what leaked, and no token begins with "-" (which
        # `yorisou token revoke VALUE` would take for an option).
        value = "yorisou_" + secrets.token_urlsafe(32)
        token = ApiToken(staff_user_id=user.id or 0, name=name, token_hash=token_hash(value))
        session.add(token)
        session.flush()
        record_audit(
            session,
            staff=None,
            organisation_id=user.organisation_id,
            action="api_token.create",
            target=f"staff:{user.id}",
            after={"token": token.id, "name": name, "by": "command line"},
        )
        session.commit()
    click.echo(value)


@token.command("revoke")
@click.argument("value")
def token_revoke(value: str) -> None:
    """Revoke a token at once, e.g. one that leaked: VALUE is the token as it was found."""
    with get_database().session() as session:
        found = session.query(ApiToken).filter_by(token_hash=token_hash(value)).one_or_none()
        if found is None:
            raise click.ClickException("no such token")
        found.revoked_at = found.revoked_at or utcnow()
        owner = session.get(StaffUser, found.staff_user_id)
        if owner is not None:
            record_audit(
                session,
                staff=None,
                organisation_id=owner.organisation_id,
                action="api_token.revoke",
                target=f"staff:{owner.id}",
                after={"token": found.id, "name": found.name, "by": "command line"},
            )
        session.commit()
        click.echo(f"revoked token {found.id} ({found.name or 'no name'})")


def _organisation(session: Session, slug: str) -> Organisation:
    organisation = session.exec(select(Organisation).where(Organisation.slug == slug)).first()
    if organisation is None:
        raise click.ClickException(f"no organisation {slug}")
    return organisation


@main.group("import")
def import_group() -> None:
    """Bring in what a city already has."""


@import_group.command("subscribers")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--organisation", "slug", required=True, help="The city's slug (its address).")
@click.option("--map", "pairs", multiple=True, help="An old topic name and its slug: 旧名=slug")
@click.option("--dry-run", is_flag=True, help="Say what would happen; change nothing.")
def import_subscribers_command(path: str, slug: str, pairs: tuple[str, ...], dry_run: bool) -> None:
    """Import an existing mailing list (CSV: email and/or line_user_id, topics, consent_date,
    consent_source, language, anchor_date, birth_months). Running it twice adds nobody twice."""
    from service.importing import import_subscribers, mapping_from, read_csv
    from service.queued_imports import record_import

    with open(path, "rb") as file:
        try:
            rows = read_csv(file.read())
        except ValueError as error:
            raise click.ClickException(str(error)) from error
    with get_database().session() as session:
        organisation = _organisation(session, slug)
        report = import_subscribers(
            session, organisation, rows, mapping=mapping_from(pairs), now=utcnow(), dry_run=dry_run
        )
        for old, new in sorted(report.topics.items()):
            click.echo(f"topic {old} → {new or '(not mapped: give --map ' + old + '=slug)'}")
        for line, why in report.invalid[:100]:
            click.echo(f"line {line}: {why}")
        if len(report.invalid) > 100:
            click.echo(f"… and {len(report.invalid) - 100} more invalid lines")
        click.echo(
            f"{'dry run: ' if dry_run else ''}new={report.new} already_here={report.existing} "
            f"suppressed={report.suppressed} invalid={len(report.invalid)}"
        )
        if not dry_run:
            record_import(session, organisation, report, staff=None, by="command line")
            session.commit()


@main.command("dispatch")
@click.option("--once", is_flag=True, required=True, help="Run one tick of every step and exit.")
def dispatch(once: bool) -> None:
    """Materialize, fan out and send what is due now."""

    from jobs.worker import Worker

    sent = Worker(current_app._get_current_object()).run_once()  # type: ignore[attr-defined]
    click.echo(f"{sent} deliveries processed")


@main.command("inbound")
@click.argument("eml", type=click.File("rb"))
def inbound(eml) -> None:  # type: ignore[no-untyped-def]
    """Take an .eml file (or - for standard input) as if it had come through SendGrid Inbound
    Parse (空メール登録)."""
    from service.mail_signup import InboundMail, take_mail

    with get_database().session() as session:
        outcome = take_mail(session, InboundMail.from_eml(eml.read()), now=utcnow())
        session.commit()
    click.echo(outcome)
    if outcome.startswith("answered"):
        click.echo(
            "The answer is queued: the worker sends it within seconds "
            "(the demo writes it to instance/outbox/)."
        )


@main.group()
def encryption() -> None:
    """The secrets kept encrypted with ENCRYPTION_KEY."""


@encryption.command("rotate")
def encryption_rotate() -> None:
    """Encrypt every stored secret anew with ENCRYPTION_KEY's first key. Rotating: put the new
    key first (ENCRYPTION_KEY=new,old), restart, run this; then the old key can go."""
    from service.encryption import EncryptionUnavailable, reencrypt_all

    with get_database().session() as session:
        try:
            count = reencrypt_all(session, get_settings())
        except EncryptionUnavailable as error:
            raise click.ClickException(
                f"{error}: nothing was changed. Keep every key that was in use in "
                "ENCRYPTION_KEY (the new one first) and run this again."
            ) from error
        session.commit()
    click.echo(
        f"{count} secrets are now encrypted with the first key of ENCRYPTION_KEY; "
        "the other keys can be removed."
    )


@main.command("line-menu")
@click.option("--organisation", "slug", help="A city with a LINE account of its own.")
def line_menu(slug: str | None) -> None:
    """Put the rich menu (制度 / 相談 / 設定 / 配信停止) under the LINE account's chat: the
    deployment's (LINE_*), or a city's own."""
    from service.line.accounts import install_menu

    with get_database().session() as session:
        organisation = _organisation(session, slug) if slug is not None else None
        try:
            menu_id = install_menu(session, get_settings(), organisation)
        except LookupError as error:
            raise click.ClickException(str(error)) from error
        session.commit()
    click.echo(f"rich menu {menu_id} is now every friend's menu")


@main.command("seed-demo")
def seed_demo_command() -> None:
    """Load the demo organisation, topics, counters, notices and staff login."""
    from service.demo import DEMO_EMAIL, DEMO_PASSWORD, seed_demo

    if get_settings().production:
        raise click.ClickException("demo data is never loaded in production")
    with get_database().session() as session:
        created = seed_demo(session)
    click.echo("demo data loaded" if created else "demo data was already there")
    click.echo(f"staff login: {DEMO_EMAIL} / {DEMO_PASSWORD}")


@main.command("demo")
@click.option("--port", default=5000, show_default=True)
def demo(port: int) -> None:
    """Migrate, seed, and run the web app and the scheduler together on 127.0.0.1."""
    from service.demo import DEMO_COUNTER_EMAIL, DEMO_EMAIL, DEMO_PASSWORD, seed_demo
    from service.migrate import upgrade_database

    settings = get_settings()
    if settings.production:
        raise click.ClickException("`yorisou demo` is for a laptop, not for production")
    if "PUBLIC_BASE_URL" not in os.environ:  # links and QR codes follow the port
        settings = replace(settings, public_base_url=f"http://127.0.0.1:{port}")
        current_app.extensions["yorisou.settings"] = settings
    upgrade_database(settings.database_url)
    with get_database().session() as session:
        seed_demo(session)
    line = None
    if not settings.line_enabled:  # no LINE account: the demo's simulator stands in for one
        from service.line.simulator import start_simulator

        line = start_simulator(current_app._get_current_object())  # type: ignore[attr-defined]
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobs"],
        env={**os.environ, "PUBLIC_BASE_URL": settings.public_base_url, **(line or {})},
    )
    for signum in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C, or a supervisor, stops both
        signal.signal(signum, lambda *_: sys.exit(0))
    click.echo(f"""
  Yorisou demo is running: http://127.0.0.1:{port}/  (links in emails: {settings.public_base_url})
    parents' page (counter QR):  http://127.0.0.1:{port}/s/koseki
    staff console:               http://127.0.0.1:{port}/staff/
    staff login:                 {DEMO_EMAIL} / {DEMO_PASSWORD}
    the counter's clerk:         {DEMO_COUNTER_EMAIL} / {DEMO_PASSWORD}  (makes family cards)
    emails are written to:       {settings.outbox_dir}/  (.eml files open in any mail program)
    {"LINE, simulated:             http://127.0.0.1:" + str(port) + "/demo/line" if line else ""}
  Ctrl-C stops both the web app and the scheduler.
""")
    from werkzeug.serving import run_simple

    try:
        run_simple("127.0.0.1", port, current_app._get_current_object(), threaded=True)  # type: ignore[attr-defined]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
