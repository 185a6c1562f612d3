"""The parent's pages: landing, subscribe, confirm, unsubscribe — and every kind of bad input."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlmodel import func, select

from service.models import (
    Child,
    Delivery,
    DeliveryKind,
    Endpoint,
    Organisation,
    Subscriber,
    Subscription,
    Suppression,
)
from service.tokens import Purpose, make_token
from service.types import utcnow
from tests.conftest import csrf_token, press_confirm
from tests.factories import create_organisation, create_source, create_subscriber, create_topic
from tests.outbox import read_outbox, text_body


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_source(session, organisation=city, code="koseki")
    create_topic(
        session, organisation=city, slug="yoikuhi", name_ja="養育費", name_en="Child support"
    )
    create_topic(session, organisation=city, slug="sumai", name_ja="住まい", name_en="Housing")
    create_topic(session, organisation=city, slug="old", name_ja="終了したテーマ", active=False)
    return city


def _topic_ids(session, *slugs):
    from service.models import Topic

    return [str(t.id) for t in session.exec(select(Topic).where(Topic.slug.in_(slugs)))]


def _form(client, session, **overrides):
    data = {
        "csrf_token": csrf_token(client, "/s/koseki"),
        "source": "koseki",
        "email": "hanako@example.jp",
        "topics": _topic_ids(session, "yoikuhi"),
        "consent": "y",
    }
    data.update(overrides)
    return data


def confirm_token(session, settings, subscriber):
    """The token of the confirmation link the worker would email to this subscriber."""
    endpoint = session.exec(select(Endpoint).where(Endpoint.subscriber_id == subscriber.id)).one()
    return make_token(settings.secret_key, Purpose.CONFIRM, f"{subscriber.public_id}:{endpoint.id}")


def _counts(session):
    session.expire_all()
    return tuple(
        session.exec(select(func.count()).select_from(table)).one()
        for table in (Subscriber, Endpoint, Subscription, Delivery)
    )


def test_landing_page_is_japanese_and_lists_active_topics(client, city):
    response = client.get("/s/koseki")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="ja">' in html
    assert "あなたとお子さんのための情報をお届けします" in html
    assert "養育費" in html and "住まい" in html
    assert "終了したテーマ" not in html
    assert 'type="email"' in html and "個人情報の取り扱い</a>に同意します" in html
    assert 'href="/privacy/aoba?lang=ja"' in html


def test_landing_page_in_english(client, city):
    html = client.get("/s/koseki?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Receive notices that help you and your children" in html
    assert "Child support" in html and "Housing" in html
    assert 'action="/subscribe?lang=en"' in html


def test_unknown_source_gets_a_helpful_404(client, city):
    response = client.get("/s/nope")
    assert response.status_code == 404
    assert "このQRコードは現在使われていません" in response.get_data(as_text=True)


def test_subscribe_writes_an_unconfirmed_subscriber_and_queues_the_confirmation(
    client, session, city
):
    response = client.post("/subscribe", data=_form(client, session, email=" Hanako@Example.JP "))
    assert response.status_code == 303
    assert response.location.startswith("/sent/")
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.confirmed_at is None and subscriber.locale == "ja"
    assert subscriber.source_id is not None
    endpoint = session.exec(select(Endpoint)).one()
    assert (endpoint.channel, endpoint.address, endpoint.verified_at) == (
        "email",
        "Hanako@Example.JP",
        None,
    )
    assert len(session.exec(select(Subscription)).all()) == 1
    delivery = session.exec(select(Delivery)).one()
    assert (delivery.kind, delivery.priority, delivery.status) == (
        DeliveryKind.CONFIRM,
        0,
        "pending",
    )


def test_subscribe_in_english_remembers_the_locale(client, session, city):
    response = client.post("/subscribe?lang=en", data=_form(client, session))
    assert response.status_code == 303
    assert session.exec(select(Subscriber)).one().locale == "en"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"email": "not-an-address"}, "「@」が入っていません"),
        ({"email": ""}, "メールアドレスを入力してください"),
        ({"topics": []}, "テーマを1つ以上選んでください"),
        ({"consent": ""}, "個人情報の取り扱いへの同意が必要です"),
    ],
)
def test_bad_form_input_is_answered_on_the_page_and_writes_nothing(
    client, session, city, overrides, message
):
    before = _counts(session)
    response = client.post("/subscribe", data=_form(client, session, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert "次の点をご確認ください" in html
    assert _counts(session) == before


def test_what_was_entered_is_kept_when_the_form_comes_back(client, session, city):
    response = client.post("/subscribe", data=_form(client, session, consent=""))
    html = response.get_data(as_text=True)
    assert 'value="hanako@example.jp"' in html
    assert "checked" in html


def test_a_topic_of_another_organisation_or_a_retired_one_is_refused(client, session, city):
    elsewhere = create_organisation(session, slug="kita", name="きた市")
    foreign = create_topic(session, organisation=elsewhere, slug="x", name_ja="他市のテーマ")
    before = _counts(session)
    for topic_ids in ([str(foreign.id)], _topic_ids(session, "old")):
        response = client.post("/subscribe", data=_form(client, session, topics=topic_ids))
        assert response.status_code == 400
    assert _counts(session) == before


def test_wtforms_own_messages_come_in_the_parents_language(client, session, city):
    before = _counts(session)
    for lang, message in (("ja", "無効な日付型です。"), ("en", "Not a valid date value.")):
        data = _form(client, session, anchor_date="2026-13-45")
        response = client.post(f"/subscribe?lang={lang}", data=data)
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)
    assert _counts(session) == before


def test_missing_csrf_token_gets_a_helpful_page(client, session, city):
    data = _form(client, session)
    del data["csrf_token"]
    before = _counts(session)
    response = client.post("/subscribe", data=data)
    assert response.status_code == 400
    assert "ページの有効期限が切れました" in response.get_data(as_text=True)
    assert _counts(session) == before


def test_unknown_source_on_subscribe_writes_nothing(client, session, city):
    before = _counts(session)
    response = client.post("/subscribe", data=_form(client, session, source="nope"))
    assert response.status_code == 404
    assert _counts(session) == before


def test_opening_the_link_confirms_nothing_until_the_button_is_pressed(
    client, session, settings, city
):
    """Mail gateways open every link in an email to check it: that must not sign anyone up."""
    subscriber = create_subscriber(session, organisation=city, topics=[], confirmed=False)
    token = confirm_token(session, settings, subscriber)
    opened = client.get(f"/confirm/{token}")
    page = opened.get_data(as_text=True)
    assert opened.status_code == 200 and "登録を完了してください" in page
    assert '<button type="submit" class="primary big">登録を完了する</button>' in page
    assert opened.headers["Cache-Control"] == "no-store"
    client.get(f"/confirm/{token}")
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at is None
    assert session.exec(select(Endpoint)).one().verified_at is None
    forged = client.post(f"/confirm/{token}")  # a post from no page of ours: no form token
    assert forged.status_code == 400
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at is None


def test_confirm_once_then_again_is_harmless(client, session, settings, city):
    subscriber = create_subscriber(session, organisation=city, topics=[], confirmed=False)
    token = confirm_token(session, settings, subscriber)
    first = press_confirm(client, f"/confirm/{token}")
    assert first.status_code == 200 and "登録が完了しました" in first.get_data(as_text=True)
    second = press_confirm(client, f"/confirm/{token}")
    assert second.status_code == 200 and "登録はすでに完了しています" in second.get_data(
        as_text=True
    )
    session.expire_all()
    confirmed = session.get(Subscriber, subscriber.id)
    assert confirmed.confirmed_at is not None
    assert confirmed.anchor_date is not None
    assert session.exec(select(Endpoint)).one().verified_at is not None


def test_confirmation_page_follows_the_subscribers_language(client, session, settings, city):
    subscriber = create_subscriber(
        session, organisation=city, topics=[], confirmed=False, locale="en"
    )
    token = confirm_token(session, settings, subscriber)
    opened = client.get(f"/confirm/{token}").get_data(as_text=True)
    assert "Finish your registration" in opened
    confirmed = press_confirm(client, f"/confirm/{token}").get_data(as_text=True)
    assert "Your registration is complete" in confirmed


def test_tampered_expired_and_wrong_purpose_tokens_get_clear_pages(
    client, session, settings, city, monkeypatch
):
    subscriber = create_subscriber(session, organisation=city, topics=[], confirmed=False)
    token = confirm_token(session, settings, subscriber)
    tampered = client.get(f"/confirm/{token[:-2]}xx")
    assert tampered.status_code == 400
    assert "このリンクは正しくありません" in tampered.get_data(as_text=True)
    manage = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    assert client.get(f"/confirm/{manage}").status_code == 400

    import itsdangerous.timed

    eight_days_later = (utcnow() + timedelta(days=8)).timestamp()
    monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: eight_days_later)
    expired = client.get(f"/confirm/{token}")
    assert expired.status_code == 410
    assert "このリンクは有効期限が切れています" in expired.get_data(as_text=True)
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).confirmed_at is None


def test_confirming_again_with_the_same_address_replaces_the_earlier_registration(
    client, session, settings, city
):
    earlier = create_subscriber(session, organisation=city, topics=[], email="hanako@example.jp")
    newer = create_subscriber(
        session, organisation=city, topics=[], email="HANAKO@example.jp", confirmed=False
    )
    session.add(
        Suppression(
            organisation_id=city.id,
            channel="email",
            reason="erased",
            address_hash=session.exec(select(Endpoint.address_hash)).first(),
        )
    )
    session.commit()
    token = confirm_token(session, settings, newer)
    assert press_confirm(client, f"/confirm/{token}").status_code == 200
    session.expire_all()
    assert session.get(Subscriber, earlier.id).unsubscribed_at is not None
    assert session.get(Subscriber, newer.id).unsubscribed_at is None
    assert session.exec(select(Suppression)).all() == []


def test_unsubscribe_page_shows_one_button_and_post_unsubscribes(client, session, settings, city):
    subscriber = create_subscriber(session, organisation=city, topics=[])
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    page = client.get(f"/unsubscribe/{token}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert html.count("<button") == 1 and "配信を停止する" in html
    response = client.post(f"/unsubscribe/{token}")
    assert response.status_code == 200
    assert "配信を停止しました" in response.get_data(as_text=True)
    again = client.post(f"/unsubscribe/{token}")
    assert again.status_code == 200
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is not None


def test_unsubscribe_with_a_tampered_token_changes_nothing(client, session, settings, city):
    subscriber = create_subscriber(session, organisation=city, topics=[])
    token = make_token(settings.secret_key, Purpose.MANAGE, subscriber.public_id)
    response = client.post(f"/unsubscribe/{token}0")
    assert response.status_code == 400
    session.expire_all()
    assert session.get(Subscriber, subscriber.id).unsubscribed_at is None


def test_privacy_notice(client, city):
    html = client.get("/privacy/aoba").get_data(as_text=True)
    assert "個人情報の取り扱い" in html
    assert "お知らせを送るために、お名前、住所、電話番号をお聞きすることはありません" in html
    # what a consultation request keeps, who sees it and when it goes
    assert "窓口からの連絡を申し込んだとき" in html and "終わってから90日後に削除" in html
    assert client.get("/privacy/nope").status_code == 404


def test_unknown_page_and_wrong_method_are_readable(client, city):
    assert "ページが見つかりません" in client.get("/nothing-here").get_data(as_text=True)
    response = client.put("/subscribe")
    assert response.status_code == 405
    assert "Traceback" not in response.get_data(as_text=True)


def test_anchor_date_and_children_are_kept_when_given(client, session, city):
    response = client.post(
        "/subscribe",
        data=_form(
            client,
            session,
            anchor_date="2026-11-20",
            **{"children-0": "2019-04", "children-1": "", "children-2": "2024-12"},
        ),
    )
    assert response.status_code == 303
    subscriber = session.exec(select(Subscriber)).one()
    assert subscriber.anchor_date == date(2026, 11, 20)
    months = session.exec(select(Child.birth_month).where(Child.subscriber_id == subscriber.id))
    assert sorted(months) == [date(2019, 4, 1), date(2024, 12, 1)]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"anchor_date": "2099-01-01"}, "この1年以内の日にしてください"),
        ({"children-0": "2019-13"}, "2019-04"),
        ({"children-1": "1990-01"}, "20年以内の年月"),
    ],
)
def test_wrong_dates_are_answered_and_write_nothing(client, session, city, overrides, message):
    before = _counts(session)
    response = client.post("/subscribe", data=_form(client, session, **overrides))
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert _counts(session) == before


def test_easy_japanese_is_offered_and_remembered(client, session, city, worker, settings):
    html = client.get("/s/koseki?lang=easy").get_data(as_text=True)
    assert '<html lang="ja">' in html
    heading = re.search(r"<h1>(.*?)</h1>", html).group(1)
    assert "<ruby>子<rp>(</rp><rt>こ</rt><rp>)</rp></ruby>どもの" in heading  # readings
    assert re.sub(r"<rp>.*?</rp>|<rt>.*?</rt>|<[^>]+>", "", heading) == (
        "あなたと 子どもの ための お知らせを 送ります"
    )
    assert 'href="?lang=ja"' in html and 'href="?lang=en"' in html
    response = client.post("/subscribe?lang=easy", data=_form(client, session))
    assert response.status_code == 303
    assert "つぎの アドレスに かくにんの メールを 送りました" in client.get(
        response.location
    ).get_data(as_text=True)
    assert session.exec(select(Subscriber)).one().locale == "easy"
    worker.run_once()
    [confirmation] = read_outbox(settings.outbox_dir)
    assert "登録の かくにん" in str(confirmation["Subject"])
    assert "下の リンクを ひらくと、登録が おわります。" in text_body(confirmation)


def test_one_mailbox_gets_three_confirmation_emails_a_day_however_it_is_spelled(
    client, session, settings, worker, city
):
    """Someone typing a stranger's address again and again, each time a little differently."""
    for spelling in (
        "victim+1@example.jp",
        "Victim+2@Example.jp",
        "VICTIM@EXAMPLE.JP",
        "victim+yorisou@example.jp",
        "victim@example.jp",
    ):
        assert (
            client.post("/subscribe", data=_form(client, session, email=spelling)).status_code
            == 303
        )
    worker.run_once()
    assert len(read_outbox(settings.outbox_dir)) == 3
    other = client.post("/subscribe", data=_form(client, session, email="victim2@example.jp"))
    assert other.status_code == 303
    worker.run_once()
    assert len(read_outbox(settings.outbox_dir)) == 4  # another mailbox has its own three


