"""One deployment, several cities, each with its own LINE official account: set up by the
city's admin (secrets encrypted, never shown again), its own webhook, its own rich menu and
send rate; a LINE user id only ever looked up within the city whose account it came through."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlmodel import select

from jobs.worker import Worker
from service import create_app
from service.encryption import decrypt
from service.line.accounts import line_for
from service.line.models import LineAccount, LineLink
from service.models import AuditEvent, Endpoint, Role, Subscriber
from service.subscribers import set_topics
from service.types import utcnow
from tests.conftest import csrf_token, with_line
from tests.factories import (
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
)
from tests.fakes.line import ACCESS_TOKEN, signature, user_id
from tests.fakes.line import CHANNEL_SECRET as SHARED_SECRET
from tests.line.test_line_webhook import follow, text
from tests.staff.test_staff_notices import login

HANAKO = user_id("hanako")  # one LINE provider holds both cities' accounts: one id in both
MIDORI_SECRET = "midori-channel-secret-0123456789"
MIDORI_TOKEN = "midori-channel-access-token-0123456789abcdef"


@pytest.fixture
def app(settings, database, fake_line):
    """The deployment's own LINE account serves あおば市; 緑市 brings its own."""
    fake_line.tokens.add(MIDORI_TOKEN)
    app = create_app(with_line(settings, fake_line), database)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cities(session):
    aoba = create_organisation(session)
    midori = create_organisation(session, slug="midori", name="緑市")
    topics = {}
    for city in (aoba, midori):
        topics[city.slug] = create_topic(session, organisation=city)
        create_source(session, organisation=city, code=f"koseki-{city.slug}")
    create_staff(session, organisation=midori, email="admin@midori.example.jp")
    create_staff(session, organisation=midori, email="editor@midori.example.jp", role=Role.EDITOR)
    return aoba, midori, topics


def _set_up(client, **values):
    data = {
        "csrf_token": csrf_token(client, "/staff/line"),
        "account_id": "@midori",
        "channel_secret": MIDORI_SECRET,
        "access_token": MIDORI_TOKEN,
        "send_rate": "",
        **values,
    }
    return client.post("/staff/line", data=data)


def _post(client, path, *events, secret):
    body = json.dumps({"destination": "Ubot", "events": list(events)}).encode()
    headers = {"Content-Type": "application/json", "X-Line-Signature": signature(body, secret)}
    return client.post(path, data=body, headers=headers)


def test_an_admin_sets_up_the_citys_account_and_its_secrets_are_never_shown(
    client, session, settings, fake_line, cities
):
    _, midori, _ = cities
    login(client, "admin@midori.example.jp")
    page = client.get("/staff/line").get_data(as_text=True)
    assert "https://yorisou.example.jp/webhooks/line/midori" in page
    assert "共通のLINE公式アカウント" in page  # until now, the deployment's account

    assert _set_up(client).status_code == 303
    row = session.exec(select(LineAccount)).one()
    assert row.account_id == "@midori" and row.organisation_id == midori.id
    assert MIDORI_SECRET not in row.channel_secret and MIDORI_TOKEN not in row.access_token
    assert decrypt(settings, row.channel_secret) == MIDORI_SECRET
    page = client.get("/staff/line").get_data(as_text=True)
    assert MIDORI_SECRET not in page and MIDORI_TOKEN not in page
    assert "••••6789" in page and "••••cdef" in page
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "line_account.save"))
    assert MIDORI_SECRET not in json.dumps(audit.detail, ensure_ascii=False)
    assert audit.detail["after"]["access_token"] == "（変更）"

    # Saving again without the secrets keeps them; a new send rate is taken.
    assert _set_up(client, channel_secret="", access_token="", send_rate="10/秒").status_code == 303
    session.refresh(row)
    assert decrypt(settings, row.access_token) == MIDORI_TOKEN and row.send_rate == "10/秒"

    for values, why in [
        ({"account_id": "midori"}, "@123abcde のように"),
        ({"send_rate": "fast"}, "2000/秒"),
    ]:
        refused = _set_up(client, **values)
        assert refused.status_code == 400 and why in refused.get_data(as_text=True)

    menu = client.post(
        "/staff/line", data={"csrf_token": csrf_token(client, "/staff/line"), "action": "menu"}
    )
    assert menu.status_code == 303
    session.refresh(row)
    assert row.rich_menu_id and fake_line.default_menus[MIDORI_TOKEN] == row.rich_menu_id
    assert ACCESS_TOKEN not in fake_line.default_menus  # the deployment's account untouched

    removed = client.post(
        "/staff/line", data={"csrf_token": csrf_token(client, "/staff/line"), "action": "remove"}
    )
    assert removed.status_code == 303 and session.exec(select(LineAccount)).all() == []

    login(client, "editor@midori.example.jp")
    assert client.get("/staff/line").status_code == 403


