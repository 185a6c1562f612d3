"""The `yorisou` command, run as an operator would, against a real database."""

from __future__ import annotations

import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from service.line.accounts import opened, save_line_account
from service.line.models import LineAccount
from service.models import ApiToken, Delivery, DeliveryStatus, Role, StaffUser
from service.staff_users import authenticate
from service.types import utcnow
from tests.factories import (
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.fakes import line as line_fake
from tests.outbox import read_outbox

YORISOU = Path(sys.executable).parent / "yorisou"  # the console script pyproject.toml installs


@pytest.fixture
def env(settings, tmp_path):
    return {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": settings.database_url,
        "SECRET_KEY": settings.secret_key,
        "SUPPRESSION_KEY": settings.suppression_key,
        "PUBLIC_BASE_URL": settings.public_base_url,
        "OUTBOX_DIR": str(settings.outbox_dir),
        "HOME": str(tmp_path),
    }


def yorisou(env, *args, input=None):
    return subprocess.run(
        [str(YORISOU), *args], env=env, input=input, capture_output=True, text=True, timeout=60
    )


def test_staff_create_and_token_create(database, session, env):
    create_organisation(session)
    result = yorisou(
        env,
        "staff",
        "create",
        "Tanaka@City.example.jp",
        "--role",
        "admin",
        input="a long enough password\na long enough password\n",
    )
    assert result.returncode == 0, result.stderr
    [user] = authenticate(
        session, email="tanaka@city.example.jp", password="a long enough password"
    )
    assert user.role == "admin"
    assert user.password_hash != "a long enough password"

    short = yorisou(env, "staff", "create", "b@city.example.jp", input="short\nshort\n")
    assert short.returncode != 0 and "12文字以上" in short.stderr

    token = yorisou(env, "token", "create", "--staff", "tanaka@city.example.jp")
    assert token.returncode == 0
    value = token.stdout.strip()
    session.expire_all()
    stored = session.exec(select(ApiToken)).one()
    assert len(value) >= 40 and value not in stored.token_hash
    assert value.startswith("yorisou_")  # never "-…", which the revoke command would misread
    assert session.exec(select(StaffUser)).one().email == "tanaka@city.example.jp"


def test_seed_demo_then_dispatch_once(database, env):
    assert "aoba-demo-2026" in yorisou(env, "seed-demo").stdout
    assert "already" in yorisou(env, "seed-demo").stdout
    result = yorisou(env, "dispatch", "--once")
    assert result.returncode == 0 and "deliveries processed" in result.stdout


def test_db_upgrade_builds_a_fresh_sqlite_database(tmp_path, env):
    env = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh' / 'yorisou.db'}"}
    result = yorisou(env, "db", "upgrade")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "fresh" / "yorisou.db").exists()


