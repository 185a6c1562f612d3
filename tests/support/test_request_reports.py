"""The requests report: counts by programme, desk and counter, time to first contact, the share
contacted in time; on the dashboard, on its page and as CSV, with nothing personal in it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from service.models import Role
from service.support.models import ContactWay, Programme
from service.support.requests import Contact, in_contact, open_request
from service.types import utcnow
from tests.factories import (
    create_catalogue,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
)
from tests.staff.test_staff_notices import login


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    source = create_source(session, organisation=city, code="koseki", name="市民課 戸籍窓口")
    desks = create_catalogue(session, organisation=city)
    create_staff(session, organisation=city, email="viewer@aoba.example.jp", role=Role.VIEWER)
    now = utcnow()
    kodomo = desks["こども家庭課 ひとり親支援係"]
    teate = session.exec(select(Programme).where(Programme.slug == "jido-teate")).one()
    # four requests to one desk: contacted after 1, 2 and 10 days, and one not yet (due long ago)
    for waited in (1, 2, 10, None):
        request = open_request(
            session,
            organisation=city,
            desk=kodomo,
            contact=Contact(way=ContactWay.PHONE, phone="09012345678"),
            locale="ja",
            now=now - timedelta(days=20),
            message="秘密",
            programme_id=teate.id,
            source_id=source.id,
        )
        if waited is not None:
            in_contact(session, request, staff_id=None, now=now - timedelta(days=20 - waited))
    open_request(  # another desk, no programme, no counter
        session,
        organisation=city,
        desk=desks["保険年金課"],
        contact=Contact(way=ContactWay.VISIT),
        locale="ja",
        now=now - timedelta(days=1),
    )
    session.commit()
    return city


def test_figures_by_desk_programme_and_counter(client, city):
    login(client, "viewer@aoba.example.jp")
    page = client.get("/staff/requests/report?by=desk").get_data(as_text=True)
    assert "こども家庭課 ひとり親支援係" in page and "保険年金課" in page
    csv = client.get("/staff/requests/report.csv?by=desk&days=90")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0].startswith("区分,件数,連絡済み")
    rows = {line.split(",")[0]: line.split(",")[1:] for line in lines[1:]}
    # 4 requests, 3 contacted: median 2 days, 90th percentile 8.4; in time: the 1- and 2-day
    # ones (the desk promised 3 working days); the uncontacted one, long overdue, counts against
    assert rows["こども家庭課 ひとり親支援係"] == ["4", "3", "2.0", "8.4", "2", "50"]
    assert rows["保険年金課"] == ["1", "0", "", "", "0", ""]
    assert rows["合計"][:2] == ["5", "3"]
    by_programme = client.get("/staff/requests/report.csv?by=programme").get_data(as_text=True)
    assert "児童手当,4," in by_programme and "（指定なし）,1," in by_programme
    by_counter = client.get("/staff/requests/report.csv?by=counter").get_data(as_text=True)
    assert "市民課 戸籍窓口,4," in by_counter
    for text in (page, by_programme, by_counter):
        assert "09012345678" not in text and "秘密" not in text


def test_the_dashboard_shows_requests_by_desk(client, city):
    login(client, "viewer@aoba.example.jp")
    page = client.get("/staff/dashboard").get_data(as_text=True)
    assert "こども家庭課 ひとり親支援係（50%）" in page


def test_a_nonsense_choice_falls_back(client, city):
    login(client, "viewer@aoba.example.jp")
    assert client.get("/staff/requests/report?by=x&days=-1").status_code == 200
