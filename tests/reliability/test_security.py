"""The security checklist, one test each where the rest of the suite does not already cover it
(roles and other cities: tests/staff/test_role_matrix.py; SendGrid webhook forgery:
tests/webhooks/test_sendgrid_webhook.py; rate limits, oversized bodies and tokens of the wrong
purpose: tests/public/test_abuse.py; tampered tokens: tests/reliability/test_bad_input.py;
SECRET_KEY in production: tests/test_settings.py; tokens in logs: tests/web/test_logs.py)."""

from __future__ import annotations

import urllib.parse

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, select

from service.bookings.booking import Contact as BookingContact
from service.bookings.booking import book
from service.bookings.models import Event, Slot
from service.cards.models import Card
from service.models import (
    ApiToken,
    AuditEvent,
    Endpoint,
    Notice,
    Organisation,
    Role,
    StaffUser,
    Subscriber,
    Topic,
)
from service.staff_messages import reset_subject
from service.support.models import ConsultationRequest
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.api.test_api import _token
from tests.conftest import csrf_token
from tests.factories import (
    PASSWORD,
    create_notice,
    create_organisation,
    create_staff,
    create_subscriber,
    create_topic,
)
from tests.outbox import read_outbox
from tests.staff.test_role_matrix import MATRIX, POSTS, ids  # noqa: F401 (ids: a fixture)
from tests.staff.test_staff_notices import login
from tests.test_cli import env, yorisou  # noqa: F401 (env: a fixture)

# Every form that changes something, with its URL. A new POST route fails
# test_every_post_route_is_checked until it is added here, or to NO_CSRF with its reason.
FORMS = {
    "public.subscribe": "/subscribe",
    "public.add_email_address": "/preferences/{token}/email",
    "public.remove_address": "/preferences/{token}/endpoints/{e}/remove",
    "public.erase": "/preferences/{token}/erase",
    "public.pause": "/preferences/{token}/pause",
    "public.add_device": "/preferences/{token}/push",
    "public.change_settings": "/preferences/{token}/settings",
    "public.change_topics": "/preferences/{token}/topics",
    "public.renew": "/preferences/{token}/renew",
    "public.renew_calendar_address": "/preferences/{token}/calendar",
    "public.confirm": "/confirm/{confirm}",
    "public.request_link": "/link",
    "public.send_again": "/sent/{signup}/again",
    "public.correct_address": "/sent/{signup}/address",
    "public.undo_unsubscribe": "/unsubscribe/{token}/undo",
    "public.erase_now": "/unsubscribe/{token}/erase",
    "public.choose": "/choose/{confirm}",
    "public.landing": "/s/koseki",
    "support.guide": "/guide/aoba",
    "support.ask": "/guide/aoba/ask",
    "support.send_request": "/guide/aoba/request",
    "support.withdraw_request": "/r/{request}/withdraw",
    "support.reply": "/r/{request}/reply",
    "assistant.ask_question": "/ask/aoba",
    "cards.new_card": "/card/aoba/new",
    "cards.edit_card": "/card/c/{card}/edit",
    "cards.erase": "/card/c/{card}/erase",
    "cards.share": "/card/c/{card}/share",
    "cards.renew": "/card/c/{card}/renew",
    "allowance.estimate": "/guide/aoba/estimate",
    "staff.allowance_tables": "/staff/allowance",
    "staff.delete_allowance_table": "/staff/allowance/1/delete",
    "cards.call_from_landing": "/s/koseki/call",
    "cards.parent_call": "/call/{call}",
    "assistant.answer_feedback": "/ask/aoba/a/{q}/feedback",
    "bookings.book_place": "/e/{event}",
    "bookings.cancel_booking": "/b/{booking}/cancel",
    "bookings.accept_place": "/b/{booking}/accept",
    "bookings.decline_place": "/b/{booking}/decline",
    "bookings.move_booking": "/b/{booking}/move",
    "bookings.confirm_booking": "/b/{booking_confirm}/confirm",
    "staff.login": "/staff/login",
    "staff.login_code": "/staff/login/code",
    "staff.login_city": "/staff/login/city",
    "staff.forgot_password": "/staff/password/forgot",
    "staff.reset_password": "/staff/password/reset/{reset}",
    "staff.logout": "/staff/logout",
    **{
        endpoint: MATRIX[endpoint][1]
        for endpoint in (
            "staff.change_password",
            "staff.two_factor",
            "staff.new_notice",
            "staff.edit_notice",
            "staff.notice_action",
            "staff.notice_test",
            "staff.draft_preview",
            "staff.cancel_notice_occurrence",
            "staff.organisation_settings",
            "staff.sources",
            "staff.staff_users",
            "staff.staff_user_action",
            "staff.topics",
            "staff.topic",
            "staff.topic_action",
            "staff.request_action",
            "staff.programme",
            "staff.desk",
            "staff.add_answer_template",
            "staff.delete_answer_template",
            "staff.import_catalogue_file",
            "staff.event_form",
            "staff.cancel_whole_event",
            "staff.slot_action",
            "staff.notice_schedule",
            "staff.notification_settings",
            "staff.import_list",
            "staff.import_preview",
            "staff.line_account",
            "staff.answer",
            "staff.synonyms",
            "staff.answers_import",
            "staff.crisis_words",
            "staff.card",
            "staff.counter_card",
            "staff.card_first_caller",
            "staff.card_handoff",
            "staff.counter_call",
            "staff.counter_call_status",
            "staff.accept_call",
        )
    },
}
NO_CSRF = {
    "public.unsubscribe_now": "one-click unsubscribe from the mail client (RFC 8058), by token",
    "webhooks.sendgrid_events": "SendGrid's signed posts",
    "webhooks.line_events": "LINE's signed posts (X-Line-Signature)",
    "webhooks.inbound_mail": "SendGrid Inbound Parse: the secret in its URL",
    "api.record_on_card": "a bearer token, no cookies",
    "api.create_notice": "a bearer token, no cookies",
    "api.notice_action": "a bearer token, no cookies",
    "api.request_action": "a bearer token, no cookies",
}
XSS = '<script>alert("x")</script>'


