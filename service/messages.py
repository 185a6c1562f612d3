"""Render what a parent receives. Runs inside an app context (templates, translations)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext
from markupsafe import escape
from sqlmodel import Session, col, select

from service.channels import Recipient, RenderedMessage
from service.db import among
from service.languages import in_language
from service.markdown import plain_text, render_markdown
from service.models import (
    DeliveryKind,
    Notice,
    Organisation,
    Source,
    Subscriber,
    Subscription,
    Topic,
)
from service.settings import Settings
from service.tokens import Purpose, TokenSigner

# Words that must never show in a subject line or on a lock screen: an ex-partner may see it.
SENSITIVE_WORDS = ("離婚", "別居", "DV", "ＤＶ", "暴力", "divorce", "separation", "violence")

UNSUBSCRIBE_URL = "%%unsubscribe_url%%"
PREFERENCES_URL = "%%preferences_url%%"
CONFIRM_URL = "%%confirm_url%%"
CALENDAR_URL = "%%calendar_url%%"
REASON = "%%reason%%"
REASON_HTML = "%%reason_html%%"  # the same line, escaped: it quotes what staff named topics


def _sender(organisation: Organisation, settings: Settings) -> dict[str, Any]:
    return {
        "sender_email": settings.mail_from or organisation.sender_email,
        "sender_name": organisation.sender_name,
    }


def discreet_subject(title: str, organisation: Organisation) -> str:
    """The notice's title, unless it would tell an onlooker too much (it stays in the body)."""
    if any(word.lower() in title.lower() for word in SENSITIVE_WORDS):
        return gettext("A notice from %(name)s", name=organisation.name)
    return title


def render_confirmation(organisation: Organisation, locale: str) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    with in_language(locale):
        context = {
            "organisation": organisation,
            "confirm_url": CONFIRM_URL,
            "max_age_days": settings.confirm_token_max_age // 86400,
        }
        return RenderedMessage(
            # Neutral on purpose: someone else may see the subject line.
            subject=gettext("%(name)s: please confirm your registration", name=organisation.name),
            text=render_template("email/confirm.txt", **context),
            html=render_template("email/confirm.html", **context),
            categories=("confirm",),
            **_sender(organisation, settings),
        )


def render_notice(notice: Notice, organisation: Organisation, locale: str) -> RenderedMessage:
    settings: Settings = current_app.extensions["yorisou.settings"]
    with in_language(locale):
        context = {
            "organisation": organisation,
            "notice": notice,
            "body_html": render_markdown(notice.body),
            "unsubscribe_url": UNSUBSCRIBE_URL,
            "preferences_url": PREFERENCES_URL,
            "calendar_url": CALENDAR_URL,
            "reason": REASON,
            "reason_html": REASON_HTML,
        }
        return RenderedMessage(
            subject=discreet_subject(notice.title, organisation),
            text=render_template("email/notice.txt", **context),
            html=render_template("email/notice.html", **context),
            categories=("notice", f"notice-{notice.id}"),
            **_sender(organisation, settings),
        )


def render_digest(
    notices: list[Notice], organisation: Organisation, locale: str
) -> RenderedMessage:
    """The week's notices for a parent who asked for one email a week."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    with in_language(locale):
        context = {
            "organisation": organisation,
            "notices": [(notice, render_markdown(notice.body)) for notice in notices],
            "unsubscribe_url": UNSUBSCRIBE_URL,
            "preferences_url": PREFERENCES_URL,
            "calendar_url": CALENDAR_URL,
            "reason": REASON,
            "reason_html": REASON_HTML,
        }
        return RenderedMessage(
            subject=gettext("%(name)s: this week's notices", name=organisation.name),
            text=render_template("email/digest.txt", **context),
            html=render_template("email/digest.html", **context),
            categories=("digest",),
            **_sender(organisation, settings),
        )


def render_push(
    notice: Notice, organisation: Organisation, locale: str, *, previews: bool
) -> RenderedMessage:
    """A notification. The lock screen may be seen by others: unless the parent asked for
    previews, it says only that there is a notice; a tap opens the page."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    first_paragraph = notice.body.strip().split("\n\n")[0]
    summary = re.sub(r"[*_`#>\[\]]", "", first_paragraph).replace("\n", " ")
    with in_language(locale):
        title = discreet_subject(notice.title, organisation)
        if not previews:
            title = gettext("There is a notice from %(name)s", name=organisation.name)
            summary = gettext("Tap to read it.")
    return RenderedMessage(
        subject=title,
        text=summary if len(summary) <= 120 else summary[:119] + "…",
        html="",
        sender_email="",
        sender_name=organisation.name,
        link=PREFERENCES_URL,
        icon=f"{settings.public_base_url}/static/icon-192.png",
    )


