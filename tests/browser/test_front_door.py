"""The front door on a small phone (320 px), in all three languages, checked by axe: the page
after sign-up, the city's current notices, a lost link, and stopping."""

from __future__ import annotations

import pytest

from service.models import RuleKind
from tests.browser.conftest import check_accessibility, screenshot
from tests.factories import create_notice, create_organisation, create_source, create_topic

EMAIL = {"ja": "メールアドレス", "en": "Email address", "easy": "メールアドレス"}
REGISTER = {"ja": "登録する", "en": "Register", "easy": "登録する"}


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    topic = create_topic(session, organisation=city, name_en="Child support")
    notice = create_notice(
        session, organisation=city, topics=[topic], rule_kind=RuleKind.JOIN, title="ようこそ"
    )
    notice.public = True
    notice.title_easy = "ようこそ（やさしい にほんご）"
    notice.body_easy = "よろしく おねがいします。"
    topic.name_easy = "養育費（こどもの ための お金）"
    session.add_all([notice, topic])
    session.commit()
    return city


def _header_fits(page) -> None:
    """Each part of the header on one line of its own: nothing pushed off the screen or broken
    in the middle."""
    boxes = page.evaluate(
        "[...document.querySelectorAll('header.site > *')].map(e => e.getBoundingClientRect())"
        ".map(r => [r.top, r.height, r.right])"
    )
    assert all(right <= 320 for _, _, right in boxes), boxes
    assert max(height for _, height, _ in boxes) < 60, boxes  # no element on two lines
    assert page.evaluate("document.documentElement.scrollWidth") <= 320


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_the_front_door_at_320_px(page, city, lang):
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/s/koseki?lang={lang}")
    _header_fits(page)
    # readings over the kanji of headings and topic names for easy Japanese readers only
    assert (page.locator("h1 ruby").count() > 0) == (lang == "easy")
    assert (page.locator("label ruby").count() > 0) == (lang == "easy")
    page.locator("input[name=topics]").first.check()
    page.get_by_label(EMAIL[lang], exact=True).fill("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=REGISTER[lang]).click()
    page.get_by_text("hanako@example.jp").wait_for()  # the address, made plain, to check
    check_accessibility(page)
    _header_fits(page)
    screenshot(page, f"sent-{lang}")
    page.goto(f"/o/aoba/notices?lang={lang}")
    if lang == "easy":
        page.get_by_text("ようこそ（やさしい にほんご）").wait_for()
    check_accessibility(page)
    _header_fits(page)
    page.goto(f"/link?lang={lang}")
    check_accessibility(page)
    screenshot(page, f"link-{lang}")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_wrong_address_is_answered_beside_its_field_which_takes_the_focus(page, city, width):
    page.set_viewport_size({"width": width, "height": 800})
    page.goto("/s/koseki")
    page.locator("input[name=topics]").first.check()
    page.get_by_label("メールアドレス", exact=True).fill("hanako@")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="登録する").click()
    page.locator(".errors").wait_for()
    field = page.get_by_label("メールアドレス", exact=True)
    assert page.evaluate("document.activeElement.id") == "email"  # the first wrong field
    assert field.get_attribute("aria-invalid") == "true"
    message = page.locator(f"#{field.get_attribute('aria-describedby')}")
    assert "メールアドレス" in message.inner_text()
    field_box, message_box = field.bounding_box(), message.bounding_box()
    assert 0 <= message_box["y"] - (field_box["y"] + field_box["height"]) < 40  # right below it
    summary_link = page.locator(".errors a").first
    assert summary_link.get_attribute("href") == "#email"
    check_accessibility(page)
    screenshot(page, f"landing-error-{width}")