@pytest.fixture
def urls(session, settings, ids):  # noqa: F811
    city = session.exec(select(Organisation)).one()
    parent = create_subscriber(
        session, organisation=city, topics=[session.get(Topic, ids["t"])], email="p@example.jp"
    )
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    token = make_token(settings.secret_key, Purpose.MANAGE, parent.public_id)
    confirm = make_token(settings.secret_key, Purpose.CONFIRM, f"{parent.public_id}:{endpoint.id}")
    signup = make_token(settings.secret_key, Purpose.SIGN_UP, f"{parent.public_id}:{endpoint.id}")
    consultation = session.get(ConsultationRequest, ids["r"])
    request = make_token(settings.secret_key, Purpose.REQUEST, consultation.public_id)
    event = session.get(Event, ids["v"])
    booking = book(
        session,
        event=event,
        slot=session.get(Slot, ids["l"]),
        contact=BookingContact("email", address="b@example.jp"),
        locale="ja",
        now=utcnow(),
    )
    session.commit()
    booking_token = make_token(settings.secret_key, Purpose.BOOKING, booking.public_id)
    admin = session.exec(select(StaffUser).where(StaffUser.email == "admin@aoba.example.jp")).one()
    card = session.get(Card, ids["c"])
    return {
        name: url.format(
            **ids,
            e=endpoint.id,
            token=token,
            confirm=confirm,
            signup=signup,
            request=request,
            event=event.public_id,
            booking=booking_token,
            booking_confirm=make_token(
                settings.secret_key, Purpose.BOOKING_CONFIRM, booking.public_id
            ),
            reset=make_token(settings.secret_key, Purpose.STAFF_RESET, reset_subject(admin)),
            card=make_token(settings.secret_key, Purpose.CARD, card.public_id),
            call=make_token(settings.secret_key, Purpose.CALL, "1"),
        )
        for name, url in FORMS.items()
    }


def _snapshot(session) -> dict[str, int]:
    session.expire_all()
    return {
        table.name: session.execute(text(f'SELECT count(*) FROM "{table.name}"')).scalar_one()
        for table in SQLModel.metadata.sorted_tables
    }


def test_every_post_route_is_checked(app):
    posts = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in (rule.methods or ())}
    assert posts == set(FORMS) | set(NO_CSRF)


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_a_form_posted_without_its_csrf_token_is_refused_and_changes_nothing(
    client, session, urls, endpoint
):
    login(client, "admin@aoba.example.jp")
    before = _snapshot(session)
    response = client.post(urls[endpoint], data={"email": "x@example.jp", "title": "x"})
    assert response.status_code == 400, (endpoint, response.status_code)
    assert "ページの有効期限が切れました" in response.get_data(as_text=True)
    assert _snapshot(session) == before
    assert client.get("/staff/").status_code == 200  # a forged logout did not log out


def test_the_session_changes_at_login_and_the_one_before_is_worth_nothing(app, client, ids):  # noqa: F811
    client.get("/staff/login")
    before = client.get_cookie("session").value
    login(client, "admin@aoba.example.jp")
    assert client.get_cookie("session").value != before
    planted = app.test_client()
    planted.set_cookie("session", before)
    assert planted.get("/staff/").status_code == 302  # to the login page


