"""A notice as a LINE chat bubble, within what LINE accepts (service.channels.line_limits)."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext

from service.channels import RenderedMessage
from service.channels.line_limits import (
    ALT_TEXT,
    BUBBLE_BYTES,
    LABEL,
    URI,
    bubble_bytes,
    utf16_prefix,
)
from service.languages import city_name, in_language
from service.markdown import plain_text
from service.messages import discreet_subject, notice_text
from service.models import Notice, Organisation
from service.support.models import Programme

# What the button under a LINE notice sends for the parent, by language: the account answers
# it with their settings link (service.line.chat).
LINE_SETTINGS_WORDS = {"ja": "設定", "easy": "せってい", "en": "settings"}
LINE_BOOK_WORD = "予約"  # "予約 <event code>" in the chat: the answer is the parent's booking link
LINE_BUTTONS = 3  # link buttons under a LINE notice, besides the settings one
BODY = 2_000  # UTF-16 units of the body in a bubble; the rest is cut, ending in "…"


def button_bubble(text: str, label: str, url: str) -> dict[str, Any]:
    """Words and one button that opens a page: a reply, or a message about a booking."""
    return {
        "type": "bubble",
        "body": {
            "type": "box",
            "layout": "vertical",
            "contents": [{"type": "text", "text": utf16_prefix(text, BODY), "wrap": True}],
        },
        "footer": {
            "type": "box",
            "layout": "vertical",
            "contents": [
                {
                    "type": "button",
                    "style": "primary",
                    "action": {"type": "uri", "label": utf16_prefix(label, LABEL), "uri": url},
                }
            ],
        },
    }


def too_long_links(body: str) -> list[str]:
    """The links of a notice body that LINE refuses (a button's link is at most 10,000 long)."""
    return [url for _label, url in plain_text(body)[1] if len(url) > URI]


def render_line(
    notice: Notice,
    organisation: Organisation,
    locale: str,
    *,
    previews: bool,
    book_code: str = "",
    programme: Programme | None = None,
) -> RenderedMessage:
    """A notice as a LINE bubble. One multicast carries it to 500 people, so it holds no one's
    own link: its button sends 「設定」 for the parent, answered with their settings link. The
    programme it is about, if any, ends it: what to bring, and a button to apply online."""
    item = notice_text(notice, locale)
    text, links = plain_text(item.body)
    bring = programme.text("bring", locale) if programme else ""
    with in_language(locale):
        if bring:
            bring = f"{gettext('What to bring to the desk:')} {bring}"
        if programme and programme.apply_url:  # the first link button, while there is room
            links = [(gettext("Apply online"), programme.apply_url), *links]
    with in_language(locale):
        title = discreet_subject(item.title, organisation)
        alt_text = title
        if not previews:
            alt_text = gettext("There is a notice from %(name)s", name=city_name(organisation))
        footer = gettext(
            "To change your topics or stop these notices, tap the button or send “stop”."
        )
        settings_label = gettext("Settings and stopping")
        if item.japanese_only:
            footer = gettext("This notice is only in Japanese.") + "\n" + footer
    settings_button = {
        "type": "button",
        "style": "secondary",
        "action": {
            "type": "message",
            "label": settings_label,
            "text": LINE_SETTINGS_WORDS.get(locale, LINE_SETTINGS_WORDS["ja"]),
        },
    }
    words = [{"type": "text", "text": item.title, "weight": "bold", "wrap": True}]
    if text:  # a body of only markup has no words: the title stands alone, never a blank
        words.append({"type": "text", "text": utf16_prefix(text, BODY), "wrap": True, "size": "sm"})
    if bring:
        words.append({"type": "text", "text": utf16_prefix(bring, BODY), "wrap": True})
    words.append({"type": "text", "text": footer, "wrap": True, "size": "xs", "color": "#666666"})
    buttons: list[dict[str, Any]] = [settings_button]
    if book_code:  # sends "予約 CODE": the answer is the parent's own booking link
        with in_language(locale):
            book_label = gettext("Book a place")
        buttons.insert(
            0,
            {
                "type": "button",
                "style": "primary",
                "action": {
                    "type": "message",
                    "label": utf16_prefix(book_label, LABEL),
                    "text": f"{LINE_BOOK_WORD} {book_code}",
                },
            },
        )
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "spacing": "md", "contents": words},
        "footer": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": buttons},
    }
    for label, url in links[:LINE_BUTTONS]:  # each link a button, while the bubble has room
        button = {
            "type": "button",
            "style": "link",
            "action": {"type": "uri", "label": utf16_prefix(label, LABEL), "uri": url},
        }
        buttons.insert(len(buttons) - 1, button)
        if len(url) > URI or bubble_bytes(bubble) > BUBBLE_BYTES:
            buttons.remove(button)
    return RenderedMessage(
        subject=utf16_prefix(alt_text, ALT_TEXT),
        text="\n\n".join(part for part in (item.title, text, bring, footer) if part),
        html="",
        sender_email="",
        sender_name=city_name(organisation),
        flex=bubble,
    )


def render_line_moved(organisation: Organisation, locale: str) -> RenderedMessage:
    """To a parent brought in from the city's earlier LINE service: notices now come from
    here, in this same chat. The same words for all (a multicast), so no one's own link."""
    with in_language(locale):
        text = gettext(
            "Notices from %(name)s now come to this chat from a new service. You do not need "
            "to register again. To change your notices, send “settings”; to stop them, send "
            "“stop”.",
            name=city_name(organisation),
        )
    return RenderedMessage(
        subject=utf16_prefix(text, ALT_TEXT),
        text=text,
        html="",
        sender_email="",
        sender_name=city_name(organisation),
    )
