"""Every staff route against every role: who may see it, who may use it.

A new staff route fails this test until it is given its role below.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from service.allowance.models import AllowanceTable
from service.allowance.tables import FIGURES, shipped_tables
from service.assistant.models import Answer
from service.bookings.models import Slot
from service.cards.models import CounsellorCall
from service.models import Role, SubscriberImport
from service.support.models import AnswerTemplate, ContactWay, Programme
from service.support.requests import Contact, open_request
from service.types import utcnow
from tests.conftest import csrf_token
from tests.factories import (
    create_card,
    create_catalogue,
    create_event,
    create_notice,
    create_organisation,
    create_source,
    create_staff,
    create_topic,
)
from tests.staff.test_staff_notices import login

# endpoint → (the least role that may use it, the URL to try; {n} and {s} are filled in)
MATRIX = {
    "staff.home": (Role.COUNTER, "/staff/"),  # the counter's clerk is sent to their page
    "staff.change_password": (Role.COUNTER, "/staff/password"),
    "staff.notices": (Role.VIEWER, "/staff/notices"),
    "staff.notice": (Role.VIEWER, "/staff/notices/{n}"),
    "staff.notice_preview": (Role.VIEWER, "/staff/notices/{n}/preview.html"),
    "staff.source_qr": (Role.VIEWER, "/staff/sources/{s}/qr.png"),
    "staff.new_notice": (Role.EDITOR, "/staff/notices/new"),
    "staff.edit_notice": (Role.EDITOR, "/staff/notices/{n}/edit"),
    "staff.notice_action": (Role.EDITOR, "/staff/notices/{n}/submit"),
    "staff.topics": (Role.VIEWER, "/staff/topics"),
    "staff.draft_preview": (Role.EDITOR, "/staff/notices/preview.html"),
    "staff.staff_users": (Role.ADMIN, "/staff/staff-users"),
    "staff.staff_user_action": (Role.ADMIN, "/staff/staff-users/{u}/deactivate"),
    "staff.cancel_notice_occurrence": (Role.ADMIN, "/staff/notices/{n}/occurrences/cancel"),
    "staff.organisation_settings": (Role.ADMIN, "/staff/organisation"),
    "staff.notice_test": (Role.EDITOR, "/staff/notices/{n}/test"),
    "staff.dashboard": (Role.VIEWER, "/staff/dashboard"),
    "staff.audit_log": (Role.ADMIN, "/staff/audit"),
    "staff.audit_log_csv": (Role.ADMIN, "/staff/audit.csv"),
    "staff.notification_settings": (Role.VIEWER, "/staff/notifications"),
    "staff.notice_report_page": (Role.VIEWER, "/staff/notices/{n}/report"),
    "staff.notice_report_csv": (Role.VIEWER, "/staff/notices/{n}/report.csv"),
    "staff.content_calendar": (Role.VIEWER, "/staff/calendar"),
    "staff.topic": (Role.ADMIN, "/staff/topics/{t}"),
    "staff.topic_action": (Role.ADMIN, "/staff/topics/{t}/down"),
    "staff.sources": (Role.VIEWER, "/staff/sources"),
    "staff.source_print": (Role.VIEWER, "/staff/sources/{s}/poster"),
    "staff.two_factor": (Role.COUNTER, "/staff/two-factor"),
    "staff.request_queue": (Role.EDITOR, "/staff/requests"),
    "staff.request_detail": (Role.EDITOR, "/staff/requests/{r}"),
    "staff.request_action": (Role.EDITOR, "/staff/requests/{r}/assign"),
    "staff.programmes": (Role.VIEWER, "/staff/programmes"),
    "staff.programme": (Role.VIEWER, "/staff/programmes/{p}"),
    "staff.desk": (Role.VIEWER, "/staff/desks/{d}"),
    "staff.add_answer_template": (Role.EDITOR, "/staff/desks/{d}/templates"),
    "staff.delete_answer_template": (Role.EDITOR, "/staff/desks/{d}/templates/{a}/delete"),
    "staff.export_catalogue_file": (Role.VIEWER, "/staff/catalogue.json"),
    "staff.import_catalogue_file": (Role.ADMIN, "/staff/catalogue"),
    "staff.requests_report": (Role.VIEWER, "/staff/requests/report"),
    "staff.requests_report_csv": (Role.VIEWER, "/staff/requests/report.csv"),
    "staff.notice_schedule": (Role.EDITOR, "/staff/notices/schedule.json"),
    "staff.events": (Role.VIEWER, "/staff/events"),
    "staff.events_report": (Role.VIEWER, "/staff/events/report"),
    "staff.events_report_csv": (Role.VIEWER, "/staff/events/report.csv"),
    "staff.event_detail": (Role.VIEWER, "/staff/events/{v}"),
    "staff.event_form": (Role.EDITOR, "/staff/events/{v}/edit"),
    "staff.cancel_whole_event": (Role.EDITOR, "/staff/events/{v}/cancel"),
    "staff.slot_day": (Role.EDITOR, "/staff/slots/{l}"),
    "staff.slot_csv": (Role.EDITOR, "/staff/slots/{l}/bookings.csv"),
    "staff.slot_action": (Role.EDITOR, "/staff/slots/{l}/news"),
    "staff.import_list": (Role.ADMIN, "/staff/import"),
    "staff.import_preview": (Role.ADMIN, "/staff/import/{i}"),
    "staff.line_account": (Role.ADMIN, "/staff/line"),
    "staff.answers": (Role.VIEWER, "/staff/answers"),
    "staff.answer": (Role.VIEWER, "/staff/answers/{q}"),
    "staff.unanswered": (Role.EDITOR, "/staff/answers/unanswered"),
    "staff.synonyms": (Role.EDITOR, "/staff/answers/synonyms"),
    "staff.cards": (Role.EDITOR, "/staff/cards"),
    "staff.counter_card": (Role.COUNTER, "/staff/counter/card"),
    "staff.counter_call": (Role.COUNTER, "/staff/counter/call"),
    "staff.counter_call_status": (Role.COUNTER, "/staff/counter/call/{k}"),
    "staff.calls": (Role.EDITOR, "/staff/calls"),  # the lead department's
    "staff.cards_report": (Role.VIEWER, "/staff/cards/report"),
    "staff.accept_call": (Role.EDITOR, "/staff/calls/{k}/accept"),
    "staff.card": (Role.EDITOR, "/staff/cards/{c}"),
    "staff.card_first_caller": (Role.EDITOR, "/staff/cards/{c}/first"),  # the lead department
    "staff.card_handoff": (Role.EDITOR, "/staff/cards/{c}/handoff"),
    "staff.answers_import": (Role.EDITOR, "/staff/answers/import"),
    "staff.crisis_words": (Role.EDITOR, "/staff/answers/crisis-words"),
    "staff.answers_csv": (Role.VIEWER, "/staff/answers.csv"),
    "staff.answers_json": (Role.VIEWER, "/staff/answers.json"),
    "staff.answers_report": (Role.VIEWER, "/staff/answers/report"),
    "staff.answers_report_csv": (Role.VIEWER, "/staff/answers/report.csv"),
    "staff.allowance_tables": (Role.ADMIN, "/staff/allowance"),
    "staff.outreach": (Role.EDITOR, "/staff/outreach"),
    "staff.delete_allowance_table": (Role.ADMIN, "/staff/allowance/{w}/delete"),
}
POSTS = {
    "staff.delete_allowance_table",
    "staff.card_first_caller",
    "staff.card_handoff",
    "staff.counter_call",
    "staff.accept_call",
    "staff.notice_action",
    "staff.topic_action",
    "staff.notice_test",
    "staff.cancel_notice_occurrence",
    "staff.staff_user_action",
    "staff.draft_preview",
    "staff.request_action",
    "staff.add_answer_template",
    "staff.delete_answer_template",
    "staff.import_catalogue_file",
    "staff.cancel_whole_event",
    "staff.slot_action",
    "staff.notice_schedule",
    "staff.notification_settings",
}
PUBLIC = {
    "staff.login",
    "staff.logout",
    "staff.login_code",
    "staff.login_city",
    "staff.forgot_password",
    "staff.reset_password",
}
ROLES = [Role.COUNTER, Role.VIEWER, Role.EDITOR, Role.ADMIN]
DEPARTMENT = "こども家庭課"  # the staff's, the topic's and the desk's: requests need it


@pytest.fixture
def ids(session, settings):
    city = create_organisation(session)
    city.card_lead_department = DEPARTMENT
    topic = create_topic(session, organisation=city, department=DEPARTMENT)
    source = create_source(session, organisation=city)
    notice = create_notice(
        session, organisation=city, topics=[topic], starts_at=utcnow(), status="draft"
    )
    for role in ROLES:
        create_staff(
            session,
            organisation=city,
            email=f"{role}@aoba.example.jp",
            role=role,
            department=DEPARTMENT,
        )
    target = create_staff(
        session, organisation=city, email="target@aoba.example.jp", role=Role.VIEWER
    )
    desks = create_catalogue(session, organisation=city)
    desk = desks["こども家庭課 ひとり親支援係"]
    template = AnswerTemplate(desk_id=desk.id, title="不在", body="つながりませんでした。")
    session.add(template)
    request = open_request(
        session,
        organisation=city,
        desk=desk,
        contact=Contact(way=ContactWay.VISIT),
        locale="ja",
        now=utcnow(),
    )
    session.commit()
    programme = session.exec(select(Programme).where(Programme.desk_id == desk.id)).first()
    event = create_event(
        session, organisation=city, starts_at=utcnow() + timedelta(days=10), department=DEPARTMENT
    )
    slot = session.exec(select(Slot).where(Slot.event_id == event.id)).one()
    upload = SubscriberImport(
        organisation_id=city.id,
        filename="list.csv",
        data="メールアドレス,テーマ,同意日\nold@example.jp,養育費,2019-04-01\n".encode(),
    )
    session.add(upload)
    answer = Answer(
        organisation_id=city.id,
        code="t",
        question_ja="テスト",
        answer_ja="テスト",
        desk_id=desk.id,
        department=DEPARTMENT,
        updated_at=utcnow(),
    )
    session.add(answer)
    session.commit()
    card = create_card(session, settings, organisation=city, departments=[DEPARTMENT])
    call = CounsellorCall(organisation_id=city.id, source_id=source.id, asked_at=utcnow())
    session.add(call)
    figures = {name: getattr(shipped_tables()[-1], name) for name in FIGURES}
    table = AllowanceTable(
        organisation_id=city.id, effective=date(2031, 4, 1), source="試験", **figures
    )
    session.add(table)
    session.commit()
    return {
        "w": table.id,
        "k": call.id,
        "c": card.id,
        "q": answer.id,
        "i": upload.id,
        "v": event.id,
        "l": slot.id,
        "n": notice.id,
        "s": source.id,
        "t": topic.id,
        "u": target.id,
        "r": request.id,
        "p": programme.id,
        "d": desk.id,
        "a": template.id,
    }


def test_every_staff_route_is_in_the_matrix(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.")}
    assert endpoints - PUBLIC == set(MATRIX)


@pytest.mark.parametrize("endpoint", sorted(MATRIX))
def test_roles_are_enforced(client, ids, endpoint):
    needed, url = MATRIX[endpoint]
    url = url.format(**ids)
    method = "post" if endpoint in POSTS else "get"
    anonymous = getattr(client, method)(url)
    assert anonymous.status_code in (302, 400), "anonymous must be sent to the login (or refused)"
    for role in ROLES:
        login(client, f"{role}@aoba.example.jp")
        data = {"csrf_token": _token(client)} if method == "post" else None
        response = getattr(client, method)(url, data=data)
        if endpoint == "staff.home" and role == Role.COUNTER:
            assert response.headers["Location"] == "/staff/counter/card"  # their one page
        elif role.allows(needed):
            assert response.status_code in (200, 303), (role, response.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)


def _token(client):
    return csrf_token(client, "/staff/password")


@pytest.mark.parametrize("endpoint", sorted(e for e, (_, url) in MATRIX.items() if "{" in url))
def test_another_organisations_objects_are_not_found_on_any_route(client, session, ids, endpoint):
    other = create_organisation(session, slug="kita", name="きた市")
    create_staff(session, organisation=other, email="admin@kita.example.jp", role=Role.ADMIN)
    login(client, "admin@kita.example.jp")
    _, url = MATRIX[endpoint]
    method = "post" if endpoint in POSTS else "get"
    data = {"csrf_token": _token(client)} if method == "post" else None
    response = getattr(client, method)(url.format(**ids), data=data)
    assert response.status_code == 404, (endpoint, response.status_code)
