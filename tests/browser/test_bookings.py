"""Booking in a real browser: from a notice email to a booked place and its cancellation, a
full seminar's waiting list, phone-sized in all three languages; then the staff's day list
with check-in. Checked by axe, with screenshots."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from service.bookings.booking import Contact, book, confirm_address
from service.bookings.models import Booking, Slot
from service.models import Role
from service.parent_links import LinkMaker
from service.types import utcnow
from tests.browser.conftest import check_accessibility, screenshot
from tests.browser.test_staff_console import _login
from tests.factories import (
    create_event,
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
    fill_slot,
)
from tests.outbox import read_outbox, text_body


def _read(text: str) -> re.Pattern[str]:
    """A heading as a browser names it: on an やさしい日本語 page each kanji word may carry its
    reading (予約 → 予約(よやく))."""
    parts = re.split(r"([\u4e00-\u9fff々]+)", text)
    return re.compile(
        "".join(
            re.escape(part) + r"(?:\s*\(?[\u3041-\u309f]+\)?\s*)?" if index % 2 else re.escape(part)
            for index, part in enumerate(parts)
        )
    )


BOOK = {"ja": "予約する", "en": "Book", "easy": "予約する"}
CONSENT = {
    "ja": "この予約のためだけに使うことに同意します",
    "en": "only for this booking",
    "easy": "この 予約の ためだけに",
}
BOOKED = {"ja": "予約が確定しました", "en": "Your place is booked", "easy": "予約が できました"}
CONFIRM_BY_EMAIL = {
    "ja": "メールでご予約を確定してください",
    "en": "Please confirm your booking by email",
    "easy": "メールで 予約を 決めて ください",
}
CONFIRM = {"ja": "予約を確定する", "en": "Confirm my booking", "easy": "予約を 決める"}


def _press_confirm_in_email(page, session, live_app, address: str, lang: str = "ja") -> None:
    """The link in the email to a typed address (made as the email makes it), and its button."""
    session.expire_all()
    booking = session.exec(select(Booking).where(Booking.address == address)).one()
    settings = live_app.extensions["yorisou.settings"]
    link = LinkMaker(settings).confirm_booking(booking.public_id)
    page.goto(
        link.removeprefix(settings.public_base_url) + ("" if lang == "ja" else f"?lang={lang}")
    )
    page.get_by_role("button", name=CONFIRM[lang], exact=True).click()


@pytest.fixture
def city(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_staff(
        session,
        organisation=city,
        email="kodomo@aoba.example.jp",
        role=Role.EDITOR,
        department="こども家庭課",
    )
    return city, topic


def _seminar(session, city, **values):
    return create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=10),
        title_en="Parenting seminar after divorce",
        title_easy="りこん した あとの こそだての こうざ",
        place_en="City Hall, 5th floor",
        childcare_places=3,
        **values,
    )


@pytest.mark.parametrize("lang", ["ja", "en", "easy"])
def test_booking_with_an_email_address_at_320_px(page, session, city, lang, live_app):
    event = _seminar(session, city[0])
    page.set_viewport_size({"width": 320, "height": 700})
    page.goto(f"/e/{event.public_id}?lang={lang}")
    check_accessibility(page)
    screenshot(page, f"booking-page-{lang}")
    page.locator("input[name=slot]").first.check()
    page.locator("input[name=email]").fill("ｈａｎａｋｏ＠ｅｘａｍｐｌｅ．ｊｐ")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name=BOOK[lang], exact=True).click()
    page.get_by_role("heading", name=_read(CONFIRM_BY_EMAIL[lang])).wait_for()
    check_accessibility(page)
    screenshot(page, f"booking-held-{lang}")
    _press_confirm_in_email(page, session, live_app, "hanako@example.jp", lang)
    page.get_by_role("heading", name=_read(BOOKED[lang])).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    if lang == "easy":  # kanji with their readings, not all hiragana
        assert "<ruby>予約<rp>(</rp><rt>よやく</rt>" in page.content()
    check_accessibility(page)
    screenshot(page, f"booking-booked-{lang}")


def test_from_a_notice_email_to_a_booked_place_and_cancelling_it(
    page, session, city, live_worker, settings
):
    city, topic = city
    create_subscriber(session, organisation=city, topics=[topic], email="hanako@example.jp")
    event = _seminar(session, city)
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        title="親支援講座のご案内",
        starts_at=utcnow(),
        book_event_id=event.id,
    )
    live_worker.run_once()
    [notice] = read_outbox(settings.outbox_dir)
    link = re.search(r"http://127\.0\.0\.1:\d+(/e/\S+)", text_body(notice)).group(1)
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(link)
    page.get_by_text("登録しているアドレス").wait_for()  # nothing to type
    page.locator("input[name=slot]").first.check()
    page.locator("#childcare").select_option("1")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="予約する", exact=True).click()
    page.get_by_role("heading", name="予約が確定しました").wait_for()
    page.get_by_text("お子さん1人").wait_for()
    live_worker.run_once()
    confirmation = read_outbox(settings.outbox_dir)[-1]
    assert confirmation["To"] == "hanako@example.jp"
    assert [a.get_filename() for a in confirmation.iter_attachments()] == ["booking.ics"]
    page.get_by_role("button", name="予約を取り消す").click()
    page.get_by_role("heading", name="この予約は取り消されています").wait_for()
    check_accessibility(page)
    screenshot(page, "booking-cancelled")


def test_a_full_seminar_offers_the_waiting_list(page, session, city, live_app):
    event = _seminar(session, city[0], capacity=1)
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    first = book(
        session,
        event=event,
        slot=slot,
        contact=Contact("email", address="first@example.jp"),
        locale="ja",
        now=utcnow(),
    )
    confirm_address(session, first, now=utcnow())
    session.commit()
    page.set_viewport_size({"width": 390, "height": 800})
    page.goto(f"/e/{event.public_id}")
    page.get_by_text("満席：キャンセル待ちに登録できます").wait_for()
    page.locator("input[name=slot]").first.check()
    page.locator("input[name=email]").fill("second@example.jp")
    page.locator("input[name=consent]").check()
    page.get_by_role("button", name="予約する", exact=True).click()
    page.get_by_text("キャンセル待ちに入ります").wait_for()
    _press_confirm_in_email(page, session, live_app, "second@example.jp")
    page.get_by_role("heading", name="キャンセル待ちに登録しました").wait_for()
    check_accessibility(page)
    screenshot(page, "booking-waiting")


def test_the_staff_run_the_day(page, session, city):
    event = _seminar(
        session,
        city[0],
        questions=[{"ja": "相談したいこと", "en": "", "easy": "", "required": True}],
    )
    slot = fill_slot(session, event, [f"養育費{n}" for n in range(2)])
    slot.starts_at = utcnow()  # the day itself: attendance is recorded only then
    session.add(slot)
    session.commit()
    page.set_viewport_size({"width": 1280, "height": 900})
    _login(page, "kodomo@aoba.example.jp")
    page.get_by_role("link", name="行事と予約").click()
    check_accessibility(page)
    page.get_by_role("link", name=event.title_ja).click()
    check_accessibility(page)
    screenshot(page, "staff-event")
    page.get_by_role("link", name="当日の名簿").click()
    page.get_by_text("養育費0").wait_for()
    assert "p0@example.jp" not in page.content()
    page.get_by_role("button", name="出席").first.click()
    page.get_by_text("出欠を記録しました。").wait_for()
    check_accessibility(page)
    screenshot(page, "staff-day-list")
