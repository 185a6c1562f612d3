"""The staff console in a real browser: write, preview, submit, approve as someone else."""

from __future__ import annotations

import re
from datetime import timedelta

from service.models import Role
from service.types import utcnow
from tests.browser.conftest import check_accessibility, screenshot
from tests.factories import (
    PASSWORD,
    create_event,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
    fill_slot,
)


def _login(page, email):
    page.goto("/staff/login")
    page.get_by_label("メールアドレス").fill(email)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("heading", name="ホーム").wait_for()


def test_write_preview_submit_and_approve(page, session):
    city = create_organisation(session)
    create_topic(session, organisation=city, name_ja="児童扶養手当")
    create_source(session, organisation=city)
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    page.set_viewport_size({"width": 1200, "height": 900})

    _login(page, "editor@aoba.example.jp")
    page.get_by_role("link", name="お知らせ", exact=True).click()
    page.get_by_role("link", name="新しいお知らせを作る").click()
    check_accessibility(page)
    page.get_by_label("件名", exact=True).fill("現況届の受付が始まります")
    page.get_by_label("本文（Markdown）", exact=True).fill("**8月31日**までに提出してください。")
    page.get_by_role("checkbox", name="児童扶養手当").check()
    page.get_by_role("checkbox", name="メール").check()
    page.get_by_label("配信日時（繰り返しは開始日）").fill("2027-08-01T09:00")
    page.get_by_role("button", name="下書きを保存する").click()
    page.get_by_text("下書きを保存しました").wait_for()
    assert (
        "現況届の受付が始まります"
        in page.frame_locator("iframe.preview").locator("h1").inner_text()
    )
    check_accessibility(page)
    screenshot(page, "staff-notice")
    page.get_by_role("button", name="承認を依頼する").click()
    page.get_by_text("承認待ち").first.wait_for()
    assert page.get_by_role("button", name="承認して配信予約する").count() == 0

    page.get_by_role("button", name="ログアウト").click()
    _login(page, "admin@aoba.example.jp")
    page.get_by_role("link", name="お知らせ", exact=True).click()
    page.get_by_role("link", name="現況届の受付が始まります").click()
    page.get_by_role("button", name="承認して配信予約する").click()
    page.get_by_text("配信予約済み").first.wait_for()

    page.goto("/staff/calendar?month=2027-08")
    page.get_by_role("link", name="09:00 現況届の受付が始まります").wait_for()
    check_accessibility(page)
    screenshot(page, "staff-calendar")
    page.goto("/staff/dashboard")
    check_accessibility(page)
    screenshot(page, "staff-dashboard")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/staff/audit")
    page.get_by_role("cell", name="お知らせを承認").wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280  # fits the screen
    assert "notice.approve" not in page.content()
    check_accessibility(page)
    screenshot(page, "staff-audit")


def test_yearly_and_monthly_notices_are_set_in_words(page, session):
    """The demo city's yearly 現況届 and the monthly payment day, without typing an RRULE: the
    form shows the rule in words and the next five dates as the staff member chooses."""
    city = create_organisation(session)
    create_topic(session, organisation=city, name_ja="児童扶養手当")
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    page.set_viewport_size({"width": 1280, "height": 1000})
    _login(page, "editor@aoba.example.jp")

    page.goto("/staff/notices/new")
    page.get_by_label("件名", exact=True).fill("現況届の受付が始まりました")
    page.get_by_label("本文（Markdown）", exact=True).fill("8月31日までに提出してください。")
    page.get_by_role("checkbox", name="児童扶養手当").check()
    page.get_by_role("checkbox", name="メール").check()
    page.get_by_role("radio", name="繰り返し（毎年・毎月・毎週）").check()
    assert not page.get_by_label("RRULE（詳細）").is_visible()  # words first
    page.get_by_label("配信日時（繰り返しは開始日）").fill("2027-01-04T09:00")
    page.get_by_label("繰り返し方").select_option("yearly_date")
    # only the parts this repeat uses are shown
    assert page.locator("#repeat_nth").is_hidden() and page.locator("#repeat_weekday").is_hidden()
    assert page.locator("#repeat_months").is_hidden()
    page.get_by_label("月", exact=True).select_option("8")
    page.get_by_label("日", exact=True).select_option("1")
    page.get_by_label("休日・閉庁日に当たるとき").select_option("previous")
    preview = page.locator("#schedule-preview")
    preview.get_by_text("毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）").wait_for()
    preview.get_by_text("2027年7月30日（金）9:00").wait_for()  # 8/1 is a Sunday
    check_accessibility(page)
    screenshot(page, "staff-notice-schedule")
    page.get_by_role("button", name="下書きを保存する").click()
    page.get_by_text("下書きを保存しました").wait_for()
    page.get_by_text("毎年8月1日 9:00（土日祝・閉庁日は前の開庁日）").wait_for()

    page.goto("/staff/notices/new")
    page.get_by_label("件名", exact=True).fill("児童扶養手当の支払日です")
    page.get_by_label("本文（Markdown）", exact=True).fill("今日が支払日です。")
    page.get_by_role("checkbox", name="児童扶養手当").check()
    page.get_by_role("checkbox", name="メール").check()
    page.get_by_role("radio", name="繰り返し（毎年・毎月・毎週）").check()
    page.get_by_label("配信日時（繰り返しは開始日）").fill("2027-01-04T08:00")
    page.get_by_label("繰り返し方").select_option("months_day")  # paid in odd months
    assert page.get_by_role("checkbox", name="3月", exact=True).is_checked()  # odd, to start
    assert page.get_by_role("checkbox", name="4月", exact=True).is_visible()
    assert page.locator("#repeat_nth").is_hidden()
    page.get_by_label("日", exact=True).select_option("11")
    page.get_by_label("休日・閉庁日に当たるとき").select_option("previous")
    words = "奇数月（1・3・5・7・9・11月）の11日 8:00（土日祝・閉庁日は前の開庁日）"
    page.locator("#schedule-preview").get_by_text(words).wait_for()
    page.get_by_role("button", name="下書きを保存する").click()
    page.get_by_text("下書きを保存しました").wait_for()
    page.get_by_text(words).wait_for()


