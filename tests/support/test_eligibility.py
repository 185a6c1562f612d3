"""Whether a family may use a programme: conditions chosen from lists in the console, tried on
five sample families before saving, and the guide's results saying, per programme, how likely
it is and why in one line — every programme for the parent's needs still shown."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlmodel import select

from service.models import AuditEvent, Role
from service.support.eligibility import DEPENDS, LIKELY, SAMPLES, UNLIKELY, Family, clean, fit
from service.support.guide import CHILDREN
from service.support.models import Programme
from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation, create_staff
from tests.staff.test_staff_notices import login


def _card_family(on):
    return Family.told(
        children=["preschool"],
        stage="divorced",
        income_band="",
        support_agreed="",
        birth_months=["2019-05"],
        on=on,
    )


def _likelihood(conditions, family):
    found = fit(clean(conditions), family)
    return found.likelihood if found else None


@pytest.mark.parametrize(
    ("conditions", "family", "expected"),
    [
        ({}, Family(), None),  # no conditions: no verdict
        ({"children": ["elementary"]}, Family(children=frozenset({"elementary"})), LIKELY),
        ({"children": ["elementary"]}, Family(children=frozenset({"preschool"})), UNLIKELY),
        ({"children": ["elementary"]}, Family(), DEPENDS),
        ({"stage": ["divorced"]}, Family.from_guide("before", []), UNLIKELY),
        ({"stage": ["divorced"]}, Family.from_guide("after", []), DEPENDS),  # or separated
        ({"stage": ["separated", "divorced"]}, Family.from_guide("after", []), LIKELY),
        ({"income": ["under-2m"]}, Family(income="under-2m"), LIKELY),
        ({"income": ["under-2m"]}, Family(income="over-4m"), UNLIKELY),
        ({"income": ["under-2m"]}, Family.from_guide("after", ["preschool"]), DEPENDS),
        ({"support": ["yes"]}, Family(support="no"), UNLIKELY),
        ({"support": ["yes"]}, Family(support="yes"), LIKELY),
        (
            {"count": ["3+"]},
            Family(count=Family.count_of(["2015-04", "2017-06", "2020-01"])),
            LIKELY,
        ),
        ({"count": ["3+"]}, Family(count=Family.count_of(["2015-04"])), UNLIKELY),
        ({"count": ["2", "3+"]}, Family.from_guide("after", ["preschool"]), DEPENDS),
        ({"allowance": ["full", "partial"]}, Family(allowance="partial"), LIKELY),
        ({"allowance": ["full"]}, Family(allowance="partial"), UNLIKELY),
        ({"allowance": ["full"]}, Family.from_guide("after", ["preschool"]), DEPENDS),
        ({"needs": ["work"]}, Family.from_guide("after", [], ["work", "money"]), LIKELY),
        ({"needs": ["work"]}, Family.from_guide("after", [], ["money"]), UNLIKELY),
        ({"needs": ["work"]}, Family(), DEPENDS),
        # A child's school year comes from the birth month when the parent gave it: born in
        # May 2019, not at school until the April of 2026, whatever was ticked before.
        ({"children": ["elementary"]}, _card_family(on=date(2026, 3, 31)), UNLIKELY),
        ({"children": ["elementary"]}, _card_family(on=date(2026, 4, 1)), LIKELY),
        # One condition failed outweighs another unknown.
        ({"income": ["under-2m"], "support": ["yes"]}, Family(support="no"), UNLIKELY),
        ({"income": ["bogus"], "children": []}, Family(), None),  # nothing known is kept
    ],
)
def test_each_kind_of_condition(app, conditions, family, expected):
    with app.test_request_context():
        assert _likelihood(conditions, family) == expected


def test_an_age_limit_is_said_in_words(app):
    until_18 = {"children": ["preschool", "elementary", "junior-high", "high-school"]}
    grown_up = Family.told(
        children=[],
        stage="",
        income_band="",
        support_agreed="",
        birth_months=["2007-03"],  # 18 in March 2025: the allowance's age ended then
        on=date(2026, 12, 6),
    )
    with app.test_request_context("/?lang=ja"):
        found = fit(until_18, grown_up)
        assert found.likelihood == UNLIKELY
        assert found.reason == "子どもが18歳になった年度の3月31日までの家庭が対象です。"
        assert fit({"children": ["elementary", "junior-high"]}, grown_up).reason == (
            "対象：小学生、中学生。"
        )
    with app.test_request_context("/?lang=en"):
        assert fit(until_18, grown_up).reason == (
            "It is for families with a child until the 31 March after the child turns 18."
        )


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_catalogue(session, organisation=city)
    create_staff(
        session,
        organisation=city,
        email="kodomo@aoba.example.jp",
        role=Role.EDITOR,
        department="こども家庭課",
    )
    session.commit()
    return city


def _results(client, **answers):
    return client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), **answers},
    ).get_data(as_text=True)


def _verdict(page, name):
    """The likelihood line under a programme's heading."""
    article = page.split(f">{name}<", 1)[1].split("</article>", 1)[0]
    match = re.search(r'<p class="fit fit-(\w+)"><strong>([^<]+)</strong> ([^<]+)</p>', article)
    return match.groups() if match else None


