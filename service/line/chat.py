"""The LINE official account's side of the conversation: follows, unfollows and what parents
send it. Each event changes rows and yields the reply for it; the webhook sends the replies
after the commit.

A LINE registration is a subscriber with one endpoint whose address is the LINE user id. Adding
the account as a friend is consent, so it is verified at once, like a push token. LINE says
nothing of where a friend came from: the QR landing hands the parent a one-time link code that
LINE fills into the chat, and sending it brings the counter and the choices made there along.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, col, select

from service.addresses import hash_address
from service.assistant.answering import ask as ask_assistant
from service.bookings.models import Event as BookableEvent
from service.cards.cards import card_token
from service.cards.models import Card
from service.db import serialize_on
from service.languages import LANGUAGES
from service.line import card_chat
from service.line.bubble import LINE_BOOK_WORD, LINE_SETTINGS_WORDS
from service.line.link_codes import link_in_message
from service.line.models import LineLink
from service.line.replies import Reply
from service.markdown import plain_text
from service.messages import guide_url
from service.models import (
    Child,
    Endpoint,
    Organisation,
    Subscriber,
    SubscriptionMode,
    Suppression,
)
from service.parent_links import LinkMaker
from service.provider_events import first_time
from service.settings import Settings
from service.subscribers import active_topics, local_date, set_topics, unsubscribe
from service.support.catalogue import checklist, named_programmes
from service.support.models import Desk
from service.support.requests import open_line_request, reply_to_request
from service.tokens import CODE_LETTERS

# At the end of the message, as the landing fills it in ("登録コード ABCD-EFGH") or typed bare.
STOP_WORDS = {"停止", "配信停止", "ていし", "はいしんていし", "stop", "unsubscribe"}
SETTINGS_WORDS = set(LINE_SETTINGS_WORDS.values())
START_WORDS = {"登録", "とうろく", "開始", "再開", "start"}
# The rich menu's buttons send these too (service.line.menu).
GUIDE_WORDS = {"制度", "せいど", "制度を調べる", "支援", "しえん", "support", "guide"}
ASK_WORDS = {"相談", "そうだん", "相談する", "ask", "consult"}
QUESTION_WORDS = {"質問", "しつもん", "質問する", "question", "faq"}
# 「予約」 alone: what can be booked; with an event's code (a notice's button): that event.
BOOK_WORDS = {LINE_BOOK_WORD, "よやく", "book"}
# A courtesy, not a question for the assistant.
THANKS_WORDS = {
    "ありがとう",
    "ありがとうございます",
    "ありがとうございました",
    "どうも",
    "了解",
    "わかりました",
    "thanks",
    "thank you",
    "ok",
}
# 「持ち物 <programme>」, as the guide's 「LINEで受け取る」 types it, in the page's language.
_BRING = re.compile(r"^(持ち物|もちもの|bring)\s*([a-z0-9-]{1,64})$", re.IGNORECASE)
_BRING_LOCALES = {"もちもの": "easy", "bring": "en"}
_BOOK = re.compile(rf"^(?:{LINE_BOOK_WORD}|よやく|book)\s*([{CODE_LETTERS}]{{8}})$", re.IGNORECASE)


def _registrations(session: Session, user_id: str, scope: Sequence[int]) -> list[Subscriber]:
    """The live registrations of this LINE user with the cities of `scope` (those the account
    they wrote to speaks for): one per city at most."""
    query = (
        select(Subscriber)
        .join(Endpoint, col(Endpoint.subscriber_id) == Subscriber.id)
        .where(
            Endpoint.channel == "line",
            Endpoint.address_hash == hash_address("line", user_id),
            col(Subscriber.unsubscribed_at).is_(None),
            col(Subscriber.organisation_id).in_(scope),
        )
        .order_by(col(Subscriber.id))
    )
    return list(session.exec(query))


def home_organisation(session: Session, scope: Sequence[int]) -> Organisation | None:
    """Where a follow with no code goes: the account's own city, or (the deployment's
    account) the first of the cities it serves."""
    return session.get(Organisation, scope[0]) if scope else None


def follow(
    session: Session, *, organisation: Organisation, user_id: str, locale: str, now: datetime
) -> Subscriber:
    """The parent added the account, unblocked it or asked to start: their live registration,
    made now if there is none, with its LINE endpoint working again."""
    found = _registrations(session, user_id, [organisation.id or 0])
    subscriber = found[0] if found else None
    address_hash = hash_address("line", user_id)
    if subscriber is None:
        subscriber = Subscriber(
            public_id=uuid.uuid4().hex,
            organisation_id=organisation.id or 0,
            locale=locale,
            created_at=now,
            confirmed_at=now,
            anchor_date=local_date(now, organisation.timezone),
        )
        session.add(subscriber)
        session.flush()
        session.add(
            Endpoint(
                subscriber_id=subscriber.id or 0,
                channel="line",
                address=user_id,
                address_hash=address_hash,
                created_at=now,
                verified_at=now,
            )
        )
    session.execute(
        update(Endpoint)
        .where(
            col(Endpoint.subscriber_id) == subscriber.id,
            col(Endpoint.channel) == "line",
            col(Endpoint.address_hash) == address_hash,
        )
        .values(disabled_at=None, disabled_reason=None)
    )
    # Adding the account is consent given anew: lift a block left by an earlier erasure.
    session.execute(
        delete(Suppression).where(
            col(Suppression.organisation_id) == organisation.id,
            col(Suppression.channel) == "line",
            col(Suppression.address_hash) == address_hash,
        )
    )
    session.flush()
    return subscriber


def unfollow(session: Session, *, user_id: str, scope: Sequence[int], now: datetime) -> None:
    """Blocked or removed: LINE would accept messages to them and drop them, so stop at once
    (with the cities of this account only)."""
    session.execute(
        update(Endpoint)
        .where(
            col(Endpoint.channel) == "line",
            col(Endpoint.address_hash) == hash_address("line", user_id),
            col(Endpoint.disabled_at).is_(None),
            col(Endpoint.subscriber_id).in_(
                select(Subscriber.id).where(col(Subscriber.organisation_id).in_(scope))
            ),
        )
        .values(disabled_at=now, disabled_reason="unfollowed")
    )


def use_link(session: Session, *, link: LineLink, user_id: str, now: datetime) -> Subscriber:
    """The parent sent their code: the registration takes the counter and the choices."""
    organisation = session.get_one(Organisation, link.organisation_id)
    subscriber = follow(
        session, organisation=organisation, user_id=user_id, locale=link.locale, now=now
    )
    subscriber.source_id = subscriber.source_id or link.source_id
    subscriber.locale = link.locale
    choices = link.choices or {}
    if choices.get("anchor_date"):
        subscriber.anchor_date = date.fromisoformat(choices["anchor_date"])
    session.add(subscriber)
    offered = {topic.id for topic in active_topics(session, organisation.id or 0)}
    chosen = [topic_id for topic_id in choices.get("topics", []) if topic_id in offered]
    if chosen:
        set_topics(
            session,
            subscriber=subscriber,
            modes=dict.fromkeys(chosen, SubscriptionMode.INSTANT),
            now=now,
        )
    if months := choices.get("birth_months"):
        session.execute(delete(Child).where(col(Child.subscriber_id) == subscriber.id))
        session.add_all(
            Child(subscriber_id=subscriber.id or 0, birth_month=date.fromisoformat(month))
            for month in months
        )
    session.delete(link)
    return subscriber


def _words(text: str) -> str:
    """A message as a keyword: width, case, quotes and a reading in brackets set aside."""
    text = re.sub(r"\(.*?\)", "", unicodedata.normalize("NFKC", text))
    return text.strip().strip("「」\"'“”。.!").lower()


def apply_events(
    session: Session,
    events: Sequence[Any],
    *,
    scope: Sequence[int],
    languages: dict[str, str | None],
    now: datetime,
) -> list[Reply]:
    """Make the changes the webhook's events ask for, each event once; the replies they need.
    `scope`: the cities the account they came through speaks for (its home first);
    `languages`: the LINE app's language of each user who followed, asked beforehand."""
    from linebot.v3.webhooks import (  # here: the worker imports this module, never these
        Event,
        FollowEvent,
        GroupSource,
        JoinEvent,
        MessageEvent,
        PostbackEvent,
        TextMessageContent,
        UnfollowEvent,
        UserSource,
    )

    users = [e.source.user_id for e in events if isinstance(getattr(e, "source", None), UserSource)]
    # A follow and the code sent right after it come as two posts, perhaps to two processes:
    # they must not both find no registration and make one each.
    serialize_on(session, (f"line:{user}" for user in users if user))
    replies = []
    for event in events:
        if isinstance(event, JoinEvent) and isinstance(event.source, GroupSource):
            # Invited to a group (the staff's, to be told of the counter's calls): its id, to
            # be put in the city's settings.
            if first_time(
                session, provider="line", event_id=event.webhook_event_id, kind="join", now=now
            ):
                group = event.source.group_id
                replies.append(Reply(event.reply_token, group, "ja", "joined", text=group))
            continue
        if not isinstance(event, Event) or not isinstance(event.source, UserSource):
            continue  # what is said in groups, and kinds this account does not handle
        user_id = event.source.user_id
        if event.mode == "standby" or not user_id:
            continue  # another channel of the account is answering
        kind = event.type or "event"
        if not first_time(
            session, provider="line", event_id=event.webhook_event_id, kind=kind, now=now
        ):
            continue  # redelivered, and handled the first time
        reply = None
        if isinstance(event, UnfollowEvent):
            unfollow(session, user_id=user_id, scope=scope, now=now)
        elif isinstance(event, FollowEvent):
            reply = on_follow(
                session,
                user_id=user_id,
                reply_token=event.reply_token,
                language=languages.get(user_id),
                scope=scope,
                now=now,
            )
        elif isinstance(event, PostbackEvent):
            reply = on_postback(
                session,
                user_id=user_id,
                reply_token=event.reply_token,
                data=event.postback.data or "",
                scope=scope,
                now=now,
            )
        elif isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            reply = on_text(
                session,
                user_id=user_id,
                reply_token=event.reply_token,
                text=event.message.text or "",
                scope=scope,
                now=now,
            )
        if reply is not None:
            replies.append(reply)
    return replies