def test_the_console_header_lays_out_at_1024_and_1280_px(page, session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    _login(page, "admin@aoba.example.jp")
    for width in (1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        page.goto("/staff/")
        logout = page.get_by_role("button", name="ログアウト").bounding_box()
        assert logout["width"] > logout["height"]  # written across, not upright
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        screenshot(page, f"staff-home-{width}")


OLD_LIST = """メールアドレス,配信テーマ,同意日,同意の場所
mother@example.jp,養育費,2019/4/1,市民課窓口
father@example.jp,養育費;就労支援,2020-05-10,郵送
not an address,養育費,2019-04-01,
"""


def test_an_admin_brings_an_old_list_in(page, session, live_worker):
    city = create_organisation(session)
    create_topic(session, organisation=city)  # 養育費
    create_topic(session, organisation=city, slug="shigoto", name_ja="仕事", name_en="Work")
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, "admin@aoba.example.jp")
    page.get_by_role("link", name="自治体の設定").click()
    page.get_by_role("link", name="登録者の取り込み").click()
    check_accessibility(page)
    page.get_by_label("登録者の一覧（CSV）").set_input_files(
        {"name": "旧メール配信.csv", "mimeType": "text/csv", "buffer": OLD_LIST.encode("cp932")}
    )
    page.get_by_role("button", name="確認する（まだ取り込みません）").click()
    page.get_by_role("cell", name="メールアドレスの形が正しくありません").wait_for()
    page.get_by_label("就労支援").select_option(label="仕事")
    page.get_by_role("button", name="この対応で数え直す").click()
    page.get_by_role("button", name="2人を取り込む").wait_for()
    check_accessibility(page)
    screenshot(page, "staff-import-preview")
    page.get_by_role("button", name="2人を取り込む").click()
    page.get_by_text("取り込んでいます").wait_for()
    live_worker.imports()
    page.get_by_text("に取り込みました").wait_for(timeout=15_000)  # the page follows itself
    assert page.get_by_role("button", name="2人を取り込む").count() == 0


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def test_each_printable_prints_on_one_a4_page(page, session):
    """The counter's poster (both QR codes, the domain line and the contact), the cards and the
    day's roster, printed to PDF as the staff member's browser prints them."""
    city = create_organisation(session)
    city.registration_address = "touroku@mail.aoba.example.jp"  # the 空メール QR as well
    session.add(city)
    session.commit()
    source = create_source(session, organisation=city)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=3),
        questions=[{"ja": "お名前", "en": "", "easy": "", "required": True}],
    )
    slot = fill_slot(session, event, [f"保護者 {n}" for n in range(12)])
    _login(page, "admin@aoba.example.jp")
    for path, last_words in (
        (f"/staff/sources/{source.id}/poster", "000-000-0000"),
        (f"/staff/sources/{source.id}/card", "000-000-0000"),
        (f"/staff/slots/{slot.id}?print=1", "保護者 11"),
    ):
        page.goto(path)
        page.get_by_text(last_words).last.wait_for()
        pdf = page.pdf(format="A4", print_background=True)
        assert _pages(pdf) == 1, (path, _pages(pdf))
