"""The content calendar shows each coming occurrence on its day, and relative rules apart."""

from __future__ import annotations

from datetime import UTC, datetime

from service.models import Role, RuleKind
from tests.factories import create_notice, create_organisation, create_staff, create_topic
from tests.staff.test_staff_notices import login


def test_month_and_list_views(client, session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_staff(session, organisation=city, email="viewer@aoba.example.jp", role=Role.VIEWER)
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RRULE,
        title="児童扶養手当の支払日",
        starts_at=datetime(2026, 1, 1, tzinfo=UTC),
        rrule="FREQ=MONTHLY;BYMONTH=1,3,5,7,9,11;BYMONTHDAY=11;BYHOUR=9;BYMINUTE=0",
        holiday_shift="previous",
    )
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RELATIVE,
        title="児童手当の手続き",
        offset_days=3,
        send_time="09:00",
    )
    create_notice(
        session, organisation=city, topics=[topic], rule_kind=RuleKind.JOIN, title="ようこそ"
    )
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="下書きは出ない",
        starts_at=datetime(2027, 9, 2, tzinfo=UTC),
        status="draft",
    )
    login(client, "viewer@aoba.example.jp")
    html = client.get("/staff/calendar?month=2027-09").get_data(as_text=True)
    assert "2027年9月" in html
    # 11 September 2027 is a Saturday: paid on Friday the 10th.
    day = html.split('<span class="day">10</span>')[1].split("</td>")[0]
    assert "09:00 児童扶養手当の支払日" in day
    assert "3日後 09:00 児童手当の手続き" in html
    assert "登録の確認のすぐあと ようこそ" in html and "None" not in html
    assert "下書きは出ない" not in html
    assert client.get("/staff/calendar?view=list").status_code == 200
    assert client.get("/staff/calendar?month=nonsense").status_code == 200