def test_no_redirect_leaves_the_site(client, ids):  # noqa: F811
    anonymous = client.get("/staff/notices")
    assert anonymous.status_code == 302
    assert urllib.parse.urlsplit(anonymous.location).netloc in ("", "localhost")
    client.get("/staff/login?next=https://evil.example/")
    response = client.post(
        "/staff/login?next=https://evil.example/",
        data={
            "csrf_token": csrf_token(client, "/staff/login"),
            "email": "admin@aoba.example.jp",
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302 and response.location == "/staff/"


def test_what_staff_and_parents_enter_is_shown_as_text_everywhere(
    client,
    session,
    settings,
    worker,
    ids,  # noqa: F811
):
    city = session.exec(select(Organisation)).one()
    city.name = XSS
    session.add(city)
    session.commit()
    topic = create_topic(session, organisation=city, slug="xss", name_ja=XSS)
    parent = create_subscriber(session, organisation=city, topics=[topic], email="p@example.jp")
    notice = create_notice(
        session, organisation=city, topics=[topic], title=XSS, body=XSS, starts_at=utcnow()
    )
    token = make_token(settings.secret_key, Purpose.MANAGE, parent.public_id)
    pages = [client.get("/s/koseki"), client.get(f"/preferences/{token}")]
    login(client, "admin@aoba.example.jp")
    pages += [client.get(url) for url in ("/staff/notices", f"/staff/notices/{notice.id}")]
    pages += [client.get("/staff/topics"), client.get("/staff/calendar?view=list")]
    for page in pages:
        html = page.get_data(as_text=True)
        assert page.status_code == 200 and XSS not in html, page.request.path
    assert "&lt;script&gt;" in pages[0].get_data(as_text=True)
    worker.run_once()
    [email] = read_outbox(settings.outbox_dir)
    html = email.get_body(("html",)).get_content()
    assert XSS not in html and "&lt;script&gt;" in html


def test_what_a_url_carries_is_never_echoed_as_markup(client, ids):  # noqa: F811
    for path in (
        "/s/" + urllib.parse.quote(XSS),
        "/s/koseki?lang=" + urllib.parse.quote(XSS),
        "/preferences/" + urllib.parse.quote(XSS),
        "/staff/login?next=" + urllib.parse.quote(XSS),
    ):
        response = client.get(path)
        assert response.status_code < 500 and XSS not in response.get_data(as_text=True), path


INJECTIONS = ["1' OR '1'='1", "2027-08'; DROP TABLE notice; --", "1; SELECT pg_sleep(5)", "%00"]


@pytest.mark.parametrize("payload", INJECTIONS)
def test_sql_in_any_filter_is_only_text(client, session, ids, payload):  # noqa: F811
    login(client, "admin@aoba.example.jp")
    before = _snapshot(session)
    for endpoint, (_, url) in MATRIX.items():
        if endpoint in POSTS:
            continue
        query = urllib.parse.urlencode(
            {"page": payload, "month": payload, "view": payload, "lang": payload}
        )
        response = client.get(url.format(**ids) + "?" + query)
        assert response.status_code in (200, 400, 404), (endpoint, response.status_code)
    after = _snapshot(session)
    # Reading writes nothing, but for the record that someone opened personal data: a
    # consultation request, a family's card, or the list (and CSV) of who booked a day.
    opened = session.exec(
        select(AuditEvent).where(
            col(AuditEvent.action).in_(("request.open", "card.open", "slot.open", "slot.csv"))
        )
    ).all()
    assert after == {**before, "audit_event": before["audit_event"] + len(opened)}


def test_a_parent_link_reaches_only_that_parent(client, session, settings, urls):
    """Expired, reused and wrong-purpose links: tests/public/test_public.py, test_abuse.py."""
    parent = session.exec(select(Subscriber)).one()
    mine = session.exec(select(Endpoint).where(Endpoint.subscriber_id == parent.id)).one()
    city = session.exec(select(Organisation)).one()
    other = create_subscriber(
        session, organisation=city, topics=session.exec(select(Topic)).all(), email="o@example.jp"
    )
    theirs = session.exec(select(Endpoint).where(Endpoint.subscriber_id == other.id)).one()
    token = make_token(settings.secret_key, Purpose.MANAGE, parent.public_id)
    response = client.post(
        f"/preferences/{token}/endpoints/{theirs.id}/remove",
        data={"csrf_token": csrf_token(client, f"/preferences/{token}")},
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Endpoint, theirs.id) is not None
    assert session.get(Endpoint, mine.id) is not None
    # A confirmation link for my address, bent to name theirs: refused, theirs unconfirmed.
    bent = make_token(settings.secret_key, Purpose.CONFIRM, f"{parent.public_id}:{theirs.id}")
    assert "停止" in client.get(f"/confirm/{bent}").get_data(as_text=True)


def test_a_leaked_api_token_stops_working_once_revoked(client, session, env, ids):  # noqa: F811
    staff = session.exec(select(StaffUser).where(StaffUser.email == "viewer@aoba.example.jp")).one()
    headers = _token(session, staff, "leaked-token-value")
    assert client.get("/api/v1/topics", headers=headers).status_code == 200
    result = yorisou(env, "token", "revoke", "leaked-token-value")
    assert result.returncode == 0, result.stderr
    assert client.get("/api/v1/topics", headers=headers).status_code == 401
    session.expire_all()
    assert session.exec(select(ApiToken)).one().revoked_at is not None


def test_every_kind_of_answer_carries_the_security_headers(client, ids):  # noqa: F811
    answers = [client.get("/s/koseki"), client.get("/no-such-page"), client.get("/staff/login")]
    answers += [client.get("/api/v1/topics"), client.get("/healthz")]
    for answer in answers:
        headers = answer.headers
        assert "default-src 'self'" in headers["Content-Security-Policy"], answer.request.path
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"  # tokens never leak in a Referer
        assert headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize("role", [Role.EDITOR, Role.ADMIN])
def test_no_staff_page_csv_or_api_answer_is_kept_by_a_cache(client, session, ids, role):  # noqa: F811
    """Each holds personal data or may: requests, bookings, rosters, import previews, the log."""
    login(client, f"{role}@aoba.example.jp")
    for endpoint, (least, url) in MATRIX.items():
        if endpoint in POSTS or not role.allows(least):
            continue
        answer = client.get(url.format(**ids))
        assert answer.headers["Cache-Control"] == "no-store", (endpoint, answer.status_code)
    api = _token(
        session,
        session.exec(select(StaffUser).where(StaffUser.email == "viewer@aoba.example.jp")).one(),
        "cache-check",
    )
    for path in ("/api/v1/requests", f"/api/v1/requests/{ids['r']}", "/api/v1/notices"):
        assert client.get(path, headers=api).headers["Cache-Control"] == "no-store", path


def test_an_editor_of_another_department_may_read_but_not_change_a_notice(client, session):
    city = create_organisation(session)
    children = create_topic(session, organisation=city, department="こども家庭課")
    housing = create_topic(session, organisation=city, slug="sumai", department="住宅課")
    notice = create_notice(
        session, organisation=city, topics=[children], starts_at=utcnow(), status="draft"
    )
    editor = create_staff(
        session,
        organisation=city,
        email="housing@aoba.example.jp",
        role=Role.EDITOR,
        department="住宅課",
    )
    login(client, "housing@aoba.example.jp")
    assert client.get(f"/staff/notices/{notice.id}").status_code == 200
    assert client.get(f"/staff/notices/{notice.id}/edit").status_code == 403
    form = {"csrf_token": csrf_token(client, "/staff/password")}
    assert client.post(f"/staff/notices/{notice.id}/submit", data=form).status_code == 403
    headers = _token(session, editor, "housing-token")
    body = {"title": "t", "body": "b", "starts_at": "2027-08-01T09:00:00+09:00"}
    theirs = client.post("/api/v1/notices", headers=headers, json={**body, "topics": [children.id]})
    assert theirs.status_code == 403
    mine = client.post("/api/v1/notices", headers=headers, json={**body, "topics": [housing.id]})
    assert mine.status_code == 201
    refused = client.post(f"/api/v1/notices/{notice.id}/submit", headers=headers)
    assert refused.status_code == 403
    session.expire_all()
    assert session.get(Notice, notice.id).status == "draft"


def test_logout_and_a_new_password_end_every_copy_of_the_session(app, client, ids):  # noqa: F811
    login(client, "admin@aoba.example.jp")
    copy = app.test_client()  # another browser, or a stolen cookie
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/staff/").status_code == 200
    response = client.post(
        "/staff/password",
        data={
            "csrf_token": csrf_token(client, "/staff/password"),
            "current": PASSWORD,
            "new": "a new long passphrase",
            "repeat": "a new long passphrase",
        },
    )
    assert response.status_code == 302
    assert client.get("/staff/").status_code == 200  # the one that changed it goes on
    assert copy.get("/staff/").status_code == 302  # the copy is sent to the login page
    copy.set_cookie("session", client.get_cookie("session").value)
    client.post("/staff/logout", data={"csrf_token": csrf_token(client, "/staff/password")})
    assert copy.get("/staff/").status_code == 302
