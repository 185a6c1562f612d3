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
from typing import NamedTuple

from flask import current_app
from flask_babel import gettext, ngettext
from markupsafe import escape
from sqlmodel import Session, col, select

from service.channels import Recipient
from service.db import among
from service.languages import in_language
from service.models import DeliveryKind, Source, Subscriber, Subscription, Topic
from service.parent_links import LinkMaker

VALUES = (
    "confirm_url",
    "unsubscribe_url",
    "preferences_url",
    "reason",
    "reason_html",
    "changes",
    "changes_html",
    "book_url",  # a notice's "予約する": the event's booking page, knowing the parent
)
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


class RecipientRow(NamedTuple):
    """What a recipient's own values are made from."""

    delivery_id: int
    address: str
    public_id: str
    endpoint_id: int
    link_epoch: int
    reason: str = ""  # the footer's line: why they get this
    changes: str = ""  # what was added to their registration (a "changed" email)


# Emails a mail client may offer to unsubscribe from (RFC 8058): the notices, not a parent's
# own link or a word about their registration.
LISTED = {DeliveryKind.NOTICE, DeliveryKind.DIGEST, DeliveryKind.TEST, DeliveryKind.MOVED}


def make_recipients(
    *,
    channel: str,
    kind: str,
    slots: Mapping[str, str],
    rows: Iterable[RecipientRow],
    book_event: str = "",
    locale: str = "ja",
) -> list[Recipient]:
    """Each recipient with the links that are theirs alone, under the message's placeholders.
    `book_event`: the public id of the event a notice offers to book."""
    if not slots and channel != "email":  # no one's own links (LINE: one for 500 people)
        return [Recipient(row.delivery_id, row.address) for row in rows]
    links = LinkMaker(current_app.extensions["yorisou.settings"])
    if kind in (DeliveryKind.CONFIRM, DeliveryKind.MAIL_SIGNUP):
        # Bound to this address: confirming one address proves nothing about another.
        page = "choose" if kind == DeliveryKind.MAIL_SIGNUP else "confirm"
        return [
            Recipient(
                row.delivery_id,
                row.address,
                {slots["confirm_url"]: links.confirm(row.public_id, row.endpoint_id, page)},
            )
            for row in rows
        ]
    email = channel == "email"
    listed = email and kind in LISTED
    recipients = []
    reasons: dict[str, str] = {}  # few distinct lines, many people
    for row in rows:
        values = {}
        if "preferences_url" in slots:
            values[slots["preferences_url"]] = links.preferences(row.public_id, row.link_epoch)
        if "book_url" in slots:
            values[slots["book_url"]] = (
                links.book(book_event, row.public_id, row.endpoint_id, locale) if book_event else ""
            )
        if not email:
            recipients.append(Recipient(row.delivery_id, row.address, values))
            continue
        unsubscribe_url = links.unsubscribe(row.public_id)
        if "unsubscribe_url" in slots:
            values[slots["unsubscribe_url"]] = unsubscribe_url
        if "reason" in slots:
            values[slots["reason"]] = row.reason
        if "reason_html" in slots:
            if row.reason not in reasons:
                reasons[row.reason] = str(escape(row.reason))
            values[slots["reason_html"]] = reasons[row.reason]
        if "changes" in slots:
            values[slots["changes"]] = row.changes
        if "changes_html" in slots:
            values[slots["changes_html"]] = str(escape(row.changes)).replace("\n", "<br>")
        headers = {}
        if listed:  # RFC 8058: the mail client's one-click unsubscribe POSTs here
            headers = {
                "List-Unsubscribe": f"<{unsubscribe_url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            }
        recipients.append(Recipient(row.delivery_id, row.address, values, headers))
    return recipients


def sample_recipient(*, slots: Mapping[str, str], reason: str, book_event: str = "") -> Recipient:
    """A parent nobody is, for previews: real-looking links that open no one's page."""
    [recipient] = make_recipients(
        channel="email",
        kind=DeliveryKind.NOTICE,
        slots=slots,
        rows=[RecipientRow(0, "sample@example.jp", SAMPLE_PARENT, 0, 0, reason)],
        book_event=book_event,
    )
    return recipient
