"""Materialize, fan out and dispatch: the right notice, to the right people, once."""

from __future__ import annotations

import logging
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import event, update
from sqlmodel import col, func, select

from jobs import fanout
from jobs.claims import take_back_run_out
from jobs.dispatch import LEASE, DispatchPolicy, claim_deliveries, send_claimed, send_fanned_out
from jobs.fanout import fan_out_sends, school_grade_births
from jobs.materialize import materialize_sends
from service.addresses import hash_address
from service.channels.email_sendgrid import SendGridEmail
from service.models import (
    Child,
    Delivery,
    DeliveryLease,
    DeliveryStatus,
    Endpoint,
    NoticeStatus,
    RuleKind,
    Send,
    Subscriber,
    Suppression,
)
from tests.factories import (
    ADDRESS_KEY,
    create_notice,
    create_organisation,
    create_subscriber,
    create_topic,
    write_deliveries,
)
from tests.fakes.sendgrid import API_KEY
from tests.fakes.server import Fault
from tests.outbox import read_outbox, text_body, to

# 2027-08-17 09:00 in Tokyo
AUG_17_9AM = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)


@pytest.fixture
def city(session):
    return create_organisation(session)


@pytest.fixture
def topics(session, city):
    return (
        create_topic(session, organisation=city, slug="jido-fuyo", name_ja="児童扶養手当"),
        create_topic(session, organisation=city, slug="sumai", name_ja="住まい"),
    )


def _deliveries(session):
    session.expire_all()
    return session.exec(select(Delivery).order_by(Delivery.id)).all()


def _sends(session):
    session.expire_all()
    return session.exec(select(Send).order_by(Send.due_at)).all()


def test_only_confirmed_subscribers_of_the_topic_in_the_organisation_receive(
    session, city, topics, worker, settings
):
    allowance, housing = topics
    wanted = create_subscriber(session, organisation=city, topics=[allowance], email="a@example.jp")
    create_subscriber(session, organisation=city, topics=[allowance, housing], email="b@example.jp")
    create_subscriber(session, organisation=city, topics=[housing], email="c@example.jp")
    create_subscriber(
        session, organisation=city, topics=[allowance], email="d@example.jp", confirmed=False
    )
    create_subscriber(
        session, organisation=city, topics=[allowance], email="e@example.jp", unsubscribed=True
    )
    suppressed = create_subscriber(
        session, organisation=city, topics=[allowance], email="f@example.jp"
    )
    session.add(
        Suppression(
            organisation_id=city.id,
            channel="email",
            reason="bounce",
            address_hash=hash_address("email", "F@example.jp", ADDRESS_KEY),
        )
    )
    other_city = create_organisation(session, slug="kita", name="きた市")
    other_topic = create_topic(session, organisation=other_city, slug="jido-fuyo")
    create_subscriber(session, organisation=other_city, topics=[other_topic], email="g@example.jp")
    session.commit()
    create_notice(session, organisation=city, topics=[allowance], starts_at=AUG_17_9AM)

    worker.run_once(AUG_17_9AM)

    assert sorted(to(m) for m in read_outbox(settings.outbox_dir)) == [
        "a@example.jp",
        "b@example.jp",
    ]
    assert wanted.id != suppressed.id
    assert {d.status for d in _deliveries(session)} == {DeliveryStatus.SENT}


def test_every_step_twice_changes_nothing_the_second_time(session, city, topics, worker, settings):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=list(topics), starts_at=AUG_17_9AM)
    for _ in range(2):
        materialize_sends(session, now=AUG_17_9AM)
        fan_out_sends(session, now=AUG_17_9AM)
    assert len(_sends(session)) == 1
    assert len(_deliveries(session)) == 1  # one delivery although both topics match
    worker.dispatch(AUG_17_9AM)
    worker.run_once(AUG_17_9AM + timedelta(seconds=1))
    assert len(read_outbox(settings.outbox_dir)) == 1


