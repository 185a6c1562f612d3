"""Render what a parent receives. Runs inside an app context (templates, translations)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from flask import current_app, render_template
from flask_babel import gettext
from markupsafe import Markup

from service.channels import RenderedMessage
from service.languages import city_name, in_language
from service.markdown import plain_text, render_markdown, text_with_links
from service.models import DeliveryKind, Notice, Organisation
from service.recipients import placeholders
from service.settings import Settings

if TYPE_CHECKING:
    from service.support.models import Programme

# Words that must never show in a subject line or on a lock screen: an ex-partner may see it.
SENSITIVE_WORDS = ("離婚", "別居", "DV", "ＤＶ", "暴力", "divorce", "separation", "violence")


def _sender(organisation: Organisation, settings: Settings) -> dict[str, Any]:
    return {
        "sender_email": settings.mail_from or organisation.sender_email,
        "sender_name": organisation.sender_name,
    }


def guide_url(
    settings: Settings, organisation: Organisation, locale: str, page: str = "", **query: str
) -> str:
    """The city's support guide (or a page under it) in the parent's language: the same
    address for everyone of that language, so it is no placeholder."""
    params = {**query, **({"lang": locale} if locale != "ja" else {})}
    address = f"{settings.public_base_url}/guide/{organisation.slug}{page}"
    return f"{address}?{urlencode(params)}" if params else address


def discreet_subject(title: str, organisation: Organisation) -> str:
    """The notice's title, unless it would tell an onlooker too much (it stays in the body)."""
    if any(word.lower() in title.lower() for word in SENSITIVE_WORDS):
        return gettext("A notice from %(name)s", name=city_name(organisation))
    return title


def render_confirmation(
    organisation: Organisation, locale: str, *, choose: bool = False
) -> RenderedMessage:
    """The double opt-in email; `choose`: the answer to an empty email, whose link leads to
    choosing the topics as well."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    slots = placeholders()
    with in_language(locale):
        context = {
            "organisation": organisation,
            "max_age_days": settings.confirm_token_max_age // 86400,
            "choose": choose,
            **slots,
        }
        return RenderedMessage(
            # Neutral on purpose: someone else may see the subject line.
            subject=gettext(
                "%(name)s: please confirm your registration", name=city_name(organisation)
            ),
            text=render_template("email/confirm.txt", **context),
            html=render_template("email/confirm.html", **context),
            categories=("confirm",),
            slots=slots,
            **_sender(organisation, settings),
        )


def render_about_registration(
    kind: str, organisation: Organisation, locale: str
) -> RenderedMessage:
    """The parent's own link (asked for, or renewed), or a word that another address or
    device was added. Short and discreet: the subject says only whose service it is."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    slots = placeholders()
    with in_language(locale):
        context = {"organisation": organisation, **slots}
        name = city_name(organisation)
        if kind == DeliveryKind.LINK:
            subject = gettext("%(name)s: the link to your registration", name=name)
        elif kind == DeliveryKind.MOVED:
            subject = gettext("%(name)s: your notices now come from here", name=name)
        else:
            subject = gettext("%(name)s: your registration was changed", name=name)
        return RenderedMessage(
            subject=subject,
            text=render_template(f"email/{kind}.txt", **context),
            html=render_template(f"email/{kind}.html", **context),
            categories=(kind,),
            slots=slots,
            **_sender(organisation, settings),
        )


@dataclass(frozen=True)
class NoticeText:
    """A notice in a parent's language: its own version, or the Japanese, said so."""

    title: str
    body: str  # Markdown
    japanese_only: bool  # the parent reads another language, and the notice has no version in it

    @property
    def html(self) -> Markup:
        return render_markdown(self.body)

    @property
    def text(self) -> str:
        return text_with_links(self.body)


def notice_text(notice: Notice, locale: str) -> NoticeText:
    title, body, translated = notice.in_language(locale)
    return NoticeText(title, body, japanese_only=not translated)


def render_notice(
    notice: Notice,
    organisation: Organisation,
    locale: str,
    *,
    book_event: str = "",
    programme: Programme | None = None,
) -> RenderedMessage:
    """`book_event`: the public id of the event the notice offers to book while it is on; only
    then does the email carry a booking button. `programme`: the one the notice is about (its
    「この件を相談する」), whose online application and what to bring end the notice."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    slots = placeholders()
    item = notice_text(notice, locale)
    with in_language(locale):
        context = {
            "organisation": organisation,
            "item": item,
            "guide_url": guide_url(settings, organisation, locale),
            "ask_url": guide_url(settings, organisation, locale, "/ask", programme=notice.ask_about)
            if notice.ask_about
            else "",
            **slots,
            "book_url": slots["book_url"] if book_event else "",
            "programme": programme,
            "locale": locale,
        }
        return RenderedMessage(
            subject=discreet_subject(item.title, organisation),
            text=render_template("email/notice.txt", **context),
            html=render_template("email/notice.html", **context),
            categories=("notice", f"notice-{notice.id}"),
            slots=slots,
            **_sender(organisation, settings),
        )


def render_digest(
    notices: list[Notice],
    organisation: Organisation,
    locale: str,
    programmes: Mapping[int, Programme | None] | None = None,
) -> RenderedMessage:
    """The week's notices for a parent who asked for one email a week, each ended by the
    programme it is about (`programmes`, by notice), as a notice alone would be."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    slots = placeholders()
    about = programmes or {}
    with in_language(locale):
        context = {
            "organisation": organisation,
            "locale": locale,
            "items": [
                (notice_text(notice, locale), about.get(notice.id or 0)) for notice in notices
            ],
            "guide_url": guide_url(settings, organisation, locale),
            **slots,
        }
        return RenderedMessage(
            subject=gettext("%(name)s: this week's notices", name=city_name(organisation)),
            text=render_template("email/digest.txt", **context),
            html=render_template("email/digest.html", **context),
            categories=("digest",),
            slots=slots,
            **_sender(organisation, settings),
        )


def render_push(
    notice: Notice, organisation: Organisation, locale: str, *, previews: bool, book_event: str = ""
) -> RenderedMessage:
    """A notification. The lock screen may be seen by others: unless the parent asked for
    previews, it says only that there is a notice; a tap opens the page."""
    settings: Settings = current_app.extensions["yorisou.settings"]
    slots = placeholders()
    item = notice_text(notice, locale)
    summary = plain_text(item.body)[0].split("\n\n")[0].replace("\n", " ")
    with in_language(locale):
        title = discreet_subject(item.title, organisation)
        if not previews:
            title = gettext("There is a notice from %(name)s", name=city_name(organisation))
            summary = gettext("Tap to read it.")
    return RenderedMessage(
        subject=title,
        text=summary if len(summary) <= 120 else summary[:119] + "…",
        html="",
        sender_email="",
        sender_name=city_name(organisation),
        # A tap opens the booking page of a notice that offers one, else the parent's page.
        link=slots["book_url"] if book_event else slots["preferences_url"],
        icon=f"{settings.public_base_url}/static/icon-192.png",
        slots=slots,
    )