def on_follow(
    session: Session,
    *,
    user_id: str,
    reply_token: str,
    language: str | None,
    scope: Sequence[int],
    now: datetime,
) -> Reply | None:
    organisation = home_organisation(session, scope)
    if organisation is None:
        return None
    locale = language if language in LANGUAGES else "ja"
    subscriber = follow(session, organisation=organisation, user_id=user_id, locale=locale, now=now)
    return Reply(reply_token, user_id, subscriber.locale, "greeting")


def on_text(
    session: Session,
    *,
    user_id: str,
    reply_token: str,
    text: str,
    scope: Sequence[int],
    now: datetime,
) -> Reply:
    words = _words(text)
    registrations = _registrations(session, user_id, scope)
    locale = registrations[0].locale if registrations else "ja"
    if words in STOP_WORDS:
        for subscriber in registrations:
            unsubscribe(session, subscriber=subscriber, now=now)
        return Reply(reply_token, user_id, locale, "stopped" if registrations else "not-registered")
    if words in START_WORDS:
        if registrations:
            organisation = session.get(Organisation, registrations[0].organisation_id)
        else:
            organisation = home_organisation(session, scope)
        if organisation is None:
            return Reply(reply_token, user_id, locale, "other")
        follow(session, organisation=organisation, user_id=user_id, locale=locale, now=now)
        return Reply(reply_token, user_id, locale, "greeting")
    if booking := _BOOK.match(unicodedata.normalize("NFKC", text).strip()):
        return Reply(reply_token, user_id, locale, "book", event_code=booking.group(1))
    if bring := _BRING.match(unicodedata.normalize("NFKC", text).strip()):
        language = _BRING_LOCALES.get(bring[1].lower(), locale)
        return _checklist(session, reply_token, user_id, language, registrations, scope, bring[2])
    link = link_in_message(session, unicodedata.normalize("NFKC", text), now, scope)
    if link is False:
        return Reply(reply_token, user_id, locale, "bad-code")
    if isinstance(link, LineLink):
        subscriber = use_link(session, link=link, user_id=user_id, now=now)
        return Reply(reply_token, user_id, subscriber.locale, "linked")
    if words in SETTINGS_WORDS:
        return Reply(
            reply_token, user_id, locale, "settings" if registrations else "not-registered"
        )
    if words in GUIDE_WORDS:
        return Reply(reply_token, user_id, locale, "guide")
    if words in ASK_WORDS:
        return Reply(reply_token, user_id, locale, "ask")
    if words in QUESTION_WORDS:
        return Reply(reply_token, user_id, locale, "question")
    if words in card_chat.CARD_WORDS:
        organisation = _city_of(session, registrations, scope)
        if organisation is None:
            return Reply(reply_token, user_id, locale, "other")
        return card_chat.start(session, organisation, user_id, reply_token, locale)
    if words in BOOK_WORDS:
        return Reply(reply_token, user_id, locale, "events")
    if open_request := open_line_request(session, user_id, scope):
        reply_to_request(session, open_request, text, now=now)
        return Reply(reply_token, user_id, locale, "reply-kept")
    if words.rstrip("!！") in THANKS_WORDS:
        return Reply(reply_token, user_id, locale, "thanks")
    return _assistant(session, reply_token, user_id, locale, registrations, text, scope, now)