def test_a_big_send_is_fanned_out_range_by_range_and_reaches_everyone(
    session, city, topics, monkeypatch
):
    monkeypatch.setattr(fanout, "CHUNK", 3)  # ranges of 3 subscriber ids instead of 20,000
    people = [
        create_subscriber(session, organisation=city, topics=[topics[n % 2]], email=f"p{n}@e.jp")
        for n in range(10)
    ]
    create_subscriber(session, organisation=city, topics=[topics[0]], unsubscribed=True)
    create_notice(session, organisation=city, topics=list(topics), starts_at=AUG_17_9AM)
    materialize_sends(session, now=AUG_17_9AM)
    handed: list[list[int]] = []  # the claimed deliveries, as each range hands them over
    fan_out_sends(
        session,
        now=AUG_17_9AM,
        send_now=lambda leases: handed.extend(
            [c.delivery_id for c in lease.claims] for lease in leases
        ),
        lease=timedelta(minutes=5),
    )
    [send] = _sends(session)
    assert send.fanned_out_at == AUG_17_9AM
    assert send.fanned_out_through >= max(p.id for p in people)
    assert sorted(d.endpoint_id for d in _deliveries(session)) == sorted(
        e.id
        for e in session.exec(
            select(Endpoint).where(col(Endpoint.subscriber_id).in_([p.id for p in people]))
        )
    )
    assert len(handed) >= 4  # one hand-over per range of 3 ids: sending starts with the first
    assert sorted(sum(handed, [])) == sorted(d.id for d in _deliveries(session))
    for delivery in _deliveries(session):  # claimed as they were written: marked sent, leased
        assert delivery.status == DeliveryStatus.SENT
        assert delivery.claimed_until == AUG_17_9AM + timedelta(minutes=5)
        assert delivery.attempts == 1
    leases = session.exec(select(DeliveryLease).order_by(DeliveryLease.id)).all()
    assert [lease.delivery_ids for lease in leases] == handed
    fan_out_sends(session, now=AUG_17_9AM + timedelta(minutes=1))
    assert len(_deliveries(session)) == 10


def test_nothing_is_sent_before_the_due_time(session, city, topics, worker, settings):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        starts_at=AUG_17_9AM,
        scheduled_at=AUG_17_9AM - timedelta(days=1),
    )
    worker.run_once(AUG_17_9AM - timedelta(seconds=1))
    assert read_outbox(settings.outbox_dir) == [] and _sends(session) == []
    worker.run_once(AUG_17_9AM)
    assert len(read_outbox(settings.outbox_dir)) == 1


@pytest.mark.parametrize(
    "status",
    [NoticeStatus.DRAFT, NoticeStatus.SUBMITTED, NoticeStatus.PAUSED, NoticeStatus.ARCHIVED],
)
def test_notices_not_scheduled_are_not_sent(session, city, topics, worker, settings, status):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(
        session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM, status=status
    )
    worker.run_once(AUG_17_9AM + timedelta(minutes=1))
    assert read_outbox(settings.outbox_dir) == []


def test_a_yearly_deadline_is_caught_up_after_downtime_but_never_after_its_deadline(
    session, city, topics, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        rule_kind=RuleKind.RRULE,
        title="児童扶養手当の現況届は8月31日までです",
        starts_at=datetime(2027, 1, 1, tzinfo=UTC),
        rrule="FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=17;BYHOUR=9;BYMINUTE=0",
        valid_days=14,
    )
    # The server was down on the 17th; it comes back on the 20th and catches up.
    worker.run_once(datetime(2027, 8, 20, 3, 0, tzinfo=UTC))
    [sent] = read_outbox(settings.outbox_dir)
    assert str(sent["Subject"]) == "児童扶養手当の現況届は8月31日までです"
    assert [s.due_at for s in _sends(session)] == [AUG_17_9AM]
    # Next year the server is down from the 16th to 1 September: too late, nothing is sent.
    worker.run_once(datetime(2028, 9, 1, 3, 0, tzinfo=UTC))
    assert len(read_outbox(settings.outbox_dir)) == 1


def test_a_delivery_past_its_deadline_is_suppressed_not_sent(
    session, city, topics, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        starts_at=AUG_17_9AM,
        valid_until=AUG_17_9AM + timedelta(days=14),
    )
    write_deliveries(session, AUG_17_9AM)
    worker.dispatch(AUG_17_9AM + timedelta(days=15))
    assert read_outbox(settings.outbox_dir) == []
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.SUPPRESSED, "expired")


