"""The family's card in a real browser, checked by axe: a parent makes one from the guide on a
phone (390 px); a clerk makes one with a parent on the counter's tablet (1024 px) and gets the
QR code once; the department opens it on the office PC (1280 px)."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlmodel import select

from service.cards.models import Card, CounsellorCall
from service.models import Role
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.test_staff_console import _login
from tests.factories import (
    PASSWORD,
    create_catalogue,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
)

KODOMO = "こども家庭課"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    city.card_lead_department = KODOMO
    session.add(city)
    create_topic(session, organisation=city)
    create_source(session, organisation=city, code="koseki")
    create_catalogue(session, organisation=city)
    create_staff(
        session,
        organisation=city,
        email="kodomo@aoba.example.jp",
        role=Role.EDITOR,
        department=KODOMO,
    )
    create_staff(session, organisation=city, email="koseki@aoba.example.jp", role=Role.COUNTER)
    session.commit()
    return city


def _fits(page, width: int) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_parent_makes_a_card_from_the_guide_on_a_phone(page, city, session):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/guide/aoba")
    page.get_by_role("checkbox", name="お金・生活費").check()
    page.get_by_role("button", name="合う支援を見る").click()
    page.get_by_role("button", name="この内容で市の担当に相談する・案内してもらう").click()
    page.get_by_role("heading", name=re.compile("相談カード")).first.wait_for()
    assert page.get_by_role("checkbox", name="お金・生活費").is_checked()  # from the guide
    check_accessibility(page)
    page.get_by_role("radio", name="メールで").check()
    page.get_by_label("メールアドレス").fill("hanako@example.jp")
    page.get_by_role("checkbox", name=re.compile("^こども家庭課")).check()
    _fits(page, 390)
    screenshot(page, "card-form")
    page.get_by_role("button", name="カードを保存する").click()
    page.get_by_role("heading", name=re.compile("あなたの相談カード")).wait_for()
    assert "hanako@example.jp" in page.locator("main").inner_text()
    _fits(page, 390)
    check_accessibility(page)
    screenshot(page, "card-own-page")
    [card] = session.exec(select(Card)).all()
    assert card.needs == ["money"]
    old = page.url
    page.get_by_role("button", name="新しいリンクにする").click()
    page.get_by_text("カードの新しいリンクです。").wait_for()
    assert page.url != old


def test_a_parent_calls_a_counsellor_from_the_counters_qr_page(page, city, session):
    city.call_from_landing = True
    session.add(city)
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/s/koseki")
    page.get_by_role("button", name="相談員を呼ぶ").click()
    page.get_by_role("heading", name=re.compile("相談員の呼び出し")).wait_for()
    assert page.get_by_role("status").count() + page.locator(".notice-box").count() >= 1
    _fits(page, 390)
    check_accessibility(page)
    screenshot(page, "card-parent-call")


def test_the_call_page_follows_the_call_without_reloading(page, city, session):
    city.call_from_landing = True
    session.add(city)
    session.commit()
    page.goto("/s/koseki")
    page.get_by_role("button", name="相談員を呼ぶ").click()
    page.get_by_role("heading", name=re.compile("相談員の呼び出し")).wait_for()
    [call] = session.exec(select(CounsellorCall)).all()
    call.asked_at = datetime(2026, 12, 7, 1, 0, tzinfo=UTC)  # a Monday, 10:00 in Tokyo: open
    session.add(call)
    session.commit()
    page.reload()
    page.get_by_text("向かう人が決まると、ここに出ます").wait_for()
    check_accessibility(page)
    page.evaluate("window.stillThisPage = true")  # gone if the page reloads itself
    call.accepted_at, call.minutes = datetime.now(UTC), 5
    session.add(call)
    session.commit()
    page.get_by_text(re.compile("相談員が向かっています")).wait_for(timeout=15_000)
    assert page.evaluate("window.stillThisPage === true")


def test_the_counter_makes_a_card_and_the_department_opens_it(page, city, session):
    page.set_viewport_size({"width": 1024, "height": 900})
    page.goto("/staff/login")
    page.get_by_label("メールアドレス").fill("koseki@aoba.example.jp")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.get_by_role("heading", name=re.compile("相談カードを作る")).wait_for()
    check_accessibility(page)
    page.get_by_role("checkbox", name="住まい").check()
    page.get_by_role("button", name="課の候補を出す").click()
    page.get_by_role("checkbox", name=re.compile("^こども家庭課")).check()
    page.get_by_role("radio", name="電話で").check()
    page.get_by_label("電話番号").fill("090-1234-5678")
    page.get_by_role("button", name="保護者の同意を得て保存する").click()
    page.get_by_role("img", name="相談カードのページのQRコード").wait_for()
    _fits(page, 1024)
    check_accessibility(page)
    screenshot(page, "card-counter-done")

    page.set_viewport_size({"width": 1280, "height": 900})
    page.context.clear_cookies()
    _login(page, "kodomo@aoba.example.jp")
    page.get_by_role("link", name="相談カード", exact=True).click()
    [card] = session.exec(select(Card)).all()
    page.get_by_role("link", name=f"{card.id}番").click()
    page.get_by_text("09012345678").wait_for()
    check_accessibility(page)
    page.get_by_label("内容（例：児童扶養手当の申請を案内）").fill("住まいの支援を案内しました")
    page.get_by_role("button", name="記録する").click()
    page.get_by_text("こども家庭課が連絡：住まいの支援を案内しました").wait_for()
    screenshot(page, "card-department")
