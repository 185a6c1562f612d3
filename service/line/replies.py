"""What the account answers a parent in their LINE chat, in their language: the words, and a
button to their own page, the guide or their request form."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext

from service.languages import in_language
from service.line.bubble import button_bubble


@dataclass
class Reply:
    """What to answer one event with, in the parent's language."""

    token: str
    user_id: str
    locale: str
    kind: str  # greeting | linked | settings | stopped | not-registered | bad-code | other
    # | guide | ask | book | events | answer | choices | not-found | crisis | thanks | joined
    # | checklist | card-* (service.line.card_chat)
    event_code: str = ""  # book: the event the parent asked to book
    button_url: str = ""  # the parent's own page; or the guide, or their request form
    contact: str = ""
    answer_id: int = 0  # answer: the assistant's answer, and its text as staff wrote it
    text: str = ""
    choices: tuple[str, ...] = ()  # choices: questions the parent can tap ("もしかして")
    quick: tuple[tuple[str, str], ...] = ()  # card-question: (answer, postback data) to tap
    card_id: int = 0  # card-page, card-saved: the parent's card


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """The LINE message objects for a reply: words, and a button to the parent's own page."""
    with in_language(reply.locale):
        text, label = _REPLIES[reply.kind]()
        if reply.kind in ("answer", "card-question", "checklist"):
            text = reply.text[:4000]
        if reply.kind == "joined":
            text = text.format(group=reply.text)
        if reply.kind in ("other", "not-found") and reply.contact:
            text += "\n" + gettext("Contact: %(contact)s", contact=reply.contact)
    if reply.kind == "choices":
        return [
            {
                "type": "text",
                "text": text,
                "quickReply": {
                    "items": [
                        {
                            "type": "action",
                            "action": {
                                "type": "message",
                                "label": _label(question),
                                "text": question[:300],
                            },
                        }
                        for question in reply.choices[:13]
                    ]
                },
            }
        ]
    if reply.quick:
        return [{"type": "text", "text": text, "quickReply": {"items": _postbacks(reply.quick)}}]
    if not (reply.button_url and label):
        return [{"type": "text", "text": text}]
    return [
        {
            "type": "flex",
            "altText": text[:400],
            "contents": button_bubble(text, label, reply.button_url),
        }
    ]


def _label(text: str) -> str:
    """A quick reply's label: LINE allows 20 characters."""
    return text if len(text) <= 20 else text[:19] + "…"


def _postbacks(quick: tuple[tuple[str, str], ...]) -> list[dict[str, Any]]:
    """Quick replies that answer with postback data, the chat showing the answer's words."""
    return [
        {
            "type": "action",
            "action": {
                "type": "postback",
                "label": _label(answer),
                "data": data,
                "displayText": answer[:300],
            },
        }
        for answer, data in quick[:13]
    ]


def _greeting() -> tuple[str, str]:
    return gettext(
        "Thank you for adding us. Notices about support for single-parent families will come "
        "to this chat. Please choose the notices you want with the button below. To stop, "
        "send “stop”."
    ), gettext("Choose notices")


def _linked() -> tuple[str, str]:
    return gettext(
        "Your registration is complete. The notices you chose will come to this chat. You can "
        "change them with the button below."
    ), gettext("Open settings")


def _settings() -> tuple[str, str]:
    return gettext(
        "You can change your notices, pause them or stop them with the button below."
    ), gettext("Open settings")


def _stopped() -> tuple[str, str]:
    return gettext("Notices have been stopped. To receive them again, send “start”."), ""


def _not_registered() -> tuple[str, str]:
    return gettext("You are not registered. To receive notices, send “start”."), ""


def _bad_code() -> tuple[str, str]:
    return gettext(
        "This registration code cannot be used: it has been used already, or more than a day "
        "has passed. Please send “start”, or register again from the QR code at the counter."
    ), ""


def _guide() -> tuple[str, str]:
    return gettext(
        "Find the support programmes that fit you, and the desks to ask about them. "
        "Nothing you answer is saved."
    ), gettext("Find support")


