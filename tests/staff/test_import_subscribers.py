"""Bringing an existing list in: a dry run that says what would happen and changes nothing,
then a run that adds each parent once — confirmed on their recorded consent, first told that the
city's notices now come from here — and a second run that adds nobody."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event as sa_event
from sqlmodel import func, select

from jobs.worker import Worker
from service.addresses import hash_address
from service.importing import import_subscribers, read_csv
from service.models import (
    AuditEvent,
    Child,
    Delivery,
    Endpoint,
    Role,
    Subscriber,
    SubscriberImport,
    Subscription,
    Suppression,
)
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    ADDRESS_KEY,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox, text_body
from tests.staff.test_staff_notices import login
from tests.test_cli import env, yorisou  # noqa: F401 (env: a fixture)

CSV = """メールアドレス,配信テーマ,同意日,同意の場所,言語,子どもの生まれ年月
new1@example.jp,養育費,2019/4/1,市民課窓口,日本語,2015-04
ＮＥＷ２＠ｅｘａｍｐｌｅ．ｊｐ,養育費、就労支援,2020-05-10,郵送,en,2016/5;2018/7
already@example.jp,養育費,2019-04-01,,,
stopped@example.jp,養育費,2019-04-01,,,
not an address,養育費,2019-04-01,,,
nothing@example.jp,旧テーマだけ,2019-04-01,,,
noconsent@example.jp,養育費,,,,
new1@example.jp,養育費,2019-04-01,,,
"""


@pytest.fixture
def city(session):
    city = create_organisation(session)
    yoikuhi = create_topic(session, organisation=city)  # 養育費
    shigoto = create_topic(
        session, organisation=city, slug="shigoto", name_ja="仕事", name_en="Work"
    )
    create_subscriber(session, organisation=city, topics=[yoikuhi], email="ALREADY@example.jp")
    session.add(
        Suppression(
            organisation_id=city.id,
            channel="email",
            address_hash=hash_address("email", "stopped@example.jp", ADDRESS_KEY),
            reason="unsubscribed",
        )
    )
    session.commit()
    return city, yoikuhi, shigoto


def _count(session, model):
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def test_a_dry_run_reports_and_changes_nothing(app, session, city):
    organisation, _, _ = city
    with app.app_context():
        report = import_subscribers(
            session, organisation, read_csv(CSV.encode("utf-8-sig")), now=utcnow()
        )
    assert (report.new, report.existing, report.suppressed) == (2, 1, 1)
    assert report.invalid == [
        (6, "メールアドレスの形が正しくありません"),
        (7, "テーマがありません（対応づけられていないテーマだけです）"),
        (8, "同意日がありません（同意の記録がない人は取り込めません）"),
        (9, "同じアドレスが前の行にもあります"),
    ]
    assert report.topics == {"養育費": "yoikuhi", "就労支援": None, "旧テーマだけ": None}
    assert _count(session, Subscriber) == 1 and _count(session, Delivery) == 0


def test_the_import_adds_each_parent_once_and_tells_them_first(
    app, session, city, worker, settings
):
    organisation, yoikuhi, shigoto = city
    rows = read_csv(CSV.encode("cp932"))  # as a Japanese spreadsheet saves it
    with app.app_context():
        report = import_subscribers(
            session,
            organisation,
            rows,
            mapping={"就労支援": "shigoto"},
            now=utcnow(),
            dry_run=False,
        )
    session.commit()
    assert report.new == 2 and report.unmapped == ["旧テーマだけ"]
    second = session.exec(select(Subscriber).where(Subscriber.consent_source == "郵送")).one()
    assert second.confirmed_at == datetime(2020, 5, 9, 15, 0, tzinfo=UTC)  # 5/10 in Tokyo
    assert second.locale == "en"
    topics = session.exec(
        select(Subscription.topic_id).where(Subscription.subscriber_id == second.id)
    ).all()
    assert sorted(topics) == sorted([yoikuhi.id, shigoto.id])
    months = session.exec(select(Child.birth_month).where(Child.subscriber_id == second.id)).all()
    assert sorted(m.isoformat() for m in months) == ["2016-05-01", "2018-07-01"]

    worker.run_once()
    mails = {m["To"]: m for m in read_outbox(settings.outbox_dir)}
    assert set(mails) == {"new1@example.jp", "NEW2@example.jp"}  # full width made plain
    first = mails["new1@example.jp"]
    assert "お知らせ" in first["Subject"]
    body = text_body(first)
    assert "登録し直す必要はありません" in body
    assert "https://yorisou.example.jp/preferences/" in body
    assert "https://yorisou.example.jp/unsubscribe/" in body
    assert first["List-Unsubscribe"].startswith("<https://yorisou.example.jp/unsubscribe/")

    with app.app_context():
        again = import_subscribers(
            session,
            organisation,
            rows,
            mapping={"就労支援": "shigoto"},
            now=utcnow(),
            dry_run=False,
        )
    session.commit()
    assert (again.new, again.existing) == (0, 3)
    assert _count(session, Subscriber) == 3


def test_the_command_line_dry_run_then_import(session, city, env, tmp_path):  # noqa: F811
    path = tmp_path / "list.csv"
    path.write_bytes(CSV.encode("utf-8-sig"))
    dry = yorisou(env, "import", "subscribers", str(path), "--organisation", "aoba", "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "dry run: new=2 already_here=1 suppressed=1 invalid=4" in dry.stdout
    assert "line 6: メールアドレスの形が正しくありません" in dry.stdout
    assert "topic 就労支援 → (not mapped" in dry.stdout
    assert _count(session, Subscriber) == 1
    done = yorisou(
        env,
        "import",
        "subscribers",
        str(path),
        "--organisation",
        "aoba",
        "--map",
        "就労支援=shigoto",
    )
    assert done.returncode == 0, done.stderr
    assert "new=2" in done.stdout and _count(session, Subscriber) == 3
    [audit] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "subscribers.import")
    ).all()
    assert audit.detail["after"]["new"] == 2
    assert "new1@example.jp" not in str(audit.detail)  # counts only


MAPPED = {"map:就労支援": "shigoto", "map:旧テーマだけ": ""}


def _upload(client, data: bytes, filename: str = "list.csv"):
    return client.post(
        "/staff/import",
        data={
            "csrf_token": csrf_token(client, "/staff/import"),
            "file": (io.BytesIO(data), filename),
        },
        content_type="multipart/form-data",
    )


def test_the_console_previews_maps_and_the_worker_imports(
    app, client, session, city, worker, settings
):
    organisation, yoikuhi, shigoto = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    login(client, "admin@aoba.example.jp")

    uploaded = _upload(client, CSV.encode("cp932"), "旧メール配信.csv")
    assert uploaded.status_code == 303
    preview_url = uploaded.headers["Location"]
    page = client.get(preview_url).get_data(as_text=True)
    assert "新しく登録する人</th><td>2人" in page
    assert "配信停止の記録がある人（取り込みません）</th><td>1人" in page
    assert "<td>6</td><td>メールアドレスの形が正しくありません</td>" in page
    assert 'name="map:就労支援"' in page and 'name="map:旧テーマだけ"' in page
    assert _count(session, Subscriber) == 1  # a preview changes nothing

    token = csrf_token(client, preview_url)
    recount = client.post(
        preview_url,
        data={
            "csrf_token": token,
            "map:就労支援": "shigoto",
            "map:旧テーマだけ": "",
            "action": "preview",
        },
    )
    assert recount.status_code == 303
    page = client.get(preview_url).get_data(as_text=True)
    assert '<option value="shigoto" selected>仕事</option>' in page

    started = client.post(
        preview_url,
        data={
            "csrf_token": token,
            "map:就労支援": "shigoto",
            "map:旧テーマだけ": "",
            "action": "import",
        },
    )
    assert started.status_code == 303
    page = client.get(preview_url).get_data(as_text=True)
    assert "取り込んでいます" in page and 'http-equiv="refresh"' in page
    assert _count(session, Subscriber) == 1  # the worker imports, not the web request

    assert worker.imports() == 1
    assert worker.imports() == 0  # taken once
    second = session.exec(select(Subscriber).where(Subscriber.consent_source == "郵送")).one()
    topics = session.exec(
        select(Subscription.topic_id).where(Subscription.subscriber_id == second.id)
    ).all()
    assert sorted(topics) == sorted([yoikuhi.id, shigoto.id])
    upload = session.exec(select(SubscriberImport)).one()
    assert upload.status == "done" and upload.data == b""  # the addresses are not kept twice
    assert upload.report["new"] == 2 and upload.report["invalid"] == 4
    page = client.get(preview_url).get_data(as_text=True)
    assert "に取り込みました" in page and "取り込む</button>" not in page
    listing = client.get("/staff/import").get_data(as_text=True)
    assert "旧メール配信.csv" in listing and "取り込み済み" in listing
    [audit] = session.exec(
        select(AuditEvent).where(AuditEvent.action == "subscribers.import")
    ).all()
    assert audit.staff_user_id is not None
    assert audit.detail["after"] == {
        "by": "console",
        "file": "旧メール配信.csv",
        "new": 2,
        "already_here": 1,
        "suppressed": 1,
        "invalid": 4,
    }
    log = client.get("/staff/audit").get_data(as_text=True)
    assert "登録者を取り込み" in log and "管理画面" in log

    worker.run_once()
    mails = {m["To"] for m in read_outbox(settings.outbox_dir)}
    assert mails == {"new1@example.jp", "NEW2@example.jp"}

    # The same file again adds nobody.
    again = _upload(client, CSV.encode("utf-8-sig"))
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert "新しく登録する人</th><td>0人" in page and "disabled" in page


def test_the_console_refuses_what_it_cannot_read_and_keeps_nothing(client, session, city):
    organisation, _, _ = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    login(client, "admin@aoba.example.jp")
    for data, why in [
        (b"name,phone\nx,y\n", "メールアドレスの列がありません"),
        (b"", "ファイルが空です"),
        (b"email\n\x81", "文字コードが読めません"),  # neither UTF-8 nor Shift_JIS,
    ]:
        response = _upload(client, data)
        assert response.status_code == 400
        assert why in response.get_data(as_text=True)
    missing = client.post("/staff/import", data={"csrf_token": csrf_token(client, "/staff/import")})
    assert missing.status_code == 400 and "ファイルを選んでください" in missing.get_data(
        as_text=True
    )
    assert session.exec(select(SubscriberImport)).all() == []


def test_an_upload_left_at_the_preview_is_discarded_or_erased(client, session, city, worker):
    organisation, _, _ = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    login(client, "admin@aoba.example.jp")
    first = _upload(client, CSV.encode("utf-8-sig")).headers["Location"]
    token = csrf_token(client, first)
    gone = client.post(first, data={"csrf_token": token, "action": "discard"})
    assert gone.status_code == 303
    assert session.exec(select(SubscriberImport)).all() == []
    assert client.get(first).status_code == 404

    _upload(client, CSV.encode("utf-8-sig"))
    worker.upkeep(utcnow() + timedelta(hours=23))
    session.expire_all()
    assert len(session.exec(select(SubscriberImport)).all()) == 1
    worker.upkeep(utcnow() + timedelta(days=1, minutes=1))
    session.expire_all()
    assert session.exec(select(SubscriberImport)).all() == []
    assert _count(session, Subscriber) == 1


def test_only_admins_of_the_city_see_its_uploads(client, session, city):
    organisation, _, _ = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    create_staff(
        session, organisation=organisation, email="editor@aoba.example.jp", role=Role.EDITOR
    )
    other = create_organisation(session, slug="midori", name="緑市")
    create_staff(session, organisation=other, email="admin@midori.example.jp")
    login(client, "admin@aoba.example.jp")
    preview = _upload(client, CSV.encode("utf-8-sig")).headers["Location"]
    login(client, "editor@aoba.example.jp")
    assert client.get("/staff/import").status_code == 403
    assert client.get(preview).status_code == 403
    login(client, "admin@midori.example.jp")
    assert client.get(preview).status_code == 404


def test_line_user_ids_come_in_and_are_told_in_their_chat(
    database, settings, session, city, fake_line
):
    from jobs.worker import Worker
    from service import create_app
    from tests.conftest import with_line
    from tests.fakes.line import user_id

    organisation, yoikuhi, _ = city
    app = create_app(with_line(settings, fake_line), database)
    mother, father, known = user_id("mother"), user_id("father"), user_id("known")
    with app.app_context():
        create_subscriber(session, organisation=organisation, topics=[yoikuhi], email=None)
        session.add(
            Endpoint(
                subscriber_id=session.exec(select(Subscriber)).all()[-1].id,
                channel="line",
                address=known,
                address_hash=hash_address("line", known, ADDRESS_KEY),
                verified_at=utcnow(),
            )
        )
        session.commit()
        data = (
            "line_user_id,メールアドレス,テーマ,同意日\n"
            f"{mother},,養育費,2021-06-01\n"
            f"{father},father@example.jp,養育費,2021-06-02\n"
            f"{known},,養育費,2021-06-03\n"
            "U123,,養育費,2021-06-04\n"
        )
        report = import_subscribers(
            session, organisation, read_csv(data.encode()), now=utcnow(), dry_run=False
        )
        session.commit()
        assert (report.new, report.existing) == (2, 1)
        assert report.invalid == [
            (5, "LINEのユーザーIDの形が正しくありません（Uと32文字の英数字）")
        ]
        lines = {
            e.address: e.subscriber_id
            for e in session.exec(select(Endpoint).where(Endpoint.channel == "line"))
        }
        assert set(lines) == {mother, father, known}
        both = session.exec(select(Endpoint).where(Endpoint.subscriber_id == lines[father])).all()
        assert sorted(e.channel for e in both) == ["email", "line"]
        noon = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
        Worker(app).run_once(noon)
    assert fake_line.users() == [mother]  # the father is told by email, with his own links
    assert "これから新しいサービスでこのトークに届きます" in fake_line.sent[0].messages[0]["text"]
    assert {m["To"] for m in read_outbox(settings.outbox_dir)} == {"father@example.jp"}


def _queued(session, organisation, data: bytes) -> SubscriberImport:
    upload = SubscriberImport(
        organisation_id=organisation.id, filename="list.csv", data=data, status="queued"
    )
    session.add(upload)
    session.commit()
    return upload


LIST = "email,topics,consent_date\n" + "".join(
    f"moved{n}@example.jp,養育費,2020-04-01\n" for n in range(20)
)


def _moved_once(session, settings, worker) -> None:
    session.expire_all()
    assert _count(session, Subscriber) == 21  # the one already here, and twenty brought in
    addresses = session.exec(select(Endpoint.address)).all()
    assert len(addresses) == len(set(addresses))
    worker.run_once()
    told = [m["To"] for m in read_outbox(settings.outbox_dir)]
    assert sorted(told) == sorted(f"moved{n}@example.jp" for n in range(20))


def test_a_worker_that_dies_mid_import_leaves_it_to_the_next_once(
    session, database, city, worker, settings
):
    organisation, _, _ = city
    upload = _queued(session, organisation, LIST.encode())
    with worker.app.app_context(), database.session() as dying:  # took it, wrote, killed
        dying.execute(
            SubscriberImport.__table__.update()
            .where(SubscriberImport.__table__.c.id == upload.id)
            .values(status="running", started_at=utcnow(), taken=1)
        )
        dying.commit()
        import_subscribers(
            dying, organisation, read_csv(LIST.encode()), now=utcnow(), dry_run=False
        )
        dying.rollback()
    assert worker.imports() == 0  # its lease has not run out yet
    assert (
        worker.imports(utcnow() + timedelta(minutes=16)) == 0
    )  # the tick's time is not the lease's
    with database.session() as clock:  # sixteen minutes later
        clock.execute(
            SubscriberImport.__table__.update().values(started_at=utcnow() - timedelta(minutes=16))
        )
        clock.commit()
    assert worker.imports() == 1
    _moved_once(session, settings, worker)


def test_a_slow_worker_overtaken_after_its_lease_brings_nobody_in_twice(
    session, database, city, worker, settings
):
    """Worker A is slow: its lease runs out while it imports, and worker B takes the list over.
    Whatever the order of their commits, each parent is brought in, and told, once."""
    organisation, _, _ = city
    _queued(session, organisation, LIST.encode())
    started: list[threading.Thread] = []

    def overtake(conn, clauseelement, *args):  # A has written its rows, not yet committed
        if started or "delivery" not in str(clauseelement).lower():
            return

        def other_worker():
            with database.session() as clock:
                clock.execute(
                    SubscriberImport.__table__.update().values(
                        started_at=utcnow() - timedelta(minutes=16)
                    )
                )
                clock.commit()
            Worker(worker.app).imports()

        started.append(threading.Thread(target=other_worker))
        started[0].start()
        time.sleep(1)  # B takes the list over (on SQLite it waits for A's transaction)

    sa_event.listen(database.engine, "after_execute", overtake)
    try:
        worker.imports()
    finally:
        sa_event.remove(database.engine, "after_execute", overtake)
    started[0].join(timeout=60)
    upload = session.exec(select(SubscriberImport)).one()
    session.refresh(upload)
    assert upload.status == "done" and upload.data == b""
    _moved_once(session, settings, worker)


@pytest.mark.parametrize(
    ("row", "why"),
    [
        ("a@example.jp,養育費,1899-01-01", "同意日 1899-01-01 はありえません"),
        ("a@example.jp,養育費,2999-04-01", "同意日 2999-04-01 はありえません"),
        ("a@example.jp,養育費,2019-04-999999999999999999999", "日付が読めません"),
        ("a@example.jp,養育費,2019-04-01,2099-01", "子どもの生まれ年月がありえません"),
        ("a@example.jp,養育費,2019-04-01,1950-01", "子どもの生まれ年月がありえません"),
        (f"{'a' * 300}@example.jp,養育費,2019-04-01", "「email」が長すぎます（254文字まで）"),
        (f"a@example.jp,{'養育費;' * 400},2019-04-01", "「topics」が長すぎます"),
    ],
)
def test_impossible_dates_and_over_long_cells_are_refused_by_line(session, city, row, why):
    organisation, _, _ = city
    data = f"email,topics,consent_date,birth_months\n{row}\n".encode()
    report = import_subscribers(session, organisation, read_csv(data), now=utcnow())
    assert report.invalid == [(2, why)] or (
        report.invalid[0][0] == 2 and why in report.invalid[0][1]
    )
    assert report.new == 0


def test_a_file_with_a_cell_no_list_has_is_refused_with_its_line(client, session, city):
    organisation, _, _ = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    login(client, "admin@aoba.example.jp")
    data = (
        "email,topics,consent_date\nok@example.jp,養育費,2019-04-01\nx@example.jp,"
        + "x" * 200_000
        + ",2019-04-01\n"
    ).encode()
    response = _upload(client, data)
    assert response.status_code == 400 and "3行目が読めません" in response.get_data(as_text=True)
    assert session.exec(select(SubscriberImport)).all() == []


def test_a_failed_import_ends_and_drops_its_file(client, session, city, worker):
    organisation, _, _ = city
    create_staff(session, organisation=organisation, email="admin@aoba.example.jp")
    upload = _queued(session, organisation, b"\x81\x00 not a list")
    assert worker.imports() == 0
    session.refresh(upload)
    assert (upload.status, upload.data) == ("failed", b"")
    assert "文字コードが読めません" in upload.report["error"]
    assert worker.imports() == 0  # ended: never taken again
    login(client, "admin@aoba.example.jp")
    page = client.get(f"/staff/import/{upload.id}").get_data(as_text=True)
    assert "取り込めませんでした" in page and "ファイルは消しました" in page
    assert _count(session, Subscriber) == 1
