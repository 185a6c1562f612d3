"""Each recipient's own part of a message: their links and the line that says why they get it.

A message is rendered once for a whole batch, with placeholders where each recipient's values
go; the adapter (or SendGrid, from `substitutions`) fills them in. The placeholders carry a nonce
drawn when the message is rendered, after every title, body and name in it was written: staff
text cannot spell one, so it is never substituted, by Yorisou or by a provider.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence

from flask import current_app
from flask_babel import gettext, ngettext
from markupsafe import escape
from sqlmodel import Session, col, select

from service.channels import Recipient
from service.db import among
from service.languages import in_language
from service.models import DeliveryKind, Source, Subscriber, Subscription, Topic
from service.settings import Settings
from service.tokens import Purpose, TokenSigner

LINKS = ("confirm_url", "unsubscribe_url", "preferences_url", "calendar_url")
VALUES = (*LINKS, "reason", "reason_html")
REASON_TOPICS = 3  # topics named in the reason line; the rest are counted ("… and 4 more")
SAMPLE_PARENT = "sample"  # the public id of the parent a preview shows: nobody has it


def placeholders() -> dict[str, str]:
    """A new message's spelling of each per-recipient value, unguessable before it is drawn."""
    nonce = secrets.token_hex(8)
    return {name: f"%%{name}-{nonce}%%" for name in VALUES}


def registration_reasons(
    session: Session, subscriber_ids: Collection[int], locale: str
) -> dict[int, str]:
    """Per subscriber, the footer line that says why they get this: topics and counter."""
    topics: dict[int, list[str]] = defaultdict(list)
    name = col(Topic.name_en) if locale == "en" else col(Topic.name_ja)
    for subscriber_id, topic_name in (
        session.connection()
        .execute(
            select(col(Subscription.subscriber_id), name)
            .join(Topic, col(Topic.id) == Subscription.topic_id)
            .where(among(session, col(Subscription.subscriber_id), subscriber_ids))
            .order_by(col(Topic.position), col(Topic.id))
        )
        .all()
    ):
        topics[subscriber_id].append(topic_name)
    sources = dict(
        session.connection()
        .execute(
            select(col(Subscriber.id), col(Source.name))
            .join(Source, col(Source.id) == Subscriber.source_id)
            .where(among(session, col(Subscriber.id), subscriber_ids))
        )
        .all()
    )
    lines: dict[tuple[tuple[str, ...], str | None], str] = {}  # few distinct, many people
    reasons = {}
    with in_language(locale):
        for subscriber_id in subscriber_ids:
            key = (tuple(topics[subscriber_id]), sources.get(subscriber_id))
            if not key[0]:  # a staff test has no topics: no line
                continue
            if key not in lines:
                lines[key] = reason_line(*key)
            reasons[subscriber_id] = lines[key]
    return reasons


def reason_line(topics: Sequence[str], place: str | None) -> str:
    """ "Your topics: 養育費, 住まい and 3 more (registered at …)": bounded, however many topics
    a parent chose (SendGrid refuses more than 10,000 bytes of substitutions per recipient)."""
    named = gettext(", ").join(topics[:REASON_TOPICS])
    if len(topics) > REASON_TOPICS:
        more = len(topics) - REASON_TOPICS
        named = ngettext(
            "%(topics)s and %(num)d more", "%(topics)s and %(num)d more", more, topics=named
        )
    line = gettext("Your topics: %(topics)s", topics=named)
    if place is not None:
        line += gettext(" (registered at %(place)s)", place=place)
    return line


def sample_reason(
    session: Session, *, topic_ids: Collection[int], organisation_id: int, locale: str
) -> str:
    """The reason line of a parent who chose these topics at the city's first counter: what
    previews and test sends show."""
    if not topic_ids:
        return ""
    topics = session.exec(
        select(Topic)
        .where(col(Topic.id).in_(topic_ids), Topic.organisation_id == organisation_id)
        .order_by(col(Topic.position), col(Topic.id))
    ).all()
    place = session.exec(
        select(Source.name)
        .where(Source.organisation_id == organisation_id)
        .order_by(col(Source.id))
    ).first()
    with in_language(locale):
        return reason_line([topic.name(locale) for topic in topics], place)


def make_recipients(
    *,
    channel: str,
    kind: str,
    slots: Mapping[str, str],
    rows: Iterable[tuple[int, str, str, int, str]],
) -> list[Recipient]:
    """Each recipient with the links that are theirs alone, under the message's placeholders.

    rows: (delivery_id, address, public_id, endpoint_id, reason) for one kind on one channel.
    """
    if not slots:  # a message that holds no one's own links (LINE: one for 500 people)
        return [Recipient(delivery_id, address) for delivery_id, address, *_ in rows]
    settings: Settings = current_app.extensions["yorisou.settings"]
    base = settings.public_base_url
    if kind == DeliveryKind.CONFIRM:
        # Bound to this address: confirming one address proves nothing about another.
        confirm = TokenSigner(settings.secret_key, Purpose.CONFIRM)
        return [
            Recipient(
                delivery_id,
                address,
                {slots["confirm_url"]: f"{base}/confirm/{confirm(f'{public_id}:{endpoint_id}')}"},
            )
            for delivery_id, address, public_id, endpoint_id, _ in rows
        ]
    manage = TokenSigner(settings.secret_key, Purpose.MANAGE)
    recipients = []
    for delivery_id, address, public_id, _, reason in rows:
        token = manage(public_id)
        links = {
            slots["preferences_url"]: f"{base}/preferences/{token}",
            slots["calendar_url"]: f"{base}/calendar/{token}.ics",
        }
        if channel != "email":
            recipients.append(Recipient(delivery_id, address, links))
            continue
        unsubscribe_url = f"{base}/unsubscribe/{token}"
        links[slots["reason"]] = reason
        links[slots["reason_html"]] = str(escape(reason))
        links[slots["unsubscribe_url"]] = unsubscribe_url
        # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        recipients.append(Recipient(delivery_id, address, links, headers))
    return recipients


def sample_recipient(*, slots: Mapping[str, str], reason: str) -> Recipient:
    """A parent nobody is, for previews: real-looking links that open no one's page."""
    [recipient] = make_recipients(
        channel="email",
        kind=DeliveryKind.NOTICE,
        slots=slots,
        rows=[(0, "sample@example.jp", SAMPLE_PARENT, 0, reason)],
    )
    return recipient