def _ask() -> tuple[str, str]:
    return gettext(
        "Ask a desk of the city to contact you: by phone, in this chat, or at the desk. What "
        "you write in the form goes only to the city."
    ), gettext("Ask a desk")


def _question() -> tuple[str, str]:
    return gettext(
        "Write your question here in your own words, for example: “When is the child-rearing "
        "allowance paid?” The answers are written by the city's staff."
    ), gettext("Ask on the web")


def _book() -> tuple[str, str]:
    return gettext(
        "Choose a time with the button below. The confirmation and reminders will come to "
        "this chat."
    ), gettext("Book a place")


def _events() -> tuple[str, str]:
    return gettext("Seminars and consultation days you can book now:"), gettext("See and book")


def _reply_kept() -> tuple[str, str]:
    return gettext("Thank you. We have passed your message to the desk that has your request."), ""


def _other() -> tuple[str, str]:
    return gettext(
        "This account only sends notices, so we cannot answer messages sent here. To ask a "
        "desk of the city to contact you, send “相談”."
    ), gettext("Open settings")


def _answer() -> tuple[str, str]:
    return "", gettext("Read it on the web")


def _choices() -> tuple[str, str]:
    return gettext("Did you mean one of these? Tap it, or write your question in other words."), ""


def _not_found() -> tuple[str, str]:
    return gettext(
        "We could not find an answer. The city's staff will see that this was asked. To ask a "
        "desk of the city, use the button below."
    ), gettext("Ask a desk")


def _crisis() -> tuple[str, str]:
    return "\n".join(
        (
            gettext("You are not alone. You can talk to someone now, in confidence."),
            gettext("DV相談ナビ: call %(number)s to reach the nearest centre.", number="#8008"),
            gettext(
                "DV相談＋: %(number)s, 24 hours a day; chat is possible too.", number="0120-279-889"
            ),
            gettext(
                "Children in danger: the child guidance centre, %(number)s, 24 hours a day.",
                number="189",
            ),
            gettext("In an emergency, call the police: %(number)s.", number="110"),
        )
    ), gettext("Ask the city's desk to contact you safely")


def _joined() -> tuple[str, str]:
    # Said in the staff's group: Japanese, whatever the language of a parent.
    return (
        "このグループのIDは {group} です。戸籍窓口からの相談員の呼び出しをこのグループに"
        "知らせるには、寄り添うの「自治体の設定」にこのIDを入れてください。"
    ), ""


def _card_question() -> tuple[str, str]:
    return "", ""


def _card_off() -> tuple[str, str]:
    return gettext(
        "The city does not offer the card yet. To ask a desk of the city, send “相談”."
    ), ""


def _card_page() -> tuple[str, str]:
    return gettext(
        "Here is your card. You can read it, correct it, change who sees it, or erase it."
    ), gettext("Open your card")


def _card_saved() -> tuple[str, str]:
    return gettext("Your card is saved. Only the departments you chose can see it."), gettext(
        "Open your card"
    )


def _card_cancelled() -> tuple[str, str]:
    return gettext("Nothing was saved. To start again, send “カード”."), ""


def _thanks() -> tuple[str, str]:
    return gettext("You are welcome. If you want to know anything else, just send it here."), ""


_REPLIES = {
    "thanks": _thanks,
    "joined": _joined,
    "card-question": _card_question,
    "card-off": _card_off,
    "card-page": _card_page,
    "card-saved": _card_saved,
    "card-cancelled": _card_cancelled,
    "answer": _answer,
    "choices": _choices,
    "not-found": _not_found,
    "crisis": _crisis,
    "greeting": _greeting,
    "linked": _linked,
    "settings": _settings,
    "stopped": _stopped,
    "not-registered": _not_registered,
    "bad-code": _bad_code,
    "other": _other,
    "guide": _guide,
    "ask": _ask,
    "question": _question,
    "reply-kept": _reply_kept,
    "book": _book,
    "events": _events,
    "checklist": lambda: ("", gettext("Apply online")),
}