def test_without_an_encryption_key_nothing_secret_is_stored(database, settings, session, cities):
    app = create_app(replace(settings, encryption_key=""), database)
    client = app.test_client()
    login(client, "admin@midori.example.jp")
    response = _set_up(client)
    assert response.status_code == 400 and "ENCRYPTION_KEY" in response.get_data(as_text=True)
    assert session.exec(select(LineAccount)).all() == []


def test_each_city_hears_and_speaks_through_its_own_account(
    app, client, session, settings, fake_line, cities
):
    aoba, midori, topics = cities
    login(client, "admin@midori.example.jp")
    _set_up(client)
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/login")})

    # The same parent adds both accounts: one registration with each city.
    assert _post(client, "/webhooks/line", follow(), secret=SHARED_SECRET).status_code == 200
    assert _post(client, "/webhooks/line/midori", follow(), secret=MIDORI_SECRET).status_code == 200
    cities_of = sorted(s.organisation_id for s in session.exec(select(Subscriber)))
    assert cities_of == sorted([aoba.id, midori.id])
    [(_, aoba_greeting), (_, midori_greeting)] = fake_line.replies
    assert (aoba_greeting.token, midori_greeting.token) == (ACCESS_TOKEN, MIDORI_TOKEN)

    # A post signed with another account's secret, or to a city with no account, is refused.
    assert (
        _post(
            client, "/webhooks/line/midori", follow(), secret="fake-line-channel-secret"
        ).status_code
        == 403
    )
    assert _post(client, "/webhooks/line/aoba", follow(), secret=MIDORI_SECRET).status_code == 403

    # 緑市's QR code hands a code; sent to あおば市's account it links nothing.
    session.add(
        LineLink(
            code="ABCDEFGH",
            organisation_id=midori.id,
            source_id=None,
            choices={"topics": [topics["midori"].id]},
            created_at=utcnow(),
        )
    )
    session.commit()
    _post(client, "/webhooks/line", text("ABCD-EFGH"), secret=SHARED_SECRET)
    assert fake_line.replies[-1][1].texts[0].startswith("この登録コードは使えません")
    assert session.exec(select(LineLink)).one()  # still there for 緑市
    _post(client, "/webhooks/line/midori", text("ABCD-EFGH"), secret=MIDORI_SECRET)
    assert fake_line.replies[-1][1].texts[0].startswith("登録が完了しました")

    # Notices of each city go out through that city's account.
    for city in (aoba, midori):
        create_notice(
            session,
            organisation=city,
            topics=[topics[city.slug]],
            channels=["line"],
            title=f"{city.name}からのお知らせ",
            starts_at=utcnow(),
        )
    noon = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
    # あおば市's parent chose no topic in LINE yet: subscribe them as the landing would.
    aoba_parent = session.exec(
        select(Subscriber).where(Subscriber.organisation_id == aoba.id)
    ).one()

    set_topics(session, subscriber=aoba_parent, modes={topics["aoba"].id: "instant"}, now=utcnow())
    session.commit()
    Worker(app).run_once(noon)
    sent = {message.texts[0]: message.token for message in fake_line.sent}
    assert sent == {"あおば市からのお知らせ": ACCESS_TOKEN, "緑市からのお知らせ": MIDORI_TOKEN}

    # 「停止」 to 緑市's account stops 緑市's notices only.
    _post(client, "/webhooks/line/midori", text("停止"), secret=MIDORI_SECRET)
    session.expire_all()
    stopped = {
        s.organisation_id: s.unsubscribed_at is not None for s in session.exec(select(Subscriber))
    }
    assert stopped == {aoba.id: False, midori.id: True}
    # Blocking 緑市's account disables only 緑市's endpoint.
    _post(client, "/webhooks/line/midori", {**follow(), "type": "unfollow"}, secret=MIDORI_SECRET)
    session.expire_all()
    live = [e for e in session.exec(select(Endpoint)) if e.disabled_at is None]
    assert [session.get(Subscriber, e.subscriber_id).organisation_id for e in live] == [aoba.id]


def test_a_city_with_its_own_account_is_offered_line_by_it(app, client, session, cities):
    aoba, midori, _ = cities
    login(client, "admin@midori.example.jp")
    _set_up(client)
    with app.app_context():
        settings = app.extensions["yorisou.settings"]
        assert line_for(session, settings, midori.id).account_id == "@midori"
        assert line_for(session, settings, aoba.id).account_id == "@yorisou"