def test_the_worker_process_sends_a_due_notice_within_seconds(database, session, env, settings):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    create_notice(session, organisation=city, topics=[topic], starts_at=utcnow())
    worker = subprocess.Popen(
        [sys.executable, "-m", "jobs"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not read_outbox(settings.outbox_dir):
            time.sleep(0.2)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output
    [message] = read_outbox(settings.outbox_dir)
    assert str(message["To"]) == "hanako@example.jp"
    session.expire_all()
    delivery = session.exec(select(Delivery)).one()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.sent_at - delivery.created_at < timedelta(seconds=20)
    assert "hanako@example.jp" not in output  # logs never hold an address


def test_org_create_makes_a_municipality_and_its_first_admin(database, session, env):
    result = yorisou(
        env,
        "org",
        "create",
        "kita",
        "きた市",
        "--sender-name",
        "きた市 子ども課",
        "--sender-email",
        "info@kita.example.jp",
        "--admin",
        "Admin@Kita.example.jp",
        input="a long enough password\na long enough password\n",
    )
    assert result.returncode == 0, result.stderr
    [user] = authenticate(session, email="admin@kita.example.jp", password="a long enough password")
    assert user.role == "admin"
    again = yorisou(
        env,
        "org",
        "create",
        "kita",
        "x",
        "--sender-name",
        "x",
        "--sender-email",
        "x@x.jp",
        "--admin",
        "b@kita.example.jp",
        input="a long enough password\n" * 2,
    )
    assert again.returncode != 0 and "exists already" in again.stderr


def test_line_menu_puts_the_rich_menu_under_the_chat(database, env, fake_line):
    without = yorisou(env, "line-menu")
    assert without.returncode != 0 and "LINE is not set up" in without.stderr
    line_env = {
        **env,
        "LINE_CHANNEL_SECRET": line_fake.CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": line_fake.ACCESS_TOKEN,
        "LINE_ACCOUNT_ID": line_fake.ACCOUNT_ID,
        "LINE_API_HOST": fake_line.url,
    }
    result = yorisou(line_env, "line-menu")
    assert result.returncode == 0, result.stderr
    [menu_id] = fake_line.menus
    assert fake_line.default_menu == menu_id
    menu = fake_line.menus[menu_id]["menu"]
    texts = [area["action"]["text"] for area in menu["areas"]]
    assert texts == ["質問", "制度", "相談", "設定", "配信停止"]  # words the chat understands
    assert fake_line.menus[menu_id]["image"].startswith(b"\x89PNG")


def test_org_list_shows_each_citys_counts_without_personal_data(database, session, env):
    city = create_organisation(session)
    other = create_organisation(session, slug="kita", name="きた市")
    topic = create_topic(session, organisation=city)
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    create_subscriber(session, organisation=city, topics=[topic], unsubscribed=True)
    session.add(
        LineAccount(
            organisation_id=other.id, account_id="@kita", channel_secret="x", access_token="y"
        )
    )
    session.commit()
    result = yorisou(env, "org", "list")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "aoba\tあおば市\temail=1\tsent_this_month=0\tline_account=none"
    assert lines[1] == f"{other.slug}\tきた市\tnone\tsent_this_month=0\tline_account=own"
    assert "@" not in result.stdout


def test_a_token_for_staff_of_several_cities_names_the_city(database, session, env):
    aoba = create_organisation(session)
    kita = create_organisation(session, slug="kita", name="きた市")
    for city in (aoba, kita):
        create_staff(session, organisation=city, email="tanaka@example.jp", role=Role.EDITOR)
    both = yorisou(env, "token", "create", "--staff", "tanaka@example.jp")
    assert both.returncode != 0 and "--organisation" in both.stderr
    one = yorisou(env, "token", "create", "--staff", "tanaka@example.jp", "--organisation", "kita")
    assert one.returncode == 0, one.stderr
    session.expire_all()
    owner = session.get(StaffUser, session.exec(select(ApiToken)).one().staff_user_id)
    assert owner.organisation_id == kita.id


def test_an_admin_without_two_step_gets_no_token_where_it_is_required(database, session, env):
    create_staff(session, organisation=create_organisation(session), email="a@aoba.example.jp")
    refused = yorisou(
        {**env, "REQUIRE_ADMIN_2FA": "true"}, "token", "create", "--staff", "a@aoba.example.jp"
    )
    assert refused.returncode != 0 and "two-step" in refused.stderr
    assert session.exec(select(ApiToken)).all() == []


def test_rotating_the_encryption_key_re_encrypts_every_secret(database, session, env, settings):
    city = create_organisation(session)
    old = replace(settings, encryption_key="old-key-that-is-long-enough-0123456789abc")
    save_line_account(
        session,
        old,
        city.id,
        account_id="@aoba",
        channel_secret="channel-secret",
        access_token="access-token",
        send_rate="",
        now=utcnow(),
    )
    session.commit()
    rotating = {
        **env,
        "ENCRYPTION_KEY": "new-key-that-is-long-enough-0123456789xyz," + old.encryption_key,
    }
    missing = yorisou(
        {**env, "ENCRYPTION_KEY": "new-key-that-is-long-enough-0123456789xyz"},
        "encryption",
        "rotate",
    )
    assert missing.returncode != 0 and "nothing was changed" in missing.stderr
    done = yorisou(rotating, "encryption", "rotate")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("2 secrets are now encrypted")
    new_only = replace(settings, encryption_key="new-key-that-is-long-enough-0123456789xyz")
    session.expire_all()
    config = opened(new_only, session.exec(select(LineAccount)).one())
    assert config is not None
    assert (config.channel_secret, config.access_token) == ("channel-secret", "access-token")
