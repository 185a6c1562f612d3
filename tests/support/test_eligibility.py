"""Whether a family may use a programme: conditions chosen from lists in the console, tried on
five sample families before saving, and the guide's results saying, per programme, how likely
it is and why in one line — every programme for the parent's needs still shown."""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from service.models import AuditEvent, Role
from service.support.eligibility import DEPENDS, LIKELY, UNLIKELY, Family, clean, fit
from service.support.models import Programme
from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation, create_staff
from tests.staff.test_staff_notices import login


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
        # One condition failed outweighs another unknown.
        ({"income": ["under-2m"], "support": ["yes"]}, Family(support="no"), UNLIKELY),
        ({"income": ["bogus"], "children": []}, Family(), None),  # nothing known is kept
    ],
)
def test_each_kind_of_condition(app, conditions, family, expected):
    with app.test_request_context():
        assert _likelihood(conditions, family) == expected


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
        "世帯の収入によります。",
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
        ("condition_stage", "separated"),
        ("condition_stage", "divorced"),
        ("condition_income", "under-2m"),
        ("condition_income", "2m-4m"),
    }
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
    assert (
        verdicts["離婚を考えている・未就学児1人・年収200万円未満・養育費の取り決めなし"]
        == "使える可能性が高い"
    )
    assert (
        verdicts["離婚した・小学生と中学生の2人・年収200〜400万円・取り決めあり"]
        == "対象外のようです"
    )
    assert verdicts["ガイドで何も答えていない家庭"] == "条件しだい"
    session.expire_all()
    assert session.get(Programme, programme.id).conditions["income"] == ["under-2m", "2m-4m"]

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
