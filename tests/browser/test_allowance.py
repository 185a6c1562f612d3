"""The allowance estimator and the guide's results in a real browser, phone-sized, in all three
languages: the guide says how likely each programme is and why, and leads to the estimate, which
a parent fills as a phone's keyboard would — each page checked by axe and never wider than the
phone."""

from __future__ import annotations

import pytest

from tests.browser.conftest import check_accessibility, screenshot
from tests.factories import create_catalogue, create_organisation

GUIDE_LINK = {
    "ja": "もらえる手当の目安を計算する",
    "en": "Estimate how much allowance you may receive",
    "easy": "もらえる てあての めやすを けいさんする",
}
INCOME = {
    "ja": "1年間の金額（円）",
    "en": "Your income for the year (yen)",
    "easy": "1年の きんがく（円）",
}
SEE = {"ja": "目安を見る", "en": "See the estimate", "easy": "めやすを みる"}
SAID = {
    "ja": "全額が支給される見込みです：月57,720円。",
    "en": "Likely paid in full: 57,720 yen a month.",
    "easy": "ぜんぶ もらえる みこみです：1か月 57,720円。",
}


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_catalogue(session, organisation=city)
    session.commit()
    return city


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


AFTER = {"ja": "離婚・別居の後", "en": "After a divorce or separation", "easy": "離婚や 別居の 後"}
SCHOOL = {"ja": "小学生", "en": "Elementary school", "easy": "小学生"}
SHOW = {"ja": "合う支援を見る", "en": "Show the support that fits", "easy": "合う 支援を 見る"}
LIKELY = {
    "ja": "使える可能性が高いです。",
    "en": "You are likely to be able to use it.",
    "easy": "つかえる かのうせいが たかいです。",
}
DEPENDS = {  # 児童扶養手当: the guide asks nothing of income
    "ja": "児童扶養手当の所得の限度額によります。",
    "en": "It depends on the income against the child-rearing allowance's limits.",
    "easy": "じどうふようてあての しょとくの 上限で かわります。",
}


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_the_guides_results_say_how_likely_at_390_px(page, city, lang):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/guide/aoba?lang={lang}")
    page.get_by_role("radio", name=AFTER[lang]).check()
    page.get_by_role("checkbox", name=SCHOOL[lang]).check()
    page.get_by_role("button", name=SHOW[lang]).click()
    page.get_by_text(LIKELY[lang]).first.wait_for()
    assert page.get_by_text(DEPENDS[lang]).count() >= 1
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"guide-likelihood-{lang}")


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_estimating_at_390_px(page, city, lang):
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/guide/aoba?lang={lang}")
    page.get_by_role("link", name=GUIDE_LINK[lang]).click()
    page.locator("#children-0").fill("2016-05")
    page.locator("#children-1").fill("2019-09")
    page.locator("#income_kind-1").check()  # 所得, from the 源泉徴収票
    page.get_by_label(INCOME[lang]).fill("９０万")
    _fits(page)
    check_accessibility(page)
    page.get_by_role("button", name=SEE[lang]).click()
    page.get_by_text(SAID[lang]).wait_for()
    _fits(page)
    check_accessibility(page)
    screenshot(page, f"allowance-estimate-{lang}")