def on_postback(
    session: Session,
    *,
    user_id: str,
    reply_token: str,
    data: str,
    scope: Sequence[int],
    now: datetime,
) -> Reply | None:
    """A quick reply of the card's conversation was tapped."""
    registrations = _registrations(session, user_id, scope)
    organisation = _city_of(session, registrations, scope)
    if organisation is None:
        return None
    locale = registrations[0].locale if registrations else "ja"
    return card_chat.on_postback(session, organisation, user_id, reply_token, locale, data, now)


def _city_of(
    session: Session, registrations: Sequence[Subscriber], scope: Sequence[int]
) -> Organisation | None:
    """The city a LINE user speaks with: theirs, or the account's own."""
    if registrations:
        return session.get(Organisation, registrations[0].organisation_id)
    return home_organisation(session, scope)


def _assistant(
    session: Session,
    reply_token: str,
    user_id: str,
    locale: str,
    registrations: Sequence[Subscriber],
    text: str,
    scope: Sequence[int],
    now: datetime,
) -> Reply:
    """Anything else is a question for the city's answers (a crisis first)."""
    organisation = _city_of(session, registrations, scope)
    if organisation is None or not text.strip():
        return Reply(reply_token, user_id, locale, "other")
    asked = ask_assistant(session, organisation, text, now=now, locale=locale)
    if asked.kind == "answer" and asked.answer is not None:
        words = plain_text(asked.answer.text("answer", locale), links_inline=True)[0]
        facts = "".join(f"\n{fact.label}：{fact.text}" for fact in asked.facts)
        return Reply(
            reply_token,
            user_id,
            locale,
            "answer",
            answer_id=asked.answer.id or 0,
            text=words + facts,
        )
    if asked.kind == "choices":
        choices = tuple(choice.text("question", locale) for choice in asked.choices)
        return Reply(reply_token, user_id, locale, "choices", choices=choices)
    return Reply(reply_token, user_id, locale, "crisis" if asked.kind == "crisis" else "not-found")


