"""Topics and counters in the console: create, rename, reorder, retire; posters; scans."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from service.models import AuditEvent, Organisation, Role, Source, StaffUser, Subscription, Topic
from tests.conftest import csrf_token
from tests.factories import (
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.staff.test_staff_notices import login


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    return city


def _post(client, page, path=None, **data):
    return client.post(path or page, data={"csrf_token": csrf_token(client, page), **data})


def test_topics_are_created_renamed_and_reordered(client, session, city):
    login(client, "admin@aoba.example.jp")
    for slug, name in (("yoikuhi", "養育費"), ("sumai", "住まい")):
        response = _post(
            client,
            "/staff/topics",
            slug=slug,
            name_ja=name,
            name_en=slug.title(),
            description_ja="",
            description_en="",
            department="こども家庭課",
        )
        assert response.status_code == 303
    duplicate = _post(client, "/staff/topics", slug="sumai", name_ja="x", name_en="x")
    assert duplicate.status_code == 400 and "すでに使われています" in duplicate.get_data(
        as_text=True
    )
    sumai = session.exec(select(Topic).where(Topic.slug == "sumai")).one()
    page = f"/staff/topics/{sumai.id}"
    _post(
        client,
        page,
        slug="ignored",
        name_ja="住まい・住宅",
        name_en="Housing",
        description_ja="",
        description_en="",
        department="住宅課",
    )
    _post(client, "/staff/topics", f"/staff/topics/{sumai.id}/up")
    session.expire_all()
    ordered = session.exec(select(Topic.slug, Topic.name_ja).order_by(Topic.position)).all()
    assert ordered == [("sumai", "住まい・住宅"), ("yoikuhi", "養育費")]
    actions = [
        e.action
        for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
        if not e.action.startswith(("staff.login", "staff.logout"))
    ]
    assert actions == ["topic.create", "topic.create", "topic.save", "topic.up"]


def test_retiring_a_topic_says_who_is_affected_and_keeps_their_subscriptions(client, session, city):
    topic = create_topic(session, organisation=city)
    for n in range(3):
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
    login(client, "admin@aoba.example.jp")
    assert "このテーマは3人が登録しています" in client.get(f"/staff/topics/{topic.id}").get_data(
        as_text=True
    )
    _post(client, "/staff/topics", f"/staff/topics/{topic.id}/retire")
    session.expire_all()
    assert session.get(Topic, topic.id).active is False
    assert len(session.exec(select(Subscription)).all()) == 3


def test_a_counter_gets_a_poster_a_card_and_counts_its_scans(client, session, city):
    login(client, "admin@aoba.example.jp")
    assert _post(client, "/staff/sources", name="市民課 戸籍窓口").status_code == 303
    source = session.exec(select(Source)).one()
    for _ in range(2):
        assert client.get(f"/s/{source.code}").status_code == 200
    poster = client.get(f"/staff/sources/{source.id}/poster").get_data(as_text=True)
    assert f"https://yorisou.example.jp/s/{source.code}" in poster
    assert f"/staff/sources/{source.id}/qr.svg" in poster
    # whose notices they are, and whom to ask
    assert "あおば市 こども家庭課" in poster and "あおば市 電話 000-000-0000" in poster
    card = client.get(f"/staff/sources/{source.id}/card").get_data(as_text=True)
    assert card.count("qr.svg") == 4
    assert card.count("あおば市 こども家庭課") == 4 and card.count("000-000-0000") == 4
    listing = client.get("/staff/sources").get_data(as_text=True)
    assert "2回" in listing


def test_another_organisations_topic_and_counter_are_not_found(client, session, city):
    other = create_organisation(session, slug="kita", name="きた市")
    topic = create_topic(session, organisation=other, slug="x")
    source = create_source(session, organisation=other, code="kita1")
    login(client, "admin@aoba.example.jp")
    assert client.get(f"/staff/topics/{topic.id}").status_code == 404
    assert client.get(f"/staff/sources/{source.id}/poster").status_code == 404
    assert _post(client, "/staff/topics", f"/staff/topics/{topic.id}/retire").status_code == 404


def test_the_audit_log_shows_who_changed_what(client, session, city):
    login(client, "admin@aoba.example.jp")
    _post(client, "/staff/topics", slug="sumai", name_ja="住まい", name_en="Housing")
    html = client.get("/staff/audit").get_data(as_text=True)
    assert "admin@aoba.example.jp" in html and "テーマを作成" in html
    assert "名前（日本語）</strong>：住まい" in html or "住まい" in html
    assert "topic.create" not in html and "\\u" not in html  # words, not codes or escapes
    assert client.post("/staff/audit").status_code == 405  # nothing edits it


def test_an_admin_sets_the_organisations_sender_and_contacts(client, session, city):
    login(client, "admin@aoba.example.jp")
    response = _post(
        client,
        "/staff/organisation",
        name="あおば市",
        sender_name="あおば市役所",
        sender_email="info@city.aoba.example.jp",
        contact_line="電話 000",
        privacy_contact="個人情報窓口",
    )
    assert response.status_code == 303
    session.expire_all()
    saved = session.get(type(city), city.id)
    assert (saved.sender_name, saved.contact_line) == ("あおば市役所", "電話 000")
    assert _post(client, "/staff/organisation", name="").status_code == 400
    # the city's own closed days, as typed (full width, repeated), kept as dates
    fields = {
        "name": "あおば市",
        "sender_name": "あおば市役所",
        "sender_email": "info@city.aoba.example.jp",
    }
    refused = _post(client, "/staff/organisation", **fields, closed_days="2027-05-06\n5月7日")
    assert refused.status_code == 400 and "「5月7日」は日付ではありません" in refused.get_data(
        as_text=True
    )
    typed = "２０２７－０５－０６\n2027-04-30\n\n2027-05-06"
    assert _post(client, "/staff/organisation", **fields, closed_days=typed).status_code == 303
    session.expire_all()
    assert session.get(type(city), city.id).closed_days == ["2027-04-30", "2027-05-06"]


def test_an_admin_adds_and_stops_staff(client, session, city):
    login(client, "admin@aoba.example.jp")
    response = _post(
        client,
        "/staff/staff-users",
        email="New@aoba.example.jp",
        role="editor",
        department="こども家庭課",
        password="long enough pass",
    )
    assert response.status_code == 303
    again = _post(
        client,
        "/staff/staff-users",
        email="new@aoba.example.jp",
        role="viewer",
        password="long enough pass",
    )
    assert again.status_code == 400 and "すでに登録されています" in again.get_data(as_text=True)
    new = session.exec(select(StaffUser).where(StaffUser.email == "new@aoba.example.jp")).one()
    assert (new.role, new.department) == ("editor", "こども家庭課")
    _post(client, "/staff/staff-users", f"/staff/staff-users/{new.id}/deactivate")
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/login")})
    refused = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": "new@aoba.example.jp",
            "password": "long enough pass",
        },
    )
    assert refused.status_code == 401


def test_with_a_registration_address_the_poster_carries_the_empty_email_qr_code(
    client, session, city
):
    import base64
    import re

    from service.qr import qr_svg

    login(client, "admin@aoba.example.jp")
    response = _post(
        client,
        "/staff/organisation",
        name="あおば市",
        sender_name="あおば市 こども家庭課",
        sender_email="oshirase@aoba.example.jp",
        contact_line="",
        privacy_contact="",
        registration_address="ｔｏｕｒｏｋｕ＠mail.aoba.example.jp",
    )
    assert response.status_code == 303
    source = create_source(session, organisation=city, code="koseki")
    poster = client.get(f"/staff/sources/{source.id}/poster").get_data(as_text=True)
    assert "touroku+koseki@mail.aoba.example.jp" in poster
    assert "「aoba.example.jp」からのメールを受信できるよう" in poster
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', poster).group(1))
    assert svg == qr_svg("mailto:touroku+koseki@mail.aoba.example.jp")  # opens the mail app


def test_the_audit_log_reads_as_changes_and_filters_and_exports(client, session, city):
    login(client, "admin@aoba.example.jp")
    _post(client, "/staff/topics", slug="sumai", name_ja="住まい", name_en="Housing")
    topic = session.exec(select(Topic).where(Topic.slug == "sumai")).one()
    page = f"/staff/topics/{topic.id}"
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "slug": "sumai",
            "name_ja": "住まいの支援",
            "name_en": "Housing",
        },
    )
    html = client.get("/staff/audit?kind=topic").get_data(as_text=True)
    assert "テーマを編集" in html and "住まい → 住まいの支援" in html
    assert f'href="/staff/topics/{topic.id}"' in html
    assert "ログイン" not in html.split("<tbody>")[1]  # filtered to topics
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/staff/audit.csv?kind=topic").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert rows[0] == ["日時", "職員", "操作", "対象", "項目", "変更前", "変更後"]
    assert any(row[2] == "テーマを編集" and row[5:] == ["住まい", "住まいの支援"] for row in rows)
    assert client.get("/staff/audit?since=2000-01-01&until=2000-01-02").status_code == 200
    assert "記録はありません" in client.get(
        "/staff/audit?since=2000-01-01&until=2000-01-02"
    ).get_data(as_text=True)


def test_home_and_the_qr_page_count_the_same_registered_parents(client, session, city):
    organisation = session.exec(select(Organisation)).one()
    source = session.exec(select(Source)).first() or create_source(
        session, organisation=organisation
    )
    topic = session.exec(select(Topic)).first() or create_topic(session, organisation=organisation)
    for stopped in (False, True):
        parent = create_subscriber(
            session, organisation=organisation, topics=[topic], unsubscribed=stopped
        )
        parent.source_id = source.id
        session.add(parent)
    session.commit()
    login(client, "admin@aoba.example.jp")
    for page in ("/staff/", "/staff/sources"):
        html = client.get(page).get_data(as_text=True)
        row = html[html.index(source.name) :].split("</tr>")[0]
        assert "1人" in row and "2人" not in row, page