def test_the_guide_says_how_likely_each_programme_is_and_why(client, session, city):
    after = _results(client, stage="after", children=["elementary"], worries=["money"])
    assert _verdict(after, "児童扶養手当") == (
        "depends",
        "条件しだいです。",
        "児童扶養手当の所得の限度額によります。",
    )
    assert _verdict(after, "就学援助") == (
        "likely",
        "使える可能性が高いです。",
        "答えた内容が、条件に合っています。",
    )
    assert _verdict(after, "児童手当") is None  # no conditions set
    assert 'href="https://app.oss.myna.go.jp/"' in after and "オンラインで申請する" in after
    assert "窓口に持っていくもの" in after

    before = _results(client, stage="before", worries=["money"])
    assert _verdict(before, "児童扶養手当") == (
        "unlikely",
        "対象外のようです。",
        "対象：別居している、離婚した。",
    )  # shown all the same: an estimate, never a refusal

    english = client.post(
        "/guide/aoba?lang=en",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "stage": "before",
            "worries": ["money"],
        },
    ).get_data(as_text=True)
    assert "It does not seem to be for you." in english
    assert "It is for: Separated, Divorced." in english


def test_staff_tick_conditions_try_them_on_sample_families_and_save(client, session, city):
    login(client, "kodomo@aoba.example.jp")
    programme = session.exec(select(Programme).where(Programme.slug == "jido-fuyo-teate")).one()
    path = f"/staff/programmes/{programme.id}"
    page = client.get(path).get_data(as_text=True)
    ticked = re.findall(
        r'<input checked id="condition_[\w-]+" name="(\w+)" [^>]*value="([\w-]+)"', page
    )
    assert set(ticked) == {
        *(("condition_children", age) for age in CHILDREN),
        ("condition_stage", "separated"),
        ("condition_stage", "divorced"),
        ("condition_allowance", "full"),
        ("condition_allowance", "partial"),
    }
    assert "高校生年代（18歳になった年度の3月31日まで）" in page
    assert "見本の5家庭では" in page
    form = {
        "csrf_token": csrf_token(client, path),
        "slug": programme.slug,
        "name_ja": programme.name_ja,
        "summary_ja": programme.summary_ja,
        "desk": str(programme.desk_id),
        "answers": ["money"],
        "active": "y",
        "condition_income": ["under-2m"],
        "condition_support": ["no"],
        "apply_url": "https://example.jp/e-shinsei",
    }
    tried = client.post(path, data={**form, "try": "1"})
    html = tried.get_data(as_text=True)
    assert tried.status_code == 200
    rows = re.findall(r"<tr><td>([^<]+)</td><td>([^<]+)</td>", html)
    verdicts = dict(rows)
    first, second, *_ = SAMPLES
    assert verdicts[first] == "使える可能性が高い"
    assert verdicts[second] == "対象外のようです"
    assert verdicts["ガイドで何も答えていない家庭"] == "条件しだい"
    session.expire_all()
    assert session.get(Programme, programme.id).conditions["allowance"] == ["full", "partial"]

    saved = client.post(path, data=form)
    assert saved.status_code == 303
    session.expire_all()
    changed = session.get(Programme, programme.id)
    assert changed.conditions == {"income": ["under-2m"], "support": ["no"]}
    assert changed.apply_url == "https://example.jp/e-shinsei"
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "programme.save")).all()
    assert event.detail["after"]["conditions"] == {"income": ["under-2m"], "support": ["no"]}

    wrong = client.post(path, data={**form, "apply_url": "e-shinsei"})
    assert wrong.status_code == 400 and "https:// で始まるURL" in wrong.get_data(as_text=True)