def test_the_confirmation_page_lists_the_notices_still_to_come(client, session, settings, city):
    from service.models import RuleKind, Topic
    from tests.factories import create_notice

    topic = session.exec(select(Topic).where(Topic.slug == "yoikuhi")).one()
    create_notice(
        session,
        organisation=city,
        topics=[topic],
        rule_kind=RuleKind.RELATIVE,
        title="養育費の取り決めはお済みですか",
        offset_days=3,
        send_time="10:00",
        scheduled_at=utcnow() - timedelta(days=1),
    )
    subscriber = create_subscriber(session, organisation=city, topics=[topic], confirmed=False)
    page = press_confirm(client, f"/confirm/{confirm_token(session, settings, subscriber)}")
    html = page.get_data(as_text=True)
    assert "これから届くお知らせ" in html and "養育費の取り決めはお済みですか" in html


def test_the_citys_page_lists_the_current_notices_staff_chose(client, session, city):
    from service.models import Topic
    from tests.factories import create_notice

    topic = session.exec(select(Topic).where(Topic.slug == "yoikuhi")).one()
    for title, public, status, valid_until in (
        ("現況届のお知らせ", True, "scheduled", utcnow() + timedelta(days=20)),
        ("終わった受付", True, "scheduled", utcnow() - timedelta(days=1)),
        ("内部向けの下書き", True, "draft", None),
        ("載せないお知らせ", False, "scheduled", None),
    ):
        notice = create_notice(
            session,
            organisation=city,
            topics=[topic],
            title=title,
            body="**持ち物**を確認してください。",
            status=status,
            starts_at=utcnow() - timedelta(days=3),
            valid_until=valid_until,
        )
        notice.public = public
        session.add(notice)
    session.commit()
    page = client.get("/o/aoba/notices")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "今のお知らせ" in html
    assert "現況届のお知らせ" in html and "<strong>持ち物</strong>" in html
    for hidden in ("終わった受付", "内部向けの下書き", "載せないお知らせ"):
        assert hidden not in html
    assert 'href="/o/aoba/notices?lang=ja"' in client.get("/s/koseki").get_data(as_text=True)
    assert client.get("/o/nowhere/notices").status_code == 404