def _checklist(
    session: Session,
    reply_token: str,
    user_id: str,
    locale: str,
    registrations: Sequence[Subscriber],
    scope: Sequence[int],
    slug: str,
) -> Reply:
    """「持ち物 <programme>」, as the guide's 「LINEで受け取る」 types it: a copy of what to bring
    and where to apply, to keep in the chat. Nothing is stored."""
    organisation = _city_of(session, registrations, scope)
    programme = (
        named_programmes(session, organisation.id or 0, slug).get(slug) if organisation else None
    )
    if programme is None:
        return Reply(reply_token, user_id, locale, "other")
    desk = session.get(Desk, programme.desk_id) if programme.desk_id else None
    return Reply(
        reply_token,
        user_id,
        locale,
        "checklist",
        text=checklist(programme, desk, locale),
        button_url=programme.apply_url,
    )


def finish(session: Session, reply: Reply, *, scope: Sequence[int], settings: Settings) -> Reply:
    """Fill in the parent's own link and the contact line, once the changes are made."""
    registrations = _registrations(session, reply.user_id, scope)
    links = LinkMaker(settings)
    organisation = (
        session.get_one(Organisation, registrations[-1].organisation_id)
        if registrations
        else home_organisation(session, scope)
    )
    if organisation is None:
        return reply
    reply.contact = organisation.contact_line
    if reply.kind == "guide":
        reply.button_url = guide_url(settings, organisation, reply.locale)
    elif reply.kind in {"answer", "question"}:
        language = "" if reply.locale == "ja" else f"?lang={reply.locale}"
        page = f"/a/{reply.answer_id}" if reply.kind == "answer" else ""
        reply.button_url = f"{settings.public_base_url}/ask/{organisation.slug}{page}{language}"
    elif reply.kind in {"ask", "not-found", "crisis"}:
        endpoint = (
            _line_endpoint(session, registrations[-1], reply.user_id) if registrations else None
        )
        reply.button_url = (
            links.ask(organisation.slug, registrations[-1], endpoint.id or 0)
            if endpoint is not None
            else guide_url(settings, organisation, reply.locale, "/ask")
        )
        if reply.kind == "crisis":  # the request form in its safe mode
            reply.button_url += ("&" if "?" in reply.button_url else "?") + "unsafe=1"
    elif reply.kind in {"card-page", "card-saved"}:
        card = session.get_one(Card, reply.card_id)
        reply.button_url = f"{settings.public_base_url}/card/c/{card_token(settings, card)}"
    elif reply.kind in {"book", "events"}:
        reply.kind, reply.button_url = _booking_button(
            session, reply, registrations, organisation, settings
        )
    elif registrations and reply.kind in {"greeting", "linked", "settings", "other"}:
        reply.button_url = links.own_page(registrations[-1])
    return reply