def test_relative_reminder_reaches_parents_on_the_right_day_after_their_anchor(
    session, city, topics, worker, settings
):
    anchor = date(2027, 4, 1)
    create_subscriber(
        session, organisation=city, topics=[topics[0]], email="day0@example.jp", anchor_date=anchor
    )
    create_subscriber(
        session,
        organisation=city,
        topics=[topics[0]],
        email="day1@example.jp",
        anchor_date=anchor + timedelta(days=1),
    )
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        rule_kind=RuleKind.RELATIVE,
        title="児童手当の手続きはお済みですか",
        offset_days=3,
        send_time="09:00",
        scheduled_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    four_april_9am = datetime(2027, 4, 4, 0, 0, tzinfo=UTC)
    worker.run_once(four_april_9am - timedelta(minutes=1))
    assert read_outbox(settings.outbox_dir) == []
    worker.run_once(four_april_9am)
    assert [to(m) for m in read_outbox(settings.outbox_dir)] == ["day0@example.jp"]
    worker.run_once(four_april_9am + timedelta(days=1))
    assert [to(m) for m in read_outbox(settings.outbox_dir)] == [
        "day0@example.jp",
        "day1@example.jp",
    ]


def test_a_parent_confirming_after_the_reminders_time_still_gets_that_days_reminder(
    session, city, topics, worker, settings
):
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        rule_kind=RuleKind.RELATIVE,
        title="配信登録のご案内",
        offset_days=0,
        send_time="09:00",
        scheduled_at=datetime(2027, 3, 1, tzinfo=UTC),
    )
    nine = datetime(2027, 4, 1, 0, 0, tzinfo=UTC)
    worker.run_once(nine)  # nobody is anchored on 1 April yet
    assert len(_sends(session)) == 1 and _deliveries(session) == []
    three_pm = nine + timedelta(hours=6)
    create_subscriber(
        session,
        organisation=city,
        topics=[topics[0]],
        email="late@example.jp",
        anchor_date=date(2027, 4, 1),
        now=three_pm,
    )
    worker.run_once(three_pm)
    assert [to(m) for m in read_outbox(settings.outbox_dir)] == ["late@example.jp"]
    worker.run_once(three_pm + timedelta(minutes=1))
    assert len(read_outbox(settings.outbox_dir)) == 1


def test_child_age_target_is_applied_at_fan_out(session, city, topics, worker, settings):
    five = create_subscriber(
        session, organisation=city, topics=[topics[0]], email="five@example.jp"
    )
    ten = create_subscriber(session, organisation=city, topics=[topics[0]], email="ten@example.jp")
    create_subscriber(session, organisation=city, topics=[topics[0]], email="none@example.jp")
    session.add(Child(subscriber_id=five.id, birth_month=date(2022, 3, 1)))
    session.add(Child(subscriber_id=ten.id, birth_month=date(2017, 3, 1)))
    session.commit()
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        title="入学の準備に",
        starts_at=AUG_17_9AM,
        child_age_min=5,
        child_age_max=6,
    )
    worker.run_once(AUG_17_9AM)
    assert [to(m) for m in read_outbox(settings.outbox_dir)] == ["five@example.jp"]


def test_unsubscribing_after_fan_out_suppresses_the_pending_delivery(
    session, city, topics, worker, settings, client
):
    subscriber = create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    write_deliveries(session, AUG_17_9AM)
    from service.tokens import Purpose, make_token

    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    assert client.post(f"/unsubscribe/{token}").status_code == 200
    worker.dispatch(AUG_17_9AM)
    assert read_outbox(settings.outbox_dir) == []
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.SUPPRESSED, "unsubscribed")


def test_a_claim_is_exclusive_until_its_lease_expires(session, city, topics):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    materialize_sends(session, now=AUG_17_9AM)
    fan_out_sends(session, now=AUG_17_9AM)
    first = claim_deliveries(session, now=AUG_17_9AM)
    assert first is not None and len(first.claims) == 1
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.sent_at) == (DeliveryStatus.SENT, AUG_17_9AM)
    assert claim_deliveries(session, now=AUG_17_9AM + timedelta(seconds=30)) is None
    assert take_back_run_out(session, AUG_17_9AM + LEASE - timedelta(seconds=1)) == 0
    # The worker that claimed it died; after the lease it goes back, and another worker takes it.
    assert take_back_run_out(session, AUG_17_9AM + LEASE + timedelta(seconds=1)) == 1
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.sent_at, delivery.attempts) == ("pending", None, 1)
    assert session.exec(select(DeliveryLease)).all() == []
    again = claim_deliveries(session, now=AUG_17_9AM + LEASE + timedelta(seconds=1))
    assert again is not None
    assert [c.delivery_id for c in again.claims] == [c.delivery_id for c in first.claims]
    session.expire_all()
    assert session.get(Delivery, first.claims[0].delivery_id).attempts == 2


