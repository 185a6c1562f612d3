"""The assistant in a real browser, phone-sized, in all three languages: a question in the
parent's own words, the staff's answer with its desk, はい, and the crisis path — each page
checked by axe and never wider than the phone."""

from __future__ import annotations

import pytest

from tests.assistant import test_answering
from tests.browser.conftest import check_accessibility, screenshot

city = test_answering.city  # the demo city's answers, in three languages

QUESTION = {
    "ja": "児童手当はいつ振り込まれますか",
    "en": "When is the child allowance paid?",
    "easy": "児童手当は いつ 振り込まれますか",
}
ANSWER = {"ja": "偶数月", "en": "In even months", "easy": "2月・4月・6月"}
DESK = {  # the desk the answer belongs to, with its hours, in the parent's language
    "ja": "平日 8時30分〜17時15分",
    "en": "Single-parent support, Children and Families Division",
    "easy": "ひとり親の 相談窓口（こども家庭課）",
}
THANKS = {
    "ja": "回答をよりよくするために使います",
    "en": "The city uses this to make the answers better",
    "easy": "答えを よく するために 使います",
}
YES = {"ja": "はい", "en": "Yes", "easy": "はい"}


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_asking_at_390_px(page, city, lang):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/ask/aoba?lang={lang}")
    check_accessibility(page)
    page.locator("#q").fill(QUESTION[lang])
    page.locator("form.ask button[type=submit]").click()
    answer = page.locator("section.answer")
    answer.wait_for()
    assert ANSWER[lang] in answer.inner_text()
    assert DESK[lang] in answer.locator("dl").inner_text()
    assert "q=" not in page.url  # the question never goes into an address
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"ask-answer-{lang}")
    answer.get_by_role("button", name=YES[lang], exact=True).click()
    page.get_by_text(THANKS[lang]).wait_for()
    _fits(page)


def test_a_crisis_shows_the_lines_first_and_not_the_words(page, city):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto("/ask/aoba")
    page.locator("#q").fill("もう死にたいです")
    page.locator("form.ask button[type=submit]").click()
    page.locator("a[href='tel:189']").wait_for()
    text = page.locator("main").inner_text()
    assert "#8008" in text and "もう死にたい" not in text
    assert page.locator("#q").input_value() == ""  # not even kept in the box
    _fits(page)
    check_accessibility(page)
    screenshot(page, "ask-crisis")
