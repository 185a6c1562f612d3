"""The demo city loads once, and every notice in its calendar has a rule that works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlmodel import func, select

from service.bookings.models import Event, EventProgramme, Slot
from service.calendar import occurrences_between
from service.demo import seed_demo
from service.demo_versions import VERSIONS
from service.models import Notice, NoticeTopic, RuleKind, Source, Topic
from service.support.models import ConsultationRequest, Desk, Programme


def test_demo_data_loads_once_with_a_full_calendar(session):
    assert seed_demo(session) is True
    assert seed_demo(session) is False
    topics = session.exec(select(Topic)).all()
    assert len(topics) >= 8
    assert {
        "養育費",
        "児童扶養手当",
        "児童手当",
        "就業支援",
        "住まい",
        "子育て・生活",
        "親支援講座・セミナー",
        "法律相談",
    } <= {t.name_ja for t in topics}
    assert all(t.name_en for t in topics)
    assert {s.code for s in session.exec(select(Source))} == {"koseki", "hitorioya"}
    notices = session.exec(select(Notice)).all()
    assert len(notices) >= 15
    assert {n.rule_kind for n in notices} == set(RuleKind)  # a welcome (join) among them
    without_topic = session.exec(
        select(func.count())
        .select_from(Notice)
        .where(~Notice.id.in_(select(NoticeTopic.notice_id)))
    ).one()
    assert without_topic == 0


def test_every_recurring_demo_notice_occurs_within_a_year(session):
    seed_demo(session)
    start = datetime.now(UTC)
    for notice in session.exec(select(Notice).where(Notice.rule_kind == RuleKind.RRULE)):
        due = occurrences_between(notice, start, start + timedelta(days=366), "Asia/Tokyo")
        assert due, notice.title
        assert all(d.astimezone().minute == 0 for d in due)


def test_the_genkyo_todoke_deadline_reminder_is_never_sent_after_31_august(session):
    seed_demo(session)
    reminder = session.exec(select(Notice).where(Notice.title.contains("8月31日まで"))).one()
    [due] = occurrences_between(
        reminder, datetime(2027, 8, 1, tzinfo=UTC), datetime(2027, 8, 31, tzinfo=UTC), "Asia/Tokyo"
    )
    assert due == datetime(2027, 8, 17, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
    assert due + timedelta(days=reminder.valid_days) <= datetime(2027, 8, 31, 15, 0, tzinfo=UTC)


def test_the_demo_city_has_its_programmes_desks_and_a_request_waiting(session):
    seed_demo(session)
    programmes = session.exec(select(Programme)).all()
    names = {p.name_ja for p in programmes}
    assert len(programmes) == 16
    assert {"児童扶養手当", "児童手当", "就学援助", "ひとり親控除", "通勤定期乗車券の割引"} <= names
    assert all(p.summary_en and p.summary_easy and p.desk_id for p in programmes)
    desks = session.exec(select(Desk)).all()
    assert len(desks) == 7 and all(d.department and d.name_en for d in desks)
    [request] = session.exec(select(ConsultationRequest)).all()
    assert request.status == "new" and request.due_on > request.created_at.date()


def test_the_demo_city_has_a_seminar_to_book_and_a_monthly_legal_consultation_day(session):
    seed_demo(session)
    seminar, legal = session.exec(select(Event).order_by(Event.id)).all()
    [slot] = session.exec(select(Slot).where(Slot.event_id == seminar.id)).all()
    assert (slot.booked, slot.capacity, slot.childcare_booked) == (3, 20, 3)
    legal_slots = session.exec(select(Slot).where(Slot.event_id == legal.id)).all()
    assert legal_slots and all(s.capacity == 1 for s in legal_slots)
    assert all((s.ends_at - s.starts_at).seconds == 1800 for s in legal_slots)
    notice = session.exec(select(Notice).where(Notice.book_event_id == seminar.id)).one()
    assert notice.title == "親支援講座のご案内"
    programmes = session.exec(
        select(Programme.slug)
        .join(EventProgramme, EventProgramme.programme_id == Programme.id)
        .where(EventProgramme.event_id == legal.id)
    ).all()
    assert sorted(programmes) == ["horitsu-sodan", "yoikuhi-kosei-shosho"]


def test_the_demo_notices_a_parent_meets_first_are_in_english_and_easy_japanese(session):
    seed_demo(session)
    notices = {n.title: n for n in session.exec(select(Notice)).all()}
    assert set(VERSIONS) <= set(notices)  # every version belongs to a notice
    welcome = next(n for n in notices.values() if n.rule_kind == RuleKind.JOIN)
    for locale in ("en", "easy"):
        title, body, translated = welcome.in_language(locale)
        assert translated and title and body and "Japanese" not in body
    assert notices["親支援講座のご案内"].body_en and notices["親支援講座のご案内"].body_easy