def test_a_batch_that_goes_well_writes_each_delivery_once(
    session, city, topics, worker, settings, database
):
    for n in range(3):
        create_subscriber(session, organisation=city, topics=[topics[0]], email=f"p{n}@e.jp")
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    statements: list[str] = []
    listen = ("before_cursor_execute", lambda *args: statements.append(args[2].lower()))
    event.listen(database.engine, *listen)
    try:
        worker.run_once(AUG_17_9AM)
    finally:
        event.remove(database.engine, *listen)
    assert len(read_outbox(settings.outbox_dir)) == 3
    # Written by the fan-out's INSERT, marked sent and leased; no UPDATE after the answer. (The
    # dispatcher's claim, an UPDATE of due rows, ran too: it found none.)
    claim = "where delivery.id in (select delivery.id"
    updates = [s for s in statements if s.lstrip().startswith("update delivery ")]
    assert updates and all(claim in s for s in updates)
    assert {d.status for d in _deliveries(session)} == {DeliveryStatus.SENT}
    assert session.exec(select(DeliveryLease)).all() == []  # the batch's one write: its end


def test_a_worker_whose_lease_ran_out_leaves_its_deliveries_to_the_next(
    session, city, topics, worker, database, fake_sendgrid, caplog
):
    """Too slow (longer than the lease): its deliveries went back to the queue and may be
    another worker's by now, so its late answer writes nothing over them."""
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    write_deliveries(session, AUG_17_9AM)
    lease = claim_deliveries(session, now=AUG_17_9AM)
    assert lease is not None
    assert take_back_run_out(session, AUG_17_9AM + LEASE + timedelta(seconds=1)) == 1
    worker.channels["email"] = SendGridEmail(API_KEY, fake_sendgrid.url)
    fake_sendgrid.plan(Fault(status=400))  # its answer: refused, for good
    with caplog.at_level(logging.WARNING, logger="jobs.dispatch"), worker.app.app_context():
        send_claimed(
            database, lease, channels=worker.channels, now=AUG_17_9AM, policy=worker.policy
        )
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.last_error) == (DeliveryStatus.PENDING, None)
    assert "lease ran out before the provider answered: 1 deliveries" in caplog.text


def test_what_a_slow_fan_out_could_not_send_in_half_its_lease_is_given_back(
    session, city, topics, worker, settings, database
):
    create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    materialize_sends(session, now=AUG_17_9AM)
    fan_out_sends(
        session,
        now=AUG_17_9AM,
        lease=LEASE,
        # No time left at all: everything is given back before the first batch.
        send_now=lambda leases: send_fanned_out(
            database,
            leases,
            channels=worker.channels,
            policy=DispatchPolicy(lease=timedelta(0)),
            now=AUG_17_9AM,
        ),
    )
    assert read_outbox(settings.outbox_dir) == []
    [delivery] = _deliveries(session)
    assert (delivery.status, delivery.claimed_until, delivery.attempts) == ("pending", None, 0)
    assert (delivery.sent_at, session.exec(select(DeliveryLease)).all()) == (None, [])
    # Any worker takes it at once, without waiting for the lease to run out.
    lease = claim_deliveries(session, now=AUG_17_9AM)
    assert lease is not None and [c.delivery_id for c in lease.claims] == [delivery.id]


