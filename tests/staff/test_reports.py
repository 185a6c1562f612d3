"""Per-occurrence reports and their CSV: counts and reasons, never an address."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from sqlalchemy import update
from sqlmodel import select

from service.models import Delivery, Endpoint, Role
from tests.factories import (
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
    write_deliveries,
)
from tests.staff.test_staff_notices import login

DUE = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)


def test_report_page_and_csv(client, session, worker):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_staff(session, organisation=city, email="viewer@aoba.example.jp", role=Role.VIEWER)
    for n in range(3):
        create_subscriber(session, organisation=city, topics=[topic], email=f"p{n}@example.jp")
    notice = create_notice(session, organisation=city, topics=[topic], starts_at=DUE)
    write_deliveries(session, DUE)
    # One address went bad before the send: it is suppressed with its reason.
    first = session.exec(select(Endpoint).order_by(Endpoint.id)).first()
    session.execute(
        update(Endpoint)
        .where(Endpoint.id == first.id)
        .values(disabled_at=DUE, disabled_reason="bounce")
    )
    session.commit()
    worker.dispatch(DUE)
    session.execute(update(Delivery).where(Delivery.status == "sent").values(opened_at=DUE))
    session.commit()

    login(client, "viewer@aoba.example.jp")
    page = client.get(f"/staff/notices/{notice.id}/report").get_data(as_text=True)
    assert "2027-08-17 09:00" in page and "アドレスが使えなくなっていた：1" in page
    response = client.get(f"/staff/notices/{notice.id}/report.csv")
    assert response.mimetype == "text/csv"
    body = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(body)))
    assert rows == [
        {
            "配信日時": "2027-08-17 09:00",
            "宛先数": "3",
            "送信済み": "2",
            "送信待ち": "0",
            "失敗": "0",
            "送信せず": "1",
            "開封": "2",
            "送信しなかった理由": "アドレスが使えなくなっていた: 1",
        }
    ]
    assert "@example.jp" not in body
