"""Writing notices, previewing them, and the approval flow with its four-eyes rule."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from service.models import AuditEvent, Notice, Role
from service.types import utcnow
from tests.bulk import add_subscribers
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox, text_body


@pytest.fixture
def city(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    create_staff(session, organisation=city, email="admin1@aoba.example.jp", role=Role.ADMIN)
    create_staff(session, organisation=city, email="admin2@aoba.example.jp", role=Role.ADMIN)
    create_staff(session, organisation=city, email="viewer@aoba.example.jp", role=Role.VIEWER)
    return city, topic


def login(client, email):
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/login")})
    response = client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": email,
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302


def _draft(client, topic, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/staff/notices/new"),
        "title": "現況届のお知らせ",
        "body": "8月31日までに提出してください。",
        "topics": [str(topic.id)],
        "channels": ["email"],
        "rule_kind": "once",
        "starts_at": "2027-08-01T09:00",
        "holiday_shift": "none",
    }
    data.update(overrides)
    return client.post("/staff/notices/new", data=data)


def _act(client, notice_id, action, **extra):
    page = f"/staff/notices/{notice_id}"
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page), **extra})


def _notice(session):
    session.expire_all()
    return session.exec(select(Notice)).one()


def test_an_editor_writes_a_draft_and_it_is_audited(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    response = _draft(client, topic)
    assert response.status_code == 303
    notice = _notice(session)
    assert (notice.status, notice.title, notice.rule_kind) == ("draft", "現況届のお知らせ", "once")
    assert notice.starts_at.isoformat() == "2027-08-01T00:00:00+00:00"  # 09:00 in Tokyo
    [event] = session.exec(select(AuditEvent).where(AuditEvent.target.like("notice:%"))).all()
    assert event.action == "notice.create" and event.detail["after"]["title"] == "現況届のお知らせ"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"topics": []}, "テーマを1つ以上選んでください"),
        ({"starts_at": ""}, "配信日時を入力してください"),
        ({"rule_kind": "rrule", "rrule": "EVERY SUNDAY"}, "繰り返しのルールが使えません"),
        ({"rule_kind": "rrule", "rrule": "FREQ=MINUTELY"}, "1日に1回まで"),
        ({"rule_kind": "rrule", "rrule": "FREQ=DAILY;BYHOUR=9,12"}, "1日に1回まで"),
        ({"rule_kind": "relative", "offset_days": ""}, "何日後かを入力してください"),
        ({"title": ""}, "件名を入力してください"),
    ],
)
def test_a_wrong_notice_is_answered_on_the_form_and_saves_nothing(
    client, session, city, overrides, message
):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    response = _draft(client, topic, **overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert session.exec(select(Notice)).all() == []


def test_submit_then_approval_by_another_admin_only(client, session, city):
    _, topic = city
    login(client, "admin1@aoba.example.jp")
    _draft(client, topic)
    notice_id = _notice(session).id
    _act(client, notice_id, "submit")
    assert _notice(session).status == "submitted"
    page = _act(client, notice_id, "approve")
    assert "作成・編集・承認の依頼をした人は、そのお知らせを承認できません" in client.get(
        page.location
    ).get_data(as_text=True)
    assert _notice(session).status == "submitted"
    login(client, "editor@aoba.example.jp")
    _act(client, notice_id, "approve")
    assert _notice(session).status == "submitted"  # editors do not approve
    login(client, "admin2@aoba.example.jp")
    _act(client, notice_id, "approve")
    notice = _notice(session)
    assert notice.status == "scheduled" and notice.scheduled_at is not None
    actions = [
        e.action
        for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))
        if not e.action.startswith(("staff.login", "staff.logout"))
    ]
    assert actions == ["notice.create", "notice.submit", "notice.approve"]


@pytest.mark.parametrize("how", ["edits", "submits"])
def test_an_admin_who_edits_or_submits_anothers_notice_cannot_approve_it(
    client, session, city, how
):
    """Two people, really: rewriting an editor's draft, or only sending it for approval, is
    taking part in it; a second admin has to look."""
    _, topic = city
    login(client, "editor@aoba.example.jp")
    _draft(client, topic)
    notice_id = _notice(session).id
    login(client, "admin1@aoba.example.jp")
    if how == "edits":
        page = f"/staff/notices/{notice_id}/edit"
        client.post(
            page,
            data={
                "csrf_token": csrf_token(client, page),
                "title": "管理者が書き直した件名",
                "body": "管理者が書き直した本文",
                "topics": [str(topic.id)],
                "channels": ["email"],
                "rule_kind": "once",
                "starts_at": "2027-08-01T09:00",
                "holiday_shift": "none",
            },
        )
    _act(client, notice_id, "submit")
    assert _notice(session).status == "submitted"
    assert "承認して配信予約する" not in client.get(f"/staff/notices/{notice_id}").get_data(
        as_text=True
    )
    _act(client, notice_id, "approve")
    assert _notice(session).status == "submitted"
    login(client, "admin2@aoba.example.jp")
    assert "承認して配信予約する" in client.get(f"/staff/notices/{notice_id}").get_data(
        as_text=True
    )
    _act(client, notice_id, "approve")
    assert _notice(session).status == "scheduled"


def test_editing_a_scheduled_notice_returns_it_to_draft(client, session, city):
    org, topic = city
    create_notice(session, organisation=org, topics=[topic], starts_at=utcnow() + timedelta(days=3))
    login(client, "editor@aoba.example.jp")
    notice_id = _notice(session).id
    page = f"/staff/notices/{notice_id}/edit"
    assert "保存すると下書きに戻り" in client.get(page).get_data(as_text=True)
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "title": "変更後の件名",
            "body": "本文",
            "topics": [str(topic.id)],
            "channels": ["email"],
            "rule_kind": "once",
            "starts_at": "2027-08-01T09:00",
            "holiday_shift": "none",
        },
    )
    assert response.status_code == 303
    notice = _notice(session)
    assert (notice.status, notice.title, notice.scheduled_at) == ("draft", "変更後の件名", None)


def test_staff_html_never_reaches_a_page_or_an_email_as_markup(client, session, city):
    org, topic = city
    create_notice(
        session,
        organisation=org,
        topics=[topic],
        title="<script>alert(1)</script>件名",
        body="<script>alert(2)</script>**本文**",
        starts_at=utcnow(),
    )
    login(client, "viewer@aoba.example.jp")
    notice_id = _notice(session).id
    page = client.get(f"/staff/notices/{notice_id}").get_data(as_text=True)
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)" in page
    preview = client.get(f"/staff/notices/{notice_id}/preview.html")
    assert "<script>" not in preview.get_data(as_text=True)
    assert "<strong>本文</strong>" in preview.get_data(as_text=True)
    assert "script-src" not in preview.headers["Content-Security-Policy"]


def test_viewers_read_but_do_not_write(client, session, city):
    _, topic = city
    login(client, "viewer@aoba.example.jp")
    assert client.get("/staff/notices").status_code == 200
    assert client.get("/staff/notices/new").status_code == 403


def test_another_organisations_notice_is_not_found(client, session, city):
    other = create_organisation(session, slug="kita", name="きた市")
    other_topic = create_topic(session, organisation=other, slug="x")
    theirs = create_notice(session, organisation=other, topics=[other_topic], starts_at=utcnow())
    login(client, "admin1@aoba.example.jp")
    for path in (
        f"/staff/notices/{theirs.id}",
        f"/staff/notices/{theirs.id}/edit",
        f"/staff/notices/{theirs.id}/preview.html",
    ):
        assert client.get(path).status_code == 404
    assert "きた市" not in client.get("/staff/notices").get_data(as_text=True)


def test_approving_a_notice_that_reaches_many_now_needs_a_second_tick(client, session, city):
    org, topic = city
    add_subscribers(session, organisation_id=org.id, topic_ids=[topic.id], count=120)
    notice = create_notice(
        session, organisation=org, topics=[topic], starts_at=utcnow(), status="submitted"
    )
    login(client, "admin2@aoba.example.jp")
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    assert "承認するとすぐに120人に届きます" in page
    _act(client, notice.id, "approve")
    assert _notice(session).status == "submitted"
    _act(client, notice.id, "approve", confirm_reach="y")
    assert _notice(session).status == "scheduled"


def test_send_a_test_to_me(client, session, city, worker, settings):
    org, topic = city
    create_subscriber(session, organisation=org, topics=[topic], email="parent@example.jp")
    login(client, "editor@aoba.example.jp")
    _draft(client, topic)
    notice_id = _notice(session).id
    response = _act(client, notice_id, "test")
    assert response.status_code == 303
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)
    assert str(email["To"]) == "editor@aoba.example.jp"
    assert str(email["Subject"]) == "[テスト] 現況届のお知らせ"
    assert _notice(session).status == "draft"
    worker.run_once(utcnow() + timedelta(minutes=1))
    assert len(read_outbox(settings.outbox_dir)) == 1  # the parent got nothing: it is a draft
    report = client.get(f"/staff/notices/{notice_id}/report").get_data(as_text=True)
    assert "まだ配信されていません" in report


def test_cancelling_one_occurrence_skips_only_that_one(client, session, city, worker, settings):
    org, topic = city
    create_subscriber(session, organisation=org, topics=[topic], email="parent@example.jp")
    start = utcnow().replace(microsecond=0) + timedelta(hours=1)
    notice = create_notice(
        session,
        organisation=org,
        topics=[topic],
        rule_kind="rrule",
        starts_at=start,
        rrule="FREQ=DAILY;COUNT=3",
        scheduled_at=utcnow(),
    )
    login(client, "admin1@aoba.example.jp")
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    assert page.count("この回を取り消す") == 3
    first_due = start.isoformat()
    response = _act(client, notice.id, "occurrences/cancel", due_at=first_due)
    assert response.status_code == 303
    assert (
        client.get(f"/staff/notices/{notice.id}").get_data(as_text=True).count("この回を取り消す")
        == 2
    )
    worker.run_once(start)
    assert read_outbox(settings.outbox_dir) == []
    worker.run_once(start + timedelta(days=1))
    assert len(read_outbox(settings.outbox_dir)) == 1
    wrong = _act(client, notice.id, "occurrences/cancel", due_at="not a time")
    assert "その回は予定にありません" in client.get(wrong.location).get_data(as_text=True)


def test_a_notice_can_aim_at_a_school_grade(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    assert _draft(client, topic, school_grade="1", school_year_offset="1").status_code == 303
    notice = _notice(session)
    assert (notice.school_grade, notice.school_year_offset) == (1, 1)
    edit = client.get(f"/staff/notices/{notice.id}/edit").get_data(as_text=True)
    assert '<option selected value="1">小1</option>' in edit
    assert _draft(client, topic, school_grade="13").status_code == 400


def test_the_form_previews_the_email_before_saving(client, session, city):
    login(client, "editor@aoba.example.jp")
    form = client.get("/staff/notices/new").get_data(as_text=True)
    assert 'formtarget="draft-preview"' in form
    response = client.post(
        "/staff/notices/preview.html",
        data={
            "csrf_token": csrf_token(client, "/staff/notices/new"),
            "title": "<b>件名</b>",
            "body": "**太字**<script>x</script>",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<strong>太字</strong>" in html
    assert "<script>" not in html and "&lt;b&gt;件名" in html
    assert session.exec(select(Notice)).all() == []


def test_a_line_notice_is_written_and_previewed_as_parents_will_see_it(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    response = _draft(
        client,
        topic,
        title="養育費の相談会",
        body="予約は[こちら](https://city.example.jp/yoyaku)から。",
        channels=["email", "line"],
    )
    assert response.status_code == 303
    notice = _notice(session)
    assert notice.channels == ["email", "line"]
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    line = page[page.index("プレビュー：LINE") :]
    assert "あおば市からのお知らせがあります" in line  # the notification, unless previews
    assert "予約はこちらから。" in line and "こちら（https://city.example.jp/yoyaku）" in line
    assert "設定・配信停止" in line


def test_the_preview_is_the_email_a_parent_of_its_topics_gets(client, session, city):
    org, topic = city
    create_source(session, organisation=org, name="市民課 戸籍窓口")
    notice = create_notice(
        session,
        organisation=org,
        topics=[topic],
        title="相談会",
        body="[外のサイト](https://elsewhere.example/?u=%%unsubscribe_url%%) と %%reason%%",
        starts_at=utcnow(),
    )
    login(client, "viewer@aoba.example.jp")
    frame = client.get(f"/staff/notices/{notice.id}/preview.html").get_data(as_text=True)
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    text = page[page.index("テキスト版") :]  # the plain-text email, as the page shows it
    for html, link in ((frame, "?u=%25%25unsubscribe_url"), (text, "?u=%25%25unsubscribe_url")):
        # A sample parent's real-looking links and reason line, where a parent's own go…
        assert "https://yorisou.example.jp/unsubscribe/" in html
        assert "https://yorisou.example.jp/preferences/" in html
        assert "ご登録のテーマ：養育費（市民課 戸籍窓口で登録）" in html
        # …and what staff typed, exactly as typed: a second reviewer sees what it would do.
        assert "%%reason%%" in html and f"https://elsewhere.example/{link}" in html
        assert not re.search(r"%%\w+-[0-9a-f]{16}%%", html)  # no placeholder of Yorisou's own
    login(client, "editor@aoba.example.jp")
    draft = client.post(
        "/staff/notices/preview.html",
        data={
            "csrf_token": csrf_token(client, "/staff/notices/new"),
            "title": "件名",
            "body": "本文",
            "topics": [str(topic.id)],
        },
    ).get_data(as_text=True)
    assert "ご登録のテーマ：養育費" in draft and "/unsubscribe/" in draft


def test_a_link_longer_than_line_accepts_is_refused_when_saved(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    long_link = f"[案内](https://city.example.jp/{'a' * 10_000})"
    response = _draft(client, topic, body=long_link, channels=["email", "line"])
    assert response.status_code == 400
    assert "LINEで送れないほど長いリンクがあります" in response.get_data(as_text=True)
    assert session.exec(select(Notice)).all() == []


def test_a_notice_in_english_and_easy_japanese_is_written_and_half_a_version_refused(
    client, session, city
):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    half = _draft(client, topic, title_en="Status report", body_en="")
    assert half.status_code == 400
    assert "件名と本文は両方入力してください" in half.get_data(as_text=True)
    assert session.exec(select(Notice)).all() == []
    whole = _draft(
        client, topic, title_easy="げんきょうとどけ", body_easy="8月31日までに 出して ください。"
    )
    assert whole.status_code == 303
    notice = _notice(session)
    assert (notice.title_easy, notice.title_en) == ("げんきょうとどけ", "")
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    assert "英語版：なし（日本語で届きます）" in page and "やさしい日本語版：あり" in page


def test_a_yearly_deadline_is_set_in_words_and_shown_in_words(client, session, city):
    """毎年8月1日 9:00, moved to the working day before when it falls on a weekend, a holiday or
    one of the city's own closed days; the form shows the next five dates before saving."""
    organisation, topic = city
    organisation.closed_days = ["2028-08-01"]
    session.add(organisation)
    session.commit()
    login(client, "editor@aoba.example.jp")
    schedule = {
        "rule_kind": "rrule",
        "starts_at": "2027-01-01T09:00",
        "repeat": "yearly_date",
        "repeat_month": "8",
        "repeat_day": "1",
        "holiday_shift": "previous",
    }
    preview = client.post(
        "/staff/notices/schedule.json",
        data={"csrf_token": csrf_token(client, "/staff/notices/new"), **schedule},
    ).get_json()
    assert preview["description"] == "毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）"
    assert preview["dates"] == [
        "2027年7月30日（金）9:00",  # 8/1 is a Sunday
        "2028年7月31日（月）9:00",  # 8/1 is the city's own closed day
        "2029年8月1日（水）9:00",
        "2030年8月1日（木）9:00",
        "2031年8月1日（金）9:00",
    ]
    assert _draft(client, topic, **schedule).status_code == 303
    notice = _notice(session)
    assert notice.rrule == "FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=1"
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    assert "毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）" in page
    form = client.get(f"/staff/notices/{notice.id}/edit").get_data(as_text=True)
    assert 'value="yearly_date" selected' in form or '<option selected value="yearly_date">' in form
    assert "2027年7月30日（金）9:00" in form