def test_notice_email_has_unsubscribe_header_footer_and_markdown(
    session, city, topics, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topics[0]], email="a@example.jp")
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        title="現況届のお知らせ",
        body="提出は**8月31日**までです。\n\n<script>alert(1)</script>",
        starts_at=AUG_17_9AM,
    )
    worker.run_once(AUG_17_9AM)
    [message] = read_outbox(settings.outbox_dir)
    assert str(message["From"]) == "あおば市 こども家庭課 <oshirase@aoba.example.jp>"
    assert message["List-Unsubscribe"].startswith("<https://yorisou.example.jp/unsubscribe/")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "<strong>8月31日</strong>" in html
    assert "<script>" not in html
    assert 'href="https://yorisou.example.jp/unsubscribe/' in html
    assert "配信を停止する" in html
    text = text_body(message)
    preferences = re.search(r"https://yorisou\.example\.jp/preferences/(\S+)", text).group(1)
    stop = message["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert preferences != stop  # each link good for its own purpose only
    assert "/calendar/" not in text  # the feed's address is given on the parent's page only
    assert "ご登録のテーマ：児童扶養手当" in text  # why this parent gets it
    assert "あおば市 電話 000-000-0000" in text


def test_english_subscribers_get_an_english_footer(session, city, topics, worker, settings):
    create_subscriber(session, organisation=city, topics=[topics[0]], locale="en")
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    worker.run_once(AUG_17_9AM)
    [message] = read_outbox(settings.outbox_dir)
    assert "Unsubscribe:" in text_body(message)


def test_an_erased_endpoint_is_not_sent_to(session, city, topics, worker, settings):
    subscriber = create_subscriber(session, organisation=city, topics=[topics[0]])
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    write_deliveries(session, AUG_17_9AM)
    session.execute(
        update(Endpoint)
        .where(Endpoint.subscriber_id == subscriber.id)
        .values(disabled_at=AUG_17_9AM, disabled_reason="bounce")
    )
    session.commit()
    worker.dispatch(AUG_17_9AM)
    assert read_outbox(settings.outbox_dir) == []
    assert session.exec(select(func.count()).select_from(Subscriber)).one() == 1


def test_a_title_that_says_too_much_never_becomes_the_subject(
    session, city, topics, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topics[0]], email="a@example.jp")
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        title="離婚届を出した方へ",
        starts_at=AUG_17_9AM,
    )
    worker.run_once(AUG_17_9AM)
    [message] = read_outbox(settings.outbox_dir)
    assert str(message["Subject"]) == "あおば市からのお知らせ"
    assert "離婚" not in str(message["From"])
    assert text_body(message).startswith("離婚届を出した方へ")  # inside, where only she looks


def test_school_grade_target_reaches_the_children_entering_school_next_april(
    session, city, topics, worker, settings
):
    # 小1 in the school year from April 2028: born April 2021 … March 2022.
    assert school_grade_births(1, 2028) == (date(2021, 4, 1), date(2022, 3, 1))
    for email, month in (
        ("april.2021@example.jp", date(2021, 4, 1)),
        ("march.2022@example.jp", date(2022, 3, 1)),
        ("april.2022@example.jp", date(2022, 4, 1)),
        ("march.2021@example.jp", date(2021, 3, 1)),
    ):
        subscriber = create_subscriber(session, organisation=city, topics=[topics[0]], email=email)
        session.add(Child(subscriber_id=subscriber.id, birth_month=month))
    session.commit()
    november = datetime(2027, 11, 1, 0, 0, tzinfo=UTC)  # school year 2027: "next April" is 2028
    notice = create_notice(
        session, organisation=city, topics=[topics[0]], title="入学準備のご案内", starts_at=november
    )
    notice.school_grade, notice.school_year_offset = 1, 1
    session.add(notice)
    session.commit()
    worker.run_once(november)
    assert sorted(to(m) for m in read_outbox(settings.outbox_dir)) == [
        "april.2021@example.jp",
        "march.2022@example.jp",
    ]


def test_a_stored_rule_that_cannot_be_read_holds_up_no_other_notice(
    session, city, topics, worker, settings, caplog
):
    create_subscriber(session, organisation=city, topics=[topics[0]], email="a@example.jp")
    broken = create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        title="壊れたルール",
        rule_kind=RuleKind.RRULE,
        starts_at=AUG_17_9AM,
        rrule="FREQ=NEVER",  # saved before forms and the API checked rules
    )
    create_notice(session, organisation=city, topics=[topics[0]], starts_at=AUG_17_9AM)
    worker.run_once(AUG_17_9AM)
    assert [str(m["Subject"]) for m in read_outbox(settings.outbox_dir)] == [
        "児童扶養手当の現況届のお知らせ"
    ]
    assert f"notice {broken.id}: its schedule cannot be read" in caplog.text


def test_the_text_part_is_plain_text_with_each_links_address(
    session, city, topics, worker, settings
):
    create_subscriber(session, organisation=city, topics=[topics[0]], email="a@example.jp")
    create_notice(
        session,
        organisation=city,
        topics=[topics[0]],
        body="## 持ち物\n\n- **印鑑**\n- 詳しくは[市のページ](https://city.example.jp/a)で。",
        starts_at=AUG_17_9AM,
    )
    worker.run_once(AUG_17_9AM)
    [message] = read_outbox(settings.outbox_dir)
    text = text_body(message)
    assert "持ち物\n\n・印鑑\n・詳しくは市のページ https://city.example.jp/a で。" in text
    assert not any(mark in text for mark in ("**", "##", "](", "- "))
