"""A parent's whole journey in a real browser, in Japanese and in English, checked by axe."""

from __future__ import annotations

import pytest
from sqlmodel import select

from service.line.models import LineLink
from tests.browser.conftest import check_accessibility, screenshot
from tests.factories import create_organisation, create_source, create_topic
from tests.outbox import read_outbox, text_body

TEXT = {
    "ja": {
        "register": "登録する",
        "sent": "メールをご確認ください",
        "finish": "登録を完了する",
        "done": "登録が完了しました",
        "manage": "登録内容の確認・変更",
        "save_topics": "テーマを保存する",
        "saved": "テーマを保存しました",
        "stop_all": "すべての配信を停止する",
        "unsubscribe": "配信を停止する",
        "stopped": "配信を停止しました",
        "consent": "に同意します",
        "email": "メールアドレス",
    },
    "en": {
        "register": "Register",
        "sent": "Please check your email",
        "finish": "Finish registration",
        "done": "Your registration is complete",
        "manage": "See or change your registration",
        "save_topics": "Save topics",
        "saved": "Your topics have been saved.",
        "stop_all": "Unsubscribe from everything",
        "unsubscribe": "Unsubscribe",
        "stopped": "You have been unsubscribed",
        "consent": "I agree to the",
        "email": "Email address",
    },
}


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    create_topic(
        session, organisation=city, slug="yoikuhi", name_ja="養育費", name_en="Child support"
    )
    create_topic(session, organisation=city, slug="sumai", name_ja="住まい", name_en="Housing")
    return city


@pytest.mark.parametrize("lang", ["ja", "en"])
def test_landing_to_unsubscribe_in_a_browser(page, city, live_worker, settings, lang):
    text = TEXT[lang]
    page.goto(f"/s/koseki?lang={lang}")
    check_accessibility(page)
    screenshot(page, f"landing-{lang}")
    page.get_by_role("checkbox", name="養育費" if lang == "ja" else "Child support").check()
    page.get_by_label(text["email"], exact=True).fill("hanako@example.jp")
    page.get_by_label(text["consent"]).check()
    page.get_by_role("button", name=text["register"]).click()
    page.get_by_role("heading", name=text["sent"]).wait_for()
    check_accessibility(page)

    live_worker.run_once()
    [confirmation] = read_outbox(settings.outbox_dir)
    confirm_link = next(w for w in text_body(confirmation).split() if "/confirm/" in w)
    page.goto(confirm_link)
    check_accessibility(page)
    screenshot(page, f"confirm-{lang}")
    page.get_by_role("button", name=text["finish"]).click()
    page.get_by_role("heading", name=text["done"]).wait_for()
    check_accessibility(page)

    page.get_by_role("link", name=text["manage"]).click()
    page.get_by_role(
        "heading", name="ご登録の内容" if lang == "ja" else "Your registration"
    ).wait_for()
    check_accessibility(page)
    screenshot(page, f"preferences-{lang}")
    page.get_by_role("checkbox", name="住まい" if lang == "ja" else "Housing").check()
    page.get_by_role("button", name=text["save_topics"]).click()
    page.get_by_text(text["saved"]).wait_for()

    page.get_by_role("link", name=text["stop_all"]).click()
    check_accessibility(page)
    page.get_by_role("button", name=text["unsubscribe"]).click()
    page.get_by_role("heading", name=text["stopped"]).wait_for()


def test_the_quick_exit_leaves_and_replaces_the_history_entry(page, city):
    page.goto("/s/koseki")
    page.route("https://www.google.com/**", lambda route: route.fulfill(body="neutral"))
    before = page.evaluate("history.length")
    page.get_by_role("link", name="すぐにページを閉じる").click()
    page.wait_for_url("https://www.google.com/**")
    assert page.evaluate("history.length") == before  # replaced, not added


def test_the_push_option_asks_only_when_ticked_and_says_when_it_fails(push_page, city):
    page = push_page
    page.goto("/s/koseki")
    option = page.locator("[data-push-option]")
    option.wait_for(state="visible")  # shown by the script: it needs JavaScript
    check_accessibility(page)
    box = page.get_by_role("checkbox", name="この端末に通知")
    box.check()
    # Google cannot be reached from here, so the token cannot be had: the parent is told.
    page.get_by_text("この端末では通知を設定できませんでした").wait_for()
    assert not box.is_checked()
    assert page.locator("input[name=push_token]").input_value() == ""


@pytest.mark.parametrize("path", ["/s/koseki", "/s/koseki?lang=en", "/privacy/aoba"])
def test_pages_fit_a_320px_screen_and_200_percent_zoom(page, city, path):
    for width in (320, 640):  # 640 CSS px at 200% zoom is a 320 px screen
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} scrolls sideways at {width}px"


def test_a_fourth_child_can_be_added(page, city, session):
    page.goto("/s/koseki")
    page.get_by_text("任意：お知らせの時期について").click()
    page.get_by_role("button", name="お子さんを追加する").click()
    page.get_by_label("4人目").fill("2015-06")
    assert page.locator("input[type=month]").count() == 4
    check_accessibility(page)


def test_receiving_in_line_leads_to_the_chat_with_the_code(page, city, fake_line, session):
    page.goto("/s/koseki")
    page.get_by_role("checkbox", name="養育費").check()
    page.get_by_label("に同意します").check()
    page.get_by_role("button", name="LINEで受け取る").scroll_into_view_if_needed()
    check_accessibility(page)
    screenshot(page, "landing-line-ja")
    page.get_by_role("button", name="LINEで受け取る").click()
    page.get_by_role("heading", name="LINEで登録を完了してください").wait_for()
    check_accessibility(page)
    screenshot(page, "line-ja")
    [link] = session.exec(select(LineLink)).all()
    page.get_by_text(f"{link.code[:4]}-{link.code[4:]}").wait_for()
    href = page.get_by_role("link", name="LINEを開く").get_attribute("href")
    assert href.startswith("https://line.me/R/oaMessage/%40yorisou/?")
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