def test_payment_months_are_a_plain_choice_and_the_audit_log_says_them_in_words(
    client, session, city
):
    """児童扶養手当 is paid in odd months: chosen as months on the form, read back in words on
    the notice, its form and the audit log, which names the notice by its title."""
    _, topic = city
    login(client, "admin1@aoba.example.jp")
    schedule = {
        "rule_kind": "rrule",
        "starts_at": "2027-01-01T09:00",
        "repeat": "months_day",
        "repeat_months": ["1", "3", "5", "7", "9", "11"],
        "repeat_day": "11",
    }
    one = _draft(client, topic, **{**schedule, "repeat_months": ["5"]})
    assert one.status_code == 400 and "月を2つ以上選んでください" in one.get_data(as_text=True)
    assert _draft(client, topic, **schedule).status_code == 303
    notice = _notice(session)
    assert notice.rrule == "FREQ=YEARLY;BYMONTH=1,3,5,7,9,11;BYMONTHDAY=11"
    page = client.get(f"/staff/notices/{notice.id}").get_data(as_text=True)
    assert "奇数月（1・3・5・7・9・11月）の11日 9:00" in page and "FREQ=" not in page
    form = client.get(f"/staff/notices/{notice.id}/edit").get_data(as_text=True)
    assert re.search(r'<option selected value="months_day">|value="months_day" selected', form)
    assert re.search(r'value="3" checked|checked[^>]*value="3"', form)
    edit = f"/staff/notices/{notice.id}/edit"
    client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            "title": "現況届のお知らせ",
            "body": "8月31日までに提出してください。",
            "topics": [str(topic.id)],
            "channels": ["email"],
            "holiday_shift": "none",
            **schedule,
            "repeat_months": ["2", "4", "6", "8", "10", "12"],
        },
    )
    audit = client.get("/staff/audit?kind=notice").get_data(as_text=True)
    assert "お知らせ「現況届のお知らせ」" in audit and "お知らせ 1<" not in audit
    assert "奇数月（1・3・5・7・9・11月）の11日 → 偶数月（2・4・6・8・10・12月）の11日" in audit
    assert "FREQ=" not in audit