def test_topics_have_easy_japanese_names_with_readings(client, session, city):
    from service.models import Topic

    topic = session.exec(select(Topic).where(Topic.slug == "yoikuhi")).one()
    topic.name_easy = "子どもの 養育費"
    session.add(topic)
    session.commit()
    easy = client.get("/s/koseki?lang=easy").get_data(as_text=True)
    assert "<ruby>養育費<rp>(</rp><rt>よういくひ</rt><rp>)</rp></ruby>" in easy
    assert "子どもの" not in client.get("/s/koseki").get_data(as_text=True)  # Japanese: as it is
    assert "住まい" in easy.replace("<ruby>住<rp>(</rp><rt>す</rt><rp>)</rp></ruby>", "住")


def test_a_counter_code_works_however_it_is_typed(client, session):
    city = create_organisation(session)
    create_topic(session, organisation=city)
    create_source(session, organisation=city, code="KOSEKI2F")
    for typed in ("KOSEKI2F", "koseki2f", "ｋｏｓｅｋｉ２ｆ"):
        assert client.get(f"/s/{typed}").status_code == 200, typed


def test_the_city_is_named_in_the_parents_language(client, session, settings, worker, city):
    organisation = session.exec(select(Organisation)).one()
    organisation.name_en = "Aoba City"
    session.add(organisation)
    session.commit()
    english = client.get("/s/koseki?lang=en").get_data(as_text=True)
    assert '<p class="org">Aoba City</p>' in english and "| Aoba City</title>" in english
    easy = client.get("/s/koseki?lang=easy").get_data(as_text=True)
    assert '<p class="org">あおば市</p>' in easy  # no やさしい日本語 name: the Japanese one
    client.post("/subscribe?lang=en", data=_form(client, session, email="en@example.jp"))
    client.post("/subscribe", data=_form(client, session, email="ja@example.jp"))
    worker.run_once()
    subjects = {m["To"]: m["Subject"] for m in read_outbox(settings.outbox_dir)}
    assert subjects["en@example.jp"] == "Aoba City: please confirm your registration"
    assert subjects["ja@example.jp"].startswith("あおば市")
