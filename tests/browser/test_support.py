"""Connecting in a real browser: from the counter's QR page to the guide, the programmes that
fit, a request to their desk and its acknowledgement; then the desk's queue, an answer and the
closing. Phone-sized for the parent (in all three languages for the guide), checked by axe."""

from __future__ import annotations

import pytest

from service.models import Role
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.test_staff_console import _login
from tests.factories import (
    create_catalogue,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
)
from tests.outbox import read_outbox, text_body

SHOW = {"ja": "合う支援を見る", "en": "Show the support that fits", "easy": "合う 支援を 見る"}
MONEY = {"ja": "お金・生活費", "en": "Money and living costs", "easy": "お金・生活の お金"}


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    create_source(session, organisation=city, code="koseki")
    create_catalogue(session, organisation=city)
    create_staff(
        session,
        organisation=city,
        email="kodomo@aoba.example.jp",
        role=Role.EDITOR,
        department="こども家庭課",
    )
    return city


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_the_guide_at_320_px(page, city, lang):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/s/koseki?lang={lang}")
    page.locator("a[href^='/guide/aoba']").click()
    check_accessibility(page)
    screenshot(page, f"guide-{lang}")
    page.get_by_role("checkbox", name=MONEY[lang]).check()
    page.get_by_role("button", name=SHOW[lang]).click()
    page.locator("article.programme").first.wait_for()
    assert "/guide/aoba" in page.url and "money" not in page.url  # answers stay out of the URL
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    check_accessibility(page)
    screenshot(page, f"guide-answer-{lang}")


def test_counter_to_guide_to_request_to_the_desk_and_back(
    page, city, session, live_worker, settings
):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/s/koseki")
    page.get_by_role("link", name="登録しなくても、あなたに合う支援をさがせます").click()
    page.get_by_role("checkbox", name="養育費と、その取り決め").check()
    page.get_by_role("button", name="合う支援を見る").click()
    first = page.locator("article.programme").first
    assert "養育費" in first.locator("h2").inner_text()
    first.get_by_role("button", name="窓口から連絡をもらう").click()
    page.get_by_role("heading", name="窓口からの連絡を申し込む").wait_for()
    check_accessibility(page)
    screenshot(page, "request-form")
    page.get_by_role("radio", name="メールで").check()
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_role("checkbox", name="平日の午後").check()
    page.get_by_label("窓口に伝えておきたいこと（なくてもかまいません）").fill(
        "公正証書のことを聞きたいです。"
    )
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="申し込む").click()
    page.get_by_role("heading", name="お申し込みを窓口が受け付けました").wait_for()
    check_accessibility(page)
    screenshot(page, "request-received")
    live_worker.request_messages()
    [acknowledgement] = read_outbox(settings.outbox_dir)
    body = text_body(acknowledgement)  # the city and お申し込み, never the desk
    assert "お申し込みを受け付けました" in body and "ひとり親支援係" not in body

    page.set_viewport_size({"width": 1200, "height": 900})
    _login(page, "kodomo@aoba.example.jp")
    page.get_by_role("link", name="相談の申し込み").click()
    assert "hanako@example.jp" not in page.content()  # masked in the list
    check_accessibility(page)
    screenshot(page, "staff-requests")
    page.get_by_role("link", name="開く").click()
    page.get_by_text("公正証書のことを聞きたいです。").wait_for()
    page.get_by_role("button", name="自分が担当する").click()
    page.get_by_label("本文", exact=True).fill("明日の午後にお電話してもよろしいですか。")
    page.get_by_role("button", name="送る").click()
    page.get_by_text("本人へ送信").wait_for()
    check_accessibility(page)
    screenshot(page, "staff-request")
    page.get_by_label("結果").select_option("connected")
    page.get_by_role("button", name="完了にする").click()
    page.get_by_role("heading", name="相談の申し込み（完了）").wait_for()
    live_worker.request_messages()
    answer = read_outbox(settings.outbox_dir)[-1]
    assert "明日の午後にお電話してもよろしいですか。" in text_body(answer)