def _inbox(client) -> str:
    page = client.get("/staff/").get_data(as_text=True)
    return page[page.index("あなたのやること") : page.index("これから7日間の配信")]


def test_home_shows_what_waits_for_each_staff_member(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    _draft(client, topic)
    notice_id = _notice(session).id
    assert "あなたの下書き（1件）" in _inbox(client)
    _act(client, notice_id, "submit")
    assert "承認を待っている" not in _inbox(client)  # not for its author to approve
    login(client, "admin1@aoba.example.jp")
    assert "承認を待っているお知らせ（1件）" in _inbox(client) and "現況届のお知らせ" in _inbox(
        client
    )
    refused = _act(client, notice_id, "return")  # without a reason
    assert "差し戻す理由を書いてください" in client.get(refused.headers["Location"]).get_data(
        as_text=True
    )
    assert _notice(session).status == "submitted"
    _act(client, notice_id, "return", reason="提出期限の日付を確かめてください。")
    assert "承認を待っている" not in _inbox(client)
    login(client, "editor@aoba.example.jp")
    inbox = _inbox(client)
    assert "差し戻されたお知らせ（1件）" in inbox and "あなたの下書き" not in inbox
    assert "理由：提出期限の日付を確かめてください。" in inbox
    page = client.get(f"/staff/notices/{notice_id}").get_data(as_text=True)
    assert "差し戻しの理由" in page and "提出期限の日付を確かめてください。" in page
    [audit] = session.exec(select(AuditEvent).where(AuditEvent.action == "notice.return")).all()
    assert audit.detail["after"]["reason"] == "提出期限の日付を確かめてください。"
    _act(client, notice_id, "submit")
    assert _notice(session).returned_reason is None  # answered by sending it again
    _draft(client, topic, title="別のお知らせ")
    assert "あなたの下書き（1件）" in _inbox(client)


def test_submitting_and_deciding_email_whoever_has_something_to_do(
    client, session, city, worker, settings
):
    """Submit: the admins who may approve it get a short email with a link and none of the
    notice's words; approve or send back: its author. Not the one who acted; not those who
    turned these emails off."""
    _, topic = city
    login(client, "admin2@aoba.example.jp")
    client.post(
        "/staff/notifications", data={"csrf_token": csrf_token(client, "/staff/password")}
    )  # unticked: off
    login(client, "editor@aoba.example.jp")
    _draft(client, topic)
    notice_id = _notice(session).id
    _act(client, notice_id, "submit")
    worker.run_once()
    [asked] = read_outbox(settings.outbox_dir)
    assert asked["To"] == "admin1@aoba.example.jp"
    assert asked["Subject"] == "【寄り添う】承認の依頼があります"
    body = text_body(asked)
    assert f"https://yorisou.example.jp/staff/notices/{notice_id}" in body
    assert "現況届" not in body and "8月31日" not in body  # no content in an inbox

    login(client, "admin1@aoba.example.jp")
    _act(client, notice_id, "return", reason="日付が去年のままです。")
    worker.run_once()
    returned = read_outbox(settings.outbox_dir)[-1]
    assert (returned["To"], returned["Subject"]) == (
        "editor@aoba.example.jp",
        "【寄り添う】お知らせが差し戻されました",
    )
    assert "差し戻しの理由：\n日付が去年のままです。" in text_body(returned)
    login(client, "editor@aoba.example.jp")
    _act(client, notice_id, "submit")
    login(client, "admin1@aoba.example.jp")
    _act(client, notice_id, "approve")
    worker.run_once()
    mails = read_outbox(settings.outbox_dir)
    assert [m["To"] for m in mails] == [
        "admin1@aoba.example.jp",
        "editor@aoba.example.jp",
        "admin1@aoba.example.jp",
        "editor@aoba.example.jp",
    ]
    assert mails[-1]["Subject"] == "【寄り添う】お知らせが承認されました"
    assert "admin2@aoba.example.jp" not in [m["To"] for m in mails]


def test_the_list_is_newest_first_with_filters_and_says_what_was_done(client, session, city):
    _, topic = city
    login(client, "editor@aoba.example.jp")
    _draft(client, topic, title="古いお知らせ")
    _draft(client, topic, title="新しいお知らせ")
    older = session.exec(select(Notice).where(Notice.title == "古いお知らせ")).one()
    done = _act(client, older.id, "submit")
    assert "承認を依頼しました。" in client.get(done.location).get_data(as_text=True)
    page = client.get("/staff/notices").get_data(as_text=True).split("<tbody>")[1]
    assert page.index("古いお知らせ") < page.index("新しいお知らせ")  # changed last, first
    drafts = client.get("/staff/notices?status=draft").get_data(as_text=True).split("<tbody>")[1]
    assert "新しいお知らせ" in drafts and "古いお知らせ" not in drafts
    assert "当てはまるお知らせはありません" in client.get(
        "/staff/notices?topic=999999&author=12"
    ).get_data(as_text=True)
