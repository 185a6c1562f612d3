"""The first journey, end to end: QR code → subscribe → confirm → notice → one-click unsubscribe."""

from __future__ import annotations

import io
from datetime import timedelta

import zxingcpp
from PIL import Image
from sqlmodel import select

from service.models import Delivery, DeliveryStatus, Subscriber
from service.types import utcnow
from tests.conftest import press_confirm
from tests.factories import (
    PASSWORD,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.outbox import link, read_outbox, text_body, to


def test_parent_journey_from_qr_code_to_unsubscribe(client, session, worker, settings):
    city = create_organisation(session)
    child_support = create_topic(session, organisation=city, slug="yoikuhi", name_ja="養育費")
    housing = create_topic(
        session, organisation=city, slug="sumai", name_ja="住まい", name_en="Housing"
    )
    source = create_source(session, organisation=city, code="koseki")
    create_staff(session, organisation=city, email="staff@aoba.example.jp")
    other = create_subscriber(
        session, organisation=city, topics=[housing], email="other@example.jp"
    )

    # Staff download the counter's QR code; it leads to the landing page.
    login = client.get("/staff/login").get_data(as_text=True)
    token = login.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/staff/login",
        data={"csrf_token": token, "email": "staff@aoba.example.jp", "password": PASSWORD},
    )
    assert response.status_code == 302
    png = client.get(f"/staff/sources/{source.id}/qr.png")
    assert png.status_code == 200 and png.mimetype == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(png.data)))
    assert [code.text for code in decoded] == ["https://yorisou.example.jp/s/koseki"]
    client.post("/staff/logout", data={"csrf_token": token})

    # The parent scans it and subscribes to child support.
    page = client.get("/s/koseki")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "養育費" in html and "住まい" in html and "登録する" in html
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": token,
            "source": "koseki",
            "email": "Hanako@Example.jp",
            "topics": [str(child_support.id)],
            "consent": "y",
        },
    )
    assert response.status_code == 303
    assert "メールをご確認ください" in client.get(response.location).get_data(as_text=True)

    # The worker sends the confirmation email at once.
    start = utcnow()
    worker.run_once(start)
    [confirmation] = read_outbox(settings.outbox_dir)
    assert to(confirmation) == "Hanako@Example.jp"
    assert "配信登録の確認" in str(confirmation["Subject"])
    assert "養育費" not in text_body(confirmation)  # topics are not listed: someone may be watching

    assert "登録を完了してください" in client.get(link(confirmation, "/confirm/")).get_data(
        as_text=True
    )
    confirmed = press_confirm(client, link(confirmation, "/confirm/"))
    assert confirmed.status_code == 200
    assert "登録が完了しました" in confirmed.get_data(as_text=True)

    # A notice for child support, due now, reaches her and nobody else.
    notice = create_notice(
        session,
        organisation=city,
        topics=[child_support],
        title="養育費の相談会のお知らせ",
        body="養育費の**無料相談会**を開きます。",
        starts_at=start + timedelta(seconds=30),
    )
    worker.run_once(start + timedelta(seconds=31))
    messages = read_outbox(settings.outbox_dir)
    assert len(messages) == 2
    notice_email = messages[1]
    assert to(notice_email) == "Hanako@Example.jp"
    assert str(notice_email["Subject"]) == "養育費の相談会のお知らせ"
    unsubscribe_path = link(notice_email, "/unsubscribe/")
    assert notice_email["List-Unsubscribe"] == f"<https://yorisou.example.jp{unsubscribe_path}>"
    assert notice_email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "配信の停止" in text_body(notice_email)
    assert "ご登録のテーマ：養育費（市民課 戸籍窓口で登録）" in text_body(notice_email)

    # Running the same tick again sends nothing twice.
    worker.run_once(start + timedelta(seconds=31))
    assert len(read_outbox(settings.outbox_dir)) == 2

    # One click in her mail program: a bare POST, no cookie, no form fields.
    one_click = client.__class__(client.application)
    response = one_click.post(unsubscribe_path)
    assert response.status_code == 200
    assert "配信を停止しました" in response.get_data(as_text=True)

    later = create_notice(
        session,
        organisation=city,
        topics=[child_support, housing],
        title="養育費の取り決めの補助",
        starts_at=start + timedelta(minutes=5),
    )
    worker.run_once(start + timedelta(minutes=5))
    messages = read_outbox(settings.outbox_dir)
    assert [to(m) for m in messages[2:]] == ["other@example.jp"]

    session.expire_all()
    hanako = session.exec(select(Subscriber).where(Subscriber.id != other.id)).one()
    statuses = session.exec(
        select(Delivery.kind, Delivery.send_id, Delivery.status)
        .where(Delivery.status == DeliveryStatus.SENT)
        .order_by(Delivery.id)
    ).all()
    assert len(statuses) == 3  # confirmation, the first notice, the later notice to the neighbour
    assert hanako.unsubscribed_at is not None
    assert notice.id != later.id
