"""The allowance estimate against worked cases, each with where its figures come from; the
tables' switch on their effective date (a city's own added in the console); the page in three
languages, refusing what it cannot read and keeping nothing."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, select

from service.allowance.estimate import (
    Household,
    fuyou,
    income_year,
    jidou,
    salary_income,
    table_on,
)
from service.allowance.models import AllowanceTable
from service.allowance.tables import FIGURES, salary_floors, shipped_tables, tables_for
from service.cards.models import Card
from service.models import AuditEvent, Role
from tests.conftest import csrf_token
from tests.factories import create_allowance_table, create_organisation, create_staff
from tests.staff.test_staff_notices import login

# Amounts and limits: こども家庭庁「児童扶養手当について」, as quoted by municipal pages (平戸市
# 「児童扶養手当」) and kept in shared/CONTENT-CALENDAR.md: FY2025 full 46,690 / 11,030 yen,
# partial 46,680–11,010 / 11,020–5,520 yen; limits from 2024-11 by dependents, full / partial:
# 0: 690,000 / 2,080,000, each dependent +380,000; 80 % of child support counted; 80,000 yen
# flat deduction. 児童手当 from 2024-10: 15,000 yen under 3, 10,000 yen, 30,000 yen from the
# third child (children up to 22 counted), no income limit.
# Salary to 所得: 国税庁 タックスアンサー No.1410 (別表第五's quarter-to-1,000-yen formula).
SOURCE = "こども家庭庁 / 平戸市「児童扶養手当」 / 国税庁 No.1410"
JUNE_2025 = date(2025, 6, 1)  # the FY2025 table; the income of 2023 counts

CASES = [
    # (what, children, income, its kind, support a month, dependents,
    #  児童扶養手当 result, low, high, 児童手当 a month)
    (
        "one child, 給与所得 1,000,000 (counted 820,000): under the full limit",
        ["2017-05"],
        1_000_000,
        "salary-income",
        0,
        1,
        "full",
        46_690,
        46_690,
        10_000,
    ),
    (
        "one child, salary 2,000,000 (所得 1,320,000, counted 1,140,000)",
        ["2017-05"],
        2_000_000,
        "salary",
        0,
        1,
        "partial",
        11_010,
        46_680,
        10_000,
    ),
    (
        "two children, salary 1,500,000 and 30,000 yen support a month",
        ["2015-06", "2019-09"],
        1_500_000,
        "salary",
        30_000,
        2,
        "full",
        57_720,
        57_720,
        20_000,
    ),
    (
        "one child, 給与所得 1,160,000: under the full limit by the salary deduction alone",
        ["2017-05"],
        1_160_000,
        "salary-income",
        0,
        1,
        "full",  # 1,160,000 − 100,000 − 80,000 = 980,000 < 1,070,000 (as other 所得: 1,080,000)
        46_690,
        46_690,
        10_000,
    ),
    (
        "one child, salary 4,000,000 (所得 2,760,000, counted 2,580,000): no 児童扶養手当",
        ["2017-05"],
        4_000_000,
        "salary",
        0,
        1,
        "none",
        0,
        0,
        10_000,
    ),
    (
        "three children, the eldest 20 (counted for 児童手当's third child only)",
        ["2005-05", "2012-04", "2023-09"],
        900_000,
        "other",
        0,
        2,
        "full",
        57_720,
        57_720,
        40_000,
    ),
    (
        "two children, business 所得 1,200,000: support pushes it over the full limit",
        ["2016-01", "2018-01"],
        1_200_000,
        "other",
        50_000,
        2,
        "partial",
        11_010 + 5_520,
        46_680 + 11_020,
        20_000,
    ),
    ("a child under 3", ["2024-01"], 0, "salary", 0, 1, "full", 46_690, 46_690, 15_000),
]


def _household(children, income, kind, support, dependents):
    months = tuple(date.fromisoformat(f"{m}-01") for m in children)
    return Household(months, income, kind, support * 12, dependents)


@pytest.mark.parametrize(("what", *"cxsmdrlhj"), CASES, ids=[case[0] for case in CASES])
def test_worked_cases(what, c, x, s, m, d, r, l, h, j):  # noqa: E741
    table = table_on(shipped_tables(), JUNE_2025)
    household = _household(c, x, s, m, d)
    estimate = fuyou(household, table, JUNE_2025, salary_floors())
    assert (estimate.result, estimate.low, estimate.high) == (r, l, h), SOURCE
    assert jidou(household, table, JUNE_2025).low == j, SOURCE
    assert estimate.months == (1, 3, 5, 7, 9, 11)


def test_salary_income_follows_the_national_formula_and_the_years_least_deduction():
    assert salary_income(1_000_000, 550_000) == 450_000
    assert salary_income(1_000_000, 650_000) == 350_000  # the income of 2025 on
    assert salary_income(2_000_000, 550_000) == 1_320_000
    assert salary_income(3_000_000, 550_000) == 2_020_000
    assert salary_income(5_000_000, 550_000) == 3_560_000
    assert salary_income(5_001_999, 550_000) == 3_560_000  # 別表第五's 4,000-yen steps
    assert salary_income(7_000_000, 550_000) == 5_200_000
    assert salary_income(10_000_000, 550_000) == 8_050_000
    assert salary_income(400_000, 650_000) == 0
    assert (income_year(date(2026, 10, 1)), income_year(date(2026, 11, 1))) == (2024, 2025)
    household = _household(["2017-05"], 1_000_000, "salary", 0, 1)
    table = table_on(shipped_tables(), date(2026, 11, 1))
    assert fuyou(household, table, date(2026, 11, 1), salary_floors()).counted.income == 350_000


def test_an_exact_partial_amount_only_with_the_coefficient():
    from dataclasses import replace

    table = replace(
        table_on(shipped_tables(), JUNE_2025),
        partial_coefficient_first=0.0256619,
        partial_coefficient_further=0.0039568,
    )
    household = _household(["2017-05", "2019-05"], 1_800_000, "other", 0, 2)
    estimate = fuyou(household, table, JUNE_2025, salary_floors())
    # 所得 1,720,000 is 270,000 over the full limit of 1,450,000 for two dependents.
    first = round((46_680 - 270_000 * 0.0256619) / 10) * 10
    second = round((11_020 - 270_000 * 0.0039568) / 10) * 10
    assert estimate.exact and estimate.low == first + second == 39_750 + 9_950


def test_hirados_worked_example_of_a_partial_amount():
    """平戸市「児童扶養手当」, 一部支給額の算出方法 (例): 給与所得 2,800,000 yen, child support
    300,000 yen a year, no other deductions, 3 dependents, 3 children; the page goes on
    「2,800,000円-100,000円(給与所得の…」 (the stored copy is cut there). Each step after it by the
    national formula with FY2025's coefficients: counted 2,800,000 − 100,000 + 240,000 − 80,000
    = 2,860,000, 1,030,000 over the full limit of 1,830,000 for three dependents."""
    from dataclasses import replace

    table = replace(
        table_on(shipped_tables(), JUNE_2025),
        partial_coefficient_first=0.0256619,
        partial_coefficient_further=0.0039568,
    )
    household = _household(["2012-06", "2015-06", "2018-06"], 2_800_000, "salary-income", 0, 3)
    household = replace(household, support=300_000)
    estimate = fuyou(household, table, JUNE_2025, salary_floors())
    assert estimate.counted.salary_deduction == 100_000
    assert estimate.counted.total == 2_860_000 and estimate.limit_full == 1_830_000
    # 46,680 − 1,030,000 × 0.0256619 = 20,248.2 → 20,250; 11,020 − 1,030,000 × 0.0039568 =
    # 6,944.5 → 6,940 for the second and for the third child.
    assert (estimate.result, estimate.low) == ("partial", 20_250 + 6_940 + 6_940)


def test_the_table_switches_on_its_effective_date(session):
    assert table_on(shipped_tables(), date(2025, 3, 31)).fuyou_full_first == 45_500
    assert table_on(shipped_tables(), date(2025, 4, 1)).fuyou_full_first == 46_690
    city = create_organisation(session)
    create_allowance_table(
        session, organisation=city, effective=date(2026, 4, 1), fuyou_full_first=48_000
    )
    tables = tables_for(session, city.id)
    assert table_on(tables, date(2026, 3, 31)).fuyou_full_first == 46_690
    assert table_on(tables, date(2026, 4, 1)).fuyou_full_first == 48_000
    assert tables_for(session, city.id + 1) == shipped_tables()  # another city's is not ours


def _snapshot(session) -> dict[str, int]:
    return {
        table.name: session.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }


@pytest.mark.parametrize(
    ("lang", "said"),
    [
        ("ja", "一部が支給される見込みです：月11,010円〜46,680円。"),
        ("en", "Likely paid in part: between 11,010 yen and 46,680 yen a month."),
        ("easy", "いちぶ もらえる みこみです：1か月 11,010円〜46,680円。"),
    ],
)
def test_the_estimator_answers_in_the_parents_language_and_keeps_nothing(
    client, session, lang, said
):
    create_organisation(session)
    session.commit()
    path = f"/guide/aoba/estimate?lang={lang}"
    before = _snapshot(session)
    page = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "children-0": "2017-05",
            "income_kind": "salary",
            "income": "２００万",  # as a phone's keyboard may give it
            "support": "",
            "dependents": "",
        },
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and said in html
    assert "2,460,000" in html  # the rule that decided it: the partial limit for one dependent
    assert "10,000" in html  # 児童手当 beside it
    assert _snapshot(session) == before


def test_the_estimator_refuses_what_it_cannot_read(client, session):
    create_organisation(session)
    session.commit()
    path = "/guide/aoba/estimate"
    refused = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "income_kind": "salary",
            "income": "たくさん",
        },
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "お子さんの生まれた年月を、1人以上入れてください。" in html
    assert "金額は円で、1800000 や 180万 のように書いてください。" in html
    assert "Traceback" not in html


def test_an_admin_adds_next_years_table_and_the_estimate_uses_it(client, session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    session.commit()
    login(client, "admin@aoba.example.jp")
    page = client.get("/staff/allowance").get_data(as_text=True)
    assert "2025年4月1日" in page and "46,690" in page and "今日の計算に使用" in page
    form = {
        "csrf_token": csrf_token(client, "/staff/allowance"),
        "effective": "2026-04-01",
        "source": "こども家庭庁 令和8年度の手当額",
        **{name: str(getattr(shipped_tables()[-1], name)) for name in FIGURES},
        "partial_coefficient_first": "",
        "partial_coefficient_further": "",
        "fuyou_full_first": "48000",
    }
    wrong = client.post("/staff/allowance", data={**form, "fuyou_partial_first_max": "50000"})
    assert wrong.status_code == 400 and "下限・上限・全部支給の順" in wrong.get_data(as_text=True)
    added = client.post("/staff/allowance", data=form)
    assert added.status_code == 303
    [row] = session.exec(select(AllowanceTable)).all()
    assert (row.effective, row.fuyou_full_first) == (date(2026, 4, 1), 48_000)
    again = client.post("/staff/allowance", data=form)
    assert again.status_code == 400 and "もうあります" in again.get_data(as_text=True)
    actions = session.exec(select(AuditEvent.action)).all()
    assert actions.count("allowance_table.create") == 1

    path = "/guide/aoba/estimate"
    estimate = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "children-0": "2017-05",
            "income_kind": "other",
            "income": "500000",
        },
    ).get_data(as_text=True)
    assert "全額が支給される見込みです：月48,000円。" in estimate
    assert "こども家庭庁 令和8年度の手当額" in estimate

    deleted = client.post(
        f"/staff/allowance/{row.id}/delete",
        data={"csrf_token": csrf_token(client, "/staff/allowance")},
    )
    assert deleted.status_code == 303
    assert session.exec(select(AllowanceTable)).all() == []


def test_a_childs_school_year_from_the_birth_month():
    from service.support.guide import school_year

    today = date(2026, 12, 6)
    assert school_year(date(2021, 6, 1), today) == "preschool"  # primary from April 2028
    assert school_year(date(2020, 3, 1), today) == "elementary"  # entered April 2026
    assert school_year(date(2014, 3, 1), today) == "junior-high"  # first year of it
    assert school_year(date(2010, 6, 1), today) == "high-school"
    assert school_year(date(2006, 6, 1), today) is None


def test_the_estimate_leads_to_the_application_and_to_the_card(client, session):
    from tests.factories import create_catalogue

    city = create_organisation(session)
    city.card_lead_department = "こども家庭課"
    session.add(city)
    create_catalogue(session, organisation=city)
    session.commit()
    path = "/guide/aoba/estimate"
    page = client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "children-0": "2021-06",
            "children-1": "2014-03",
            "income_kind": "salary",
            "income": "150万",
        },
    ).get_data(as_text=True)
    assert 'href="https://app.oss.myna.go.jp/"' in page  # 児童手当's online application
    assert "窓口に持っていくもの" in page and "こども家庭課" in page
    assert "この内容を手元に残す" in page and "mailto:?subject=" in page  # a copy to keep
    assert 'name="birth_months" value="2021-06"' in page
    assert 'name="income_band" value="under-2m"' in page
    card_form = client.post(
        "/card/aoba/new",
        data={
            "csrf_token": csrf_token(client, path),
            "from_guide": "1",
            "worries": "money",
            "birth_months": ["2021-06", "2014-03", "bogus"],
            "income_band": "under-2m",
        },
    ).get_data(as_text=True)
    assert 'value="2021-06"' in card_form and 'value="2014-03"' in card_form
    assert 'value="bogus"' not in card_form
    ticked = set(
        re.findall(r'<input checked id="[\w-]+" name="\w+" type="\w+" value="([\w-]+)"', card_form)
    )
    assert ticked == {"preschool", "junior-high", "under-2m", "money"}

    # The estimate's figures travel to the card's form, and stay only if the parent ticks them.
    figures = dict(re.findall(r'name="figures_(\w+)" value="(\d+)"', page))
    assert figures["income"] == "850000"  # 1,500,000 yen of salary less the 650,000 least
    assert figures["support"] == "0"
    assert figures["dependents"] == "2"  # not given: the two children
    carried = {f"figures_{name}": value for name, value in figures.items()}
    card_form = client.post(
        "/card/aoba/new",
        data={"csrf_token": csrf_token(client, path), "from_guide": "1", **carried},
    ).get_data(as_text=True)
    assert "手当の目安で入力した数字" in card_form and "850,000円" in card_form
    assert '<input id="keep_figures" name="keep_figures" type="checkbox" value="y">' in card_form

    def save(**extra):
        location = client.post(
            "/card/aoba/new",
            data={
                "csrf_token": csrf_token(client, path),
                "needs": ["money"],
                "contact_way": "email",
                "email": "hanako@example.jp",
                "departments": ["こども家庭課"],
                **carried,
                **extra,
            },
        ).headers["Location"]
        session.expire_all()
        return location, session.exec(select(Card).order_by(Card.id.desc())).first()

    _, unticked = save()
    assert unticked.allowance_figures is None
    location, kept = save(keep_figures="y")
    assert kept.allowance_figures == {
        "income": 850_000,
        "support": 0,
        "dependents": 2,
        "income_year": int(figures["income_year"]),
        "salaried": 1,  # the 100,000 yen salary deduction applies to it, year after year
    }
    own = client.get(location).get_data(as_text=True)
    assert "850,000円" in own
    edit = location + "/edit"
    form = client.get(edit).get_data(as_text=True)
    assert 'checked id="keep_figures"' in form
    client.post(
        edit,
        data={
            "csrf_token": csrf_token(client, edit),
            "needs": ["money"],
            "contact_way": "email",
            "email": "hanako@example.jp",
            "departments": ["こども家庭課"],
            **carried,
        },
    )
    session.expire_all()
    assert session.get(Card, kept.id).allowance_figures is None  # unticked: erased