def _booking_button(
    session: Session,
    reply: Reply,
    registrations: Sequence[Subscriber],
    organisation: Organisation,
    settings: Settings,
) -> tuple[str, str]:
    """The event's booking page, knowing the parent, who then hears about the booking in
    this chat; or, without an event (or a registration), the list of what can be booked."""
    events_page = f"{settings.public_base_url}/o/{organisation.slug}/events"
    if reply.locale != "ja":
        events_page += f"?lang={reply.locale}"
    event = session.exec(
        select(BookableEvent).where(
            BookableEvent.public_id == reply.event_code,
            BookableEvent.organisation_id == organisation.id,
        )
    ).first()
    endpoint = _line_endpoint(session, registrations[-1], reply.user_id) if registrations else None
    if event is None or endpoint is None:
        return "events", events_page
    link = LinkMaker(settings).book(
        event.public_id, registrations[-1].public_id, endpoint.id or 0, reply.locale
    )
    return "book", link


def _line_endpoint(session: Session, subscriber: Subscriber, user_id: str) -> Endpoint | None:
    return session.exec(
        select(Endpoint).where(
            Endpoint.subscriber_id == subscriber.id,
            Endpoint.channel == "line",
            Endpoint.address == user_id,
            col(Endpoint.disabled_at).is_(None),
        )
    ).first()