# What the button under a LINE notice sends for the parent, by language: the account answers
# it with their settings link (service.line_chat).
LINE_SETTINGS_WORDS = {"ja": "設定", "easy": "せってい", "en": "settings"}
LINE_BUTTONS = 3  # link buttons under a LINE notice, besides the settings one


def render_line(
    notice: Notice, organisation: Organisation, locale: str, *, previews: bool
) -> RenderedMessage:
    """A notice as a LINE bubble. One multicast carries it to 500 people, so it holds no one's
    own link: its button sends 「設定」 for the parent, answered with their settings link."""
    text, links = plain_text(notice.body)
    with in_language(locale):
        title = discreet_subject(notice.title, organisation)
        alt_text = title
        if not previews:
            alt_text = gettext("There is a notice from %(name)s", name=organisation.name)
        footer = gettext(
            "To change your topics or stop these notices, tap the button or send “stop”."
        )
        settings_label = gettext("Settings and stopping")
    buttons = [
        {
            "type": "button",
            "style": "link",
            "action": {"type": "uri", "label": _label(label), "uri": url},
        }
        for label, url in links[:LINE_BUTTONS]
    ]
    buttons.append(
        {
            "type": "button",
            "style": "secondary",
            "action": {
                "type": "message",
                "label": settings_label,
                "text": LINE_SETTINGS_WORDS.get(locale, LINE_SETTINGS_WORDS["ja"]),
            },
        }
    )
    bubble = {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "spacing": "md",
            "contents": [
                {"type": "text", "text": notice.title, "weight": "bold", "wrap": True},
                {"type": "text", "text": text[:4000] or " ", "wrap": True, "size": "sm"},
                {"type": "text", "text": footer, "wrap": True, "size": "xs", "color": "#666666"},
            ],
        },
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
    }
    return RenderedMessage(
        subject=alt_text,
        text=f"{notice.title}\n\n{text}\n\n{footer}",
        html="",
        sender_email="",
        sender_name=organisation.name,
        flex=bubble,
    )


def _label(text: str) -> str:
    """A button's words: LINE refuses more than 40 characters."""
    return text if len(text) <= 40 else text[:39] + "…"


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
                lines[key] = _reason(*key)
            reasons[subscriber_id] = lines[key]
    return reasons


def _reason(topics: tuple[str, ...], place: str | None) -> str:
    line = gettext("Your topics: %(topics)s", topics=gettext(", ").join(topics))
    if place is not None:
        line += gettext(" (registered at %(place)s)", place=place)
    return line


def make_recipients(
    *, channel: str, kind: str, rows: Iterable[tuple[int, str, str, int, str]]
) -> list[Recipient]:
    """Each recipient with the links that are theirs alone.

    rows: (delivery_id, address, public_id, endpoint_id, reason) for one kind on one channel.
    """
    settings: Settings = current_app.extensions["yorisou.settings"]
    base = settings.public_base_url
    if kind == DeliveryKind.CONFIRM:
        # Bound to this address: confirming one address proves nothing about another.
        confirm = TokenSigner(settings.secret_key, Purpose.CONFIRM)
        return [
            Recipient(
                delivery_id,
                address,
                {CONFIRM_URL: f"{base}/confirm/{confirm(f'{public_id}:{endpoint_id}')}"},
            )
            for delivery_id, address, public_id, endpoint_id, _ in rows
        ]
    manage = TokenSigner(settings.secret_key, Purpose.MANAGE)
    recipients = []
    for delivery_id, address, public_id, _, reason in rows:
        token = manage(public_id)
        links = {
            PREFERENCES_URL: f"{base}/preferences/{token}",
            CALENDAR_URL: f"{base}/calendar/{token}.ics",
        }
        if channel != "email":
            recipients.append(Recipient(delivery_id, address, links))
            continue
        unsubscribe_url = f"{base}/unsubscribe/{token}"
        links[REASON] = reason
        links[REASON_HTML] = str(escape(reason))
        links[UNSUBSCRIBE_URL] = unsubscribe_url
        # RFC 8058: mail clients offer a one-click unsubscribe that POSTs to this URL.
        headers = {
            "List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        }
        recipients.append(Recipient(delivery_id, address, links, headers))
    return recipients
