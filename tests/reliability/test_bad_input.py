"""Property-based tests (Hypothesis) for every parser and form that takes outside input:
whatever comes in, the answer is a result or a clear refusal (never a 500, never an exception
the caller did not expect), and a refused input writes nothing."""

from __future__ import annotations

import json
import string
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from icalendar import Calendar
from sqlmodel import func, select

from service import create_app
from service.addresses import tidy_address
from service.bookings.models import Booking, Slot
from service.calendar import RuleError, check_rrule, occurrences_between
from service.ics import calendar_feed
from service.markdown import render_markdown, text_with_links
from service.models import Notice, Role, RuleKind, Subscriber
from service.subscribers import waiting_for
from service.support.models import ConsultationRequest
from service.tokens import Purpose, TokenExpired, TokenInvalid, make_token, read_token
from service.types import utcnow
from tests.conftest import csrf_token, with_line
from tests.factories import (
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.fakes.line import signature as line_signature
from tests.reliability.report import report
from tests.staff.test_staff_notices import login
from tests.webhooks.test_sendgrid_webhook import PUBLIC_KEY, signed

KEY = "test-secret-key-that-is-long-enough-0123456789"
NOW = datetime(2027, 8, 17, 0, 0, tzinfo=UTC)
# Function-scoped fixtures (a database per test) are shared by a test's examples on purpose.
# How many examples each test tries comes from the Hypothesis profile (tests/conftest.py).
with_fixtures = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
TRIED: dict[str, int] = {}


def tried(name: str) -> None:
    TRIED[name] = TRIED.get(name, 0) + 1


@pytest.fixture(scope="module", autouse=True)
def report_inputs():
    yield
    for name, count in sorted(TRIED.items()):
        report("bad input", parser=name, inputs=count, server_errors=0)


# Token-shaped text: what a mangled link looks like more often than random Unicode does.
token_text = st.text(alphabet=string.ascii_letters + string.digits + "-_.", max_size=120)


@given(subject=st.text(max_size=64), purpose=st.sampled_from(list(Purpose)))
def test_a_token_reads_back_as_its_subject_and_only_for_its_purpose(subject, purpose):
    tried("token")
    token = make_token(KEY, purpose, subject)
    assert read_token(KEY, purpose, token) == subject
    for other in Purpose:
        if other != purpose:
            with pytest.raises(TokenInvalid):
                read_token(KEY, other, token)


@given(subject=st.text(max_size=64), data=st.data())
def test_a_tampered_token_never_reads_as_another_subject(subject, data):
    tried("token")
    token = make_token(KEY, Purpose.MANAGE, subject)
    at = data.draw(st.integers(0, len(token) - 1))
    replacement = data.draw(st.sampled_from(string.ascii_letters + string.digits + "-_."))
    tampered = token[:at] + replacement + token[at + 1 :]
    try:
        # A change in base64's unused bits decodes to the same token: harmless.
        assert read_token(KEY, Purpose.MANAGE, tampered) == subject
    except TokenInvalid:
        pass


@given(text=st.one_of(token_text, st.text(max_size=200)))
def test_any_text_as_a_token_is_refused_cleanly(text):
    tried("token")
    try:
        read_token(KEY, Purpose.MANAGE, text, max_age=3600)
    except (TokenInvalid, TokenExpired):
        pass


rrule_text = st.one_of(
    st.text(max_size=80),
    st.lists(
        st.sampled_from(
            [
                "FREQ=YEARLY",
                "FREQ=MONTHLY",
                "FREQ=WEEKLY",
                "FREQ=DAILY",
                "FREQ=HOURLY",
                "FREQ=MINUTELY",
                "FREQ=SECONDLY",
                "INTERVAL=2",
                "INTERVAL=0",
                "COUNT=3",
                "COUNT=0",
                "UNTIL=20000101",
                "UNTIL=20301231T000000Z",
                "BYMONTH=8",
                "BYMONTH=13",
                "BYMONTHDAY=31",
                "BYMONTHDAY=-1",
                "BYMONTHDAY=30",
                "BYDAY=MO",
                "BYDAY=1MO,-1FR",
                "BYHOUR=9",
                "BYHOUR=9,21",
                "BYMINUTE=0,30",
                "BYSETPOS=-1",
                "WKST=SU",
                "BYWEEKNO=53",
                "BYYEARDAY=366",
            ]
        ),
        min_size=1,
        max_size=5,
    ).map(";".join),
)


@given(rule=rrule_text)
def test_a_recurrence_is_accepted_only_if_it_is_daily_or_rarer_and_occurs(rule):
    tried("rrule")
    starts_at = datetime(2027, 1, 1, 9, 0, tzinfo=UTC)
    try:
        check_rrule(rule, starts_at)
    except RuleError:
        return
    notice = Notice(
        organisation_id=1,
        title="t",
        body="b",
        rule_kind=RuleKind.RRULE,
        rrule=rule,
        starts_at=starts_at,
    )
    year = occurrences_between(notice, starts_at, starts_at + timedelta(days=366), "Asia/Tokyo")
    assert len(year) <= 367
    assert len({moment.date() for moment in year}) == len(year)


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


hostile = st.sampled_from(
    [
        '<script>alert("x")</script>',
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        '<img src=x onerror="alert(1)">',
        '<a href="x" onclick="alert(1)">x</a>',
        "\x1f\u2028\u202e\ufeff",
        "BEGIN:VEVENT\r\nSUMMARY:injected\r\nEND:VEVENT",
        "児童扶養手当\n\n- 現況届",
    ]
)


@given(source=st.one_of(st.text(max_size=300), hostile, st.lists(hostile).map("".join)))
def test_markdown_lets_only_plain_formatting_and_safe_links_through(source):
    tried("markdown")
    parser = _Tags()
    parser.feed(str(render_markdown(source)))
    for tag, attributes in parser.seen:
        assert tag in {
            "p",
            "br",
            "strong",
            "em",
            "ul",
            "ol",
            "li",
            "a",
            "h2",
            "h3",
            "h4",
            "blockquote",
            "hr",
            "code",
            "pre",
        }, tag
        names = {name for name, _ in attributes}
        assert names <= ({"href"} if tag == "a" else set()), (tag, attributes)
        for _, href in attributes:
            assert (href or "").split(":")[0].lower() in {"https", "http", "mailto", "tel"} or (
                ":" not in (href or "")
            ), href


@pytest.fixture
def parent_and_notice(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    parent = create_subscriber(session, organisation=city, topics=[topic])
    notice = create_notice(
        session, organisation=city, topics=[topic], starts_at=NOW + timedelta(days=10)
    )
    return parent, notice


# What a notice can hold: forms and the API refuse NUL, which PostgreSQL cannot store.
storable = st.characters(exclude_characters="\x00", exclude_categories=["Cs"])


@with_fixtures
@given(
    title=st.one_of(st.text(storable, min_size=1, max_size=200), hostile),
    body=st.one_of(st.text(storable, max_size=500), hostile),
)
def test_the_calendar_feed_carries_any_title_and_body_intact(
    session, parent_and_notice, title, body
):
    tried("ics")
    parent, notice = parent_and_notice
    notice.title, notice.body = title, body
    session.add(notice)
    session.commit()
    feed = calendar_feed(session, parent, now=NOW, calendar_name="よりそう")
    [event] = Calendar.from_ical(feed).walk("VEVENT")
    text = text_with_links(body)  # the body as plain text, as every text part has it
    assert (str(event["summary"]), str(event["description"])) == (_lines(title), _lines(text))


def _lines(text: str) -> str:
    """iCalendar has one kind of line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _count(session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def counter(session):
    city = create_organisation(session)
    topic = create_topic(session, organisation=city)
    create_source(session, organisation=city, code="koseki")
    create_staff(session, organisation=city, email="editor@aoba.example.jp", role=Role.EDITOR)
    return topic


form_text = st.one_of(st.text(max_size=80), hostile, st.just(""))


@with_fixtures
@given(
    email=st.one_of(st.emails(), form_text),
    topics=st.lists(st.one_of(st.integers(-5, 10**12).map(str), form_text), max_size=3),
    source=st.one_of(st.just("koseki"), form_text),
    consent=st.sampled_from(["y", "", "no"]),
    anchor_date=st.one_of(st.just(""), st.dates().map(str), form_text),
)
def test_the_sign_up_form_answers_any_input_and_writes_only_a_sign_up(
    client, session, counter, email, topics, source, consent, anchor_date
):
    tried("sign-up form")
    before = _count(session, Subscriber)
    # a second sign-up with an address still waiting for confirmation reuses that registration
    with client.application.app_context():  # the address hash is keyed by the app's setting
        waiting = waiting_for(session, counter.organisation_id, tidy_address(email))
    response = client.post(
        "/subscribe",
        data={
            "csrf_token": csrf_token(client, "/s/koseki"),
            "source": source,
            "email": email,
            "topics": topics or [str(counter.id)],
            "consent": consent,
            "anchor_date": anchor_date,
        },
    )
    assert response.status_code in (303, 400, 404), response.status_code
    assert b"Traceback" not in response.data
    written = _count(session, Subscriber) - before
    assert written == (1 if response.status_code == 303 and waiting is None else 0)


@pytest.fixture
def guide_city(session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    create_source(session, organisation=city, code="koseki")
    create_catalogue(session, organisation=city)
    return city


choice_text = st.one_of(
    st.sampled_from(["before", "after", "money", "safety", "preschool"]), form_text
)


@with_fixtures
@given(
    stage=choice_text,
    children=st.lists(choice_text, max_size=4),
    worries=st.lists(choice_text, max_size=9),
    source=st.one_of(st.just("koseki"), form_text),
)
def test_the_guide_answers_any_input_and_stores_nothing(
    client, session, guide_city, stage, children, worries, source
):
    tried("support guide")
    response = client.post(
        "/guide/aoba",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "stage": stage,
            "children": children,
            "worries": worries,
            "source": source,
        },
    )
    assert response.status_code in (200, 400), response.status_code
    assert b"Traceback" not in response.data
    assert _count(session, ConsultationRequest) == 0


@with_fixtures
@given(
    programme=st.one_of(st.sampled_from(["jido-teate", "dv-sodan", ""]), form_text),
    contact_way=st.one_of(st.sampled_from(["phone", "email", "visit", "line"]), form_text),
    phone=st.one_of(st.sampled_from(["090-1234-5678", "０９０１２３４５６７８"]), form_text),
    email=st.one_of(st.emails(), form_text),
    safe_times=st.lists(st.one_of(st.sampled_from(["morning", "any"]), form_text), max_size=3),
    message=form_text,
    unsafe=st.sampled_from(["", "1", "yes"]),
    consent=st.sampled_from(["y", ""]),
)
def test_the_request_form_answers_any_input_and_writes_only_a_whole_request(
    client,
    session,
    guide_city,
    programme,
    contact_way,
    phone,
    email,
    safe_times,
    message,
    unsafe,
    consent,
):
    tried("consultation request")
    before = _count(session, ConsultationRequest)
    response = client.post(
        "/guide/aoba/request",
        data={
            "csrf_token": csrf_token(client, "/guide/aoba"),
            "programme": programme,
            "contact_way": contact_way,
            "phone": phone,
            "email": email,
            "safe_times": safe_times,
            "message": message,
            "unsafe": unsafe,
            "consent": consent,
        },
    )
    assert response.status_code in (303, 400), response.status_code
    assert b"Traceback" not in response.data
    assert _count(session, ConsultationRequest) - before == (response.status_code == 303)
    if response.status_code == 303:
        latest = session.exec(
            select(ConsultationRequest).order_by(ConsultationRequest.id.desc())
        ).first()
        # only the detail the chosen way needs
        assert (latest.phone is not None) == (latest.contact_way == "phone")
        assert (latest.email is not None) == (latest.contact_way == "email")
        assert set(latest.safe_times) <= {"morning", "afternoon", "any"}


@pytest.fixture
def seminar(session):
    city = create_organisation(session)
    event = create_event(
        session,
        organisation=city,
        starts_at=utcnow() + timedelta(days=10),
        capacity=2,
        childcare_places=1,
        questions=[{"ja": "相談したいこと", "en": "", "easy": "", "required": True}],
    )
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    return event, slot


@with_fixtures
@given(
    slot=st.one_of(st.just("own"), st.integers(-5, 10**12).map(str), form_text),
    email=st.one_of(st.emails(), form_text),
    childcare=st.one_of(st.sampled_from(["0", "1", "2"]), form_text),
    answer=form_text,
    link=st.one_of(token_text, st.just("")),
    consent=st.sampled_from(["y", ""]),
)
def test_the_booking_form_answers_any_input_and_never_overbooks(
    client, session, seminar, slot, email, childcare, answer, link, consent
):
    tried("booking form")
    event, own = seminar
    before = _count(session, Booking)
    response = client.post(
        f"/e/{event.public_id}",
        data={
            "csrf_token": csrf_token(client, f"/e/{event.public_id}"),
            "slot": str(own.id) if slot == "own" else slot,
            "email": email,
            "childcare": childcare,
            "answer_0": answer,
            "link": link,
            "consent": consent,
        },
    )
    assert response.status_code in (303, 400, 409, 410), response.status_code
    assert b"Traceback" not in response.data
    assert _count(session, Booking) - before == (response.status_code == 303)
    session.expire_all()
    placed = session.get(Slot, own.id)
    assert 0 <= placed.booked <= placed.capacity
    assert 0 <= placed.childcare_booked <= placed.childcare_places


@pytest.fixture
def editor(client, counter):
    login(client, "editor@aoba.example.jp")


@with_fixtures
@given(
    title=form_text,
    body=form_text,
    rule_kind=st.sampled_from(["once", "rrule", "relative", "", "weekly"]),
    starts_at=st.one_of(st.just("2027-08-01T09:00"), form_text),
    rrule=st.one_of(rrule_text, form_text),
    offset_days=st.one_of(st.integers(-10, 10**6).map(str), form_text),
    send_time=st.one_of(st.just("09:00"), form_text),
)
def test_the_notice_form_answers_any_input_and_saves_only_a_whole_notice(
    client,
    session,
    counter,
    editor,
    title,
    body,
    rule_kind,
    starts_at,
    rrule,
    offset_days,
    send_time,
):
    tried("notice form")
    before = _count(session, Notice)
    response = client.post(
        "/staff/notices/new",
        data={
            "csrf_token": csrf_token(client, "/staff/notices/new"),
            "title": title,
            "body": body,
            "topics": [str(counter.id)],
            "channels": ["email"],
            "rule_kind": rule_kind,
            "starts_at": starts_at,
            "rrule": rrule,
            "holiday_shift": "none",
            "offset_days": offset_days,
            "send_time": send_time,
        },
    )
    assert response.status_code in (302, 303, 400), response.status_code
    assert b"Traceback" not in response.data
    assert _count(session, Notice) - before == (0 if response.status_code == 400 else 1)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
event_like = st.fixed_dictionaries(
    {},
    optional={
        "event": st.one_of(
            st.sampled_from(["delivered", "open", "bounce", "dropped", "spamreport", "deferred"]),
            st.text(max_size=10),
        ),
        "delivery_id": st.one_of(st.integers(), st.text(max_size=10), json_values),
        "sg_event_id": st.one_of(st.text(max_size=20), json_values),
        "timestamp": st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=12)),
        "email": st.one_of(st.emails(), st.text(max_size=20)),
        "type": st.one_of(st.sampled_from(["bounce", "blocked"]), json_values),
    },
)


@pytest.fixture
def webhook_client(settings, database):
    return create_app(
        replace(settings, sendgrid_webhook_public_key=PUBLIC_KEY), database
    ).test_client()


@with_fixtures
@given(events=st.one_of(json_values, st.lists(st.one_of(event_like, json_values), max_size=5)))
def test_the_sendgrid_webhook_answers_any_signed_json(webhook_client, events):
    tried("SendGrid webhook JSON")
    payload, headers = signed(events)
    response = webhook_client.post("/webhooks/sendgrid", data=payload, headers=headers)
    assert response.status_code in (200, 400), (response.status_code, response.data)
    assert response.is_json


line_event = st.fixed_dictionaries(
    {},
    optional={
        "type": st.one_of(st.sampled_from(["follow", "unfollow", "message", "join"]), json_values),
        "mode": st.one_of(st.sampled_from(["active", "standby"]), json_values),
        "timestamp": st.one_of(st.integers(), json_values),
        "source": st.one_of(
            st.fixed_dictionaries(
                {"type": st.sampled_from(["user", "group"]), "userId": st.text(max_size=40)}
            ),
            json_values,
        ),
        "webhookEventId": st.one_of(st.text(max_size=30), json_values),
        "deliveryContext": st.one_of(st.just({"isRedelivery": False}), json_values),
        "replyToken": st.one_of(st.text(max_size=30), json_values),
        "message": st.one_of(
            st.fixed_dictionaries(
                {"type": st.just("text"), "id": st.just("1"), "text": st.text(max_size=30)}
            ),
            json_values,
        ),
    },
)


@pytest.fixture
def line_client(settings, database, session, fake_line):
    create_organisation(session)
    return create_app(with_line(settings, fake_line), database).test_client()


@with_fixtures
@given(
    body=st.one_of(
        json_values,
        st.fixed_dictionaries(
            {"events": st.one_of(st.lists(line_event, max_size=4), json_values)},
            optional={"destination": json_values},
        ),
    )
)
def test_the_line_webhook_answers_any_signed_json(line_client, body):
    tried("LINE webhook JSON")
    payload = json.dumps(body).encode()
    response = line_client.post(
        "/webhooks/line", data=payload, headers={"X-Line-Signature": line_signature(payload)}
    )
    assert response.status_code in (200, 400), (response.status_code, response.data)
    assert response.is_json
