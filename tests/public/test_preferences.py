"""The parent's preferences page: every change, pausing, adding an address, erasing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import String
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, col, func, select

from service.models import Delivery, Endpoint, Subscriber, Subscription, Suppression
from service.subscribers import erase_expired
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.conftest import csrf_token, press_confirm
from tests.factories import (
    create_notice,
    create_organisation,
    create_source,
    create_subscriber,
    create_topic,
)
from tests.outbox import link, read_outbox


@pytest.fixture
def parent(session, settings):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    child_support = create_topic(session, organisation=city, slug="yoikuhi", name_ja="養育費")
    housing = create_topic(session, organisation=city, slug="sumai", name_ja="住まい")
    subscriber = create_subscriber(
        session, organisation=city, topics=[child_support], email="hanako@example.jp"
    )
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    return city, child_support, housing, subscriber, token


def _post(client, token, action, **data):
    page = f"/preferences/{token}"
    return client.post(f"{page}/{action}", data={"csrf_token": csrf_token(client, page), **data})


def test_the_page_shows_every_topic_and_a_masked_address(client, parent):
    *_, token = parent
    html = client.get(f"/preferences/{token}").get_data(as_text=True)
    assert "養育費" in html and "住まい" in html
    assert "h***@example.jp" in html and "hanako@example.jp" not in html
    assert html.count("checked") == 1


def test_changing_topics_and_how_often(client, session, parent):
    _, child_support, housing, subscriber, token = parent
    response = _post(
        client,
        token,
        "topics",
        **{
            f"topic-{child_support.id}": "y",
            f"mode-{child_support.id}": "weekly",
            f"topic-{housing.id}": "y",
            f"mode-{housing.id}": "instant",
        },
    )
    assert response.status_code == 303
    assert "保存しました" in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    rows = session.exec(
        select(Subscription.topic_id, Subscription.mode).where(
            Subscription.subscriber_id == subscriber.id
        )
    ).all()
    assert sorted(rows) == sorted([(child_support.id, "weekly"), (housing.id, "instant")])


def test_no_topic_at_all_is_refused_and_changes_nothing(client, session, parent):
    _, child_support, _, subscriber, token = parent
    response = _post(client, token, "topics")
    assert response.status_code == 400
    assert "テーマを1つ以上選んでください" in response.get_data(as_text=True)
    session.expire_all()
    assert session.exec(select(Subscription.topic_id)).all() == [child_support.id]


def test_anchor_date_language_and_previews(client, session, parent):
    *_, subscriber, token = parent
    response = _post(
        client, token, "settings", anchor_date="2026-11-20", locale="en", push_previews="y"
    )
    assert response.status_code == 303
    assert "Your settings have been saved." in client.get(response.location).get_data(as_text=True)
    session.expire_all()
    saved = session.get(Subscriber, subscriber.id)
    assert (saved.anchor_date, saved.locale, saved.push_previews) == (
        date(2026, 11, 20),
        "en",
        True,
    )
    assert _post(client, token, "settings", anchor_date="20th", locale="en").status_code == 400
    assert _post(client, token, "settings", locale="fr").status_code == 400


def test_a_paused_parent_gets_nothing_until_the_pause_ends(
    client, session, parent, worker, settings
):
    city, child_support, _, subscriber, token = parent
    assert _post(client, token, "pause", weeks="4").status_code == 303
    session.expire_all()
    until = session.get(Subscriber, subscriber.id).paused_until
    assert timedelta(weeks=4) - timedelta(minutes=1) < until - utcnow() <= timedelta(weeks=4)
    now = utcnow()
    create_notice(session, organisation=city, topics=[child_support], starts_at=now)
    worker.run_once(now)
    assert read_outbox(settings.outbox_dir) == []
    assert _post(client, token, "pause", resume="y").status_code == 303
    later = now + timedelta(minutes=1)
    create_notice(session, organisation=city, topics=[child_support], starts_at=later)
    worker.run_once(later)
    assert len(read_outbox(settings.outbox_dir)) == 1


def test_adding_an_email_starts_its_own_opt_in(client, session, parent, worker, settings):
    *_, subscriber, token = parent
    response = _post(client, token, "email", email="work@example.jp")
    assert response.status_code == 303
    worker.run_once()
    [confirmation] = [m for m in read_outbox(settings.outbox_dir) if m["To"] == "work@example.jp"]
    new = session.exec(select(Endpoint).where(Endpoint.address == "work@example.jp")).one()
    assert new.verified_at is None
    assert press_confirm(client, link(confirmation, "/confirm/")).status_code == 200
    session.expire_all()
    assert session.get(Endpoint, new.id).verified_at is not None
    assert _post(client, token, "email", email="not an address").status_code == 400


def test_removing_an_address_only_works_on_ones_own(client, session, parent):
    city, child_support, _, subscriber, token = parent
    stranger = create_subscriber(session, organisation=city, topics=[child_support])
    theirs = session.exec(select(Endpoint).where(Endpoint.subscriber_id == stranger.id)).one()
    assert _post(client, token, f"endpoints/{theirs.id}/remove").status_code == 404
    mine = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id)).one()
    _deliver_to(session, mine, theirs)
    # The parent's only address: removing it is asked again, with what it means.
    asked = _post(client, token, f"endpoints/{mine.id}/remove")
    assert asked.status_code == 200
    assert "これが最後の受け取り先です" in asked.get_data(as_text=True)
    assert session.get(Endpoint, mine.id) is not None
    assert _post(client, token, f"endpoints/{mine.id}/remove", sure="y").status_code == 303
    mine_id, theirs_id = mine.id, theirs.id
    session.expunge_all()
    assert session.exec(select(Endpoint.id)).all() == [theirs_id]
    assert mine_id != theirs_id
    # The ledger keeps both rows; the removed address's points at no one.
    assert sorted(session.exec(select(Delivery.endpoint_id)).all(), key=str) == [theirs_id, None]


def _deliver_to(session, *endpoints: Endpoint) -> None:
    session.add_all(Delivery(endpoint_id=e.id, kind="confirm", status="sent") for e in endpoints)
    session.commit()


def _ledger_points_only_at_existing_endpoints(session) -> bool:
    existing = set(session.exec(select(Endpoint.id)).all())
    return all(e is None or e in existing for e in session.exec(select(Delivery.endpoint_id)))


def test_posts_without_a_csrf_token_are_refused(client, session, parent):
    _, child_support, _, subscriber, token = parent
    response = client.post(f"/preferences/{token}/erase", data={"sure": "y"})
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Subscriber, subscriber.id) is not None


def _all_text(session) -> str:
    """Every string stored in every table, to look for what should be gone."""
    texts = []
    for table in SQLModel.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, String)]
        if columns:
            for row in session.execute(sa_select(*columns)).all():
                texts.extend(str(value) for value in row if value is not None)
    return "\n".join(texts)


def test_delete_my_data_erases_everything_personal_now(client, session, parent, worker, settings):
    city, child_support, _, subscriber, token = parent
    public_id = subscriber.public_id
    now = utcnow()
    create_notice(session, organisation=city, topics=[child_support], starts_at=now)
    worker.run_once(now)  # a delivery row now points at the address
    assert _post(client, token, "erase").status_code == 400  # the box was not ticked
    response = _post(client, token, "erase", sure="y")
    assert response.status_code == 200
    assert "データを削除しました" in response.get_data(as_text=True)
    session.expunge_all()
    stored = _all_text(session)
    assert "hanako@example.jp" not in stored and public_id not in stored
    assert session.exec(select(func.count()).select_from(Subscriber)).one() == 0
    [suppression] = session.exec(select(Suppression)).all()
    assert suppression.reason == "erased"
    assert session.exec(select(Delivery.endpoint_id)).all() == [None]  # the ledger keeps counts
    again = client.get(f"/preferences/{token}")
    assert again.status_code == 200 and "このご登録は見つかりません" in again.get_data(as_text=True)
    assert client.post(f"/unsubscribe/{token}").status_code == 200


def test_confirmation_emails_to_one_address_are_capped_per_day(client, session, parent):
    _, child_support, *_ = parent
    for _ in range(5):
        client.post(
            "/subscribe",
            data={
                "csrf_token": csrf_token(client, "/s/koseki"),
                "source": "koseki",
                "email": "target@example.jp",
                "topics": [str(child_support.id)],
                "consent": "y",
            },
        )
    confirmations = session.exec(
        select(func.count())
        .select_from(Delivery)
        .join(Endpoint, col(Endpoint.id) == Delivery.endpoint_id)
        .where(Endpoint.address == "target@example.jp", Delivery.kind == "confirm")
    ).one()
    assert confirmations == 3


def test_retention_erases_those_who_left_and_drops_stale_sign_ups(session, parent):
    city, child_support, _, subscriber, _ = parent
    long_ago = datetime(2026, 1, 1, tzinfo=UTC)
    gone = create_subscriber(
        session,
        organisation=city,
        topics=[child_support],
        email="gone@example.jp",
        unsubscribed=True,
        now=long_ago,
    )
    never = create_subscriber(
        session,
        organisation=city,
        topics=[child_support],
        email="never@example.jp",
        confirmed=False,
        now=long_ago,
    )
    _deliver_to(
        session,
        *session.exec(select(Endpoint).where(col(Endpoint.subscriber_id).in_([gone.id, never.id]))),
    )
    recent = create_subscriber(
        session,
        organisation=city,
        topics=[child_support],
        email="recent@example.jp",
        unsubscribed=True,
    )
    assert erase_expired(session, now=utcnow(), retention=timedelta(days=30)) == (1, 1)
    session.expire_all()
    remaining = {s.id for s in session.exec(select(Subscriber))}
    assert remaining == {subscriber.id, recent.id}
    assert gone.id not in remaining
    assert [s.reason for s in session.exec(select(Suppression))] == ["unsubscribed"]
    assert session.exec(select(Delivery.endpoint_id)).all() == [None, None]
    assert _ledger_points_only_at_existing_endpoints(session)


def test_a_stop_can_be_taken_back_or_made_a_deletion_from_the_same_link(
    client, session, settings, parent
):
    _, child_support, _, subscriber, _ = parent
    stop = make_token(settings.secret_key, Purpose.UNSUBSCRIBE, subscriber.public_id)
    stopped = client.post(f"/unsubscribe/{stop}")  # one click in the mail program
    html = stopped.get_data(as_text=True)
    assert "配信を停止しました" in html and "30日間保管し" in html
    assert "まちがえました（配信を再開する）" in html and "今すぐデータを削除する" in html
    back = client.post(
        f"/unsubscribe/{stop}/undo", data={"csrf_token": csrf_token(client, f"/unsubscribe/{stop}")}
    )
    assert "配信を再開しました" in back.get_data(as_text=True)
    session.expire_all()
    again = session.get(Subscriber, subscriber.id)
    assert again.unsubscribed_at is None
    assert [s.topic_id for s in session.exec(select(Subscription))] == [child_support.id]
    client.post(f"/unsubscribe/{stop}")
    page = f"/unsubscribe/{stop}"
    unsure = client.post(f"{page}/erase", data={"csrf_token": csrf_token(client, page)})
    assert unsure.status_code == 400
    assert 'aria-describedby="sure-error" autofocus' in unsure.get_data(as_text=True)
    gone = client.post(f"{page}/erase", data={"csrf_token": csrf_token(client, page), "sure": "y"})
    assert "データを削除しました" in gone.get_data(as_text=True)
    session.expunge_all()
    assert session.exec(select(Subscriber)).all() == []
