"""The Japanese console has no English in it: every staff page, walked as an admin, shows no
ASCII word outside the proper names and codes a city's staff use as they are."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.staff.test_role_matrix import MATRIX, POSTS, ids  # noqa: F401 (ids: a fixture)
from tests.staff.test_staff_notices import login

# Names and codes that are written in Latin letters in Japanese too.
ALLOWED = {
    "LINE",
    "QR",
    "CSV",
    "API",
    "RRULE",
    "Markdown",
    "URL",
    "JSON",
    "PDF",
    "ID",
    "DV",
    "SNS",
    "Yorisou",
    "Email",
    "SendGrid",
    "FCM",
    "Firebase",
    "HH",
    "MM",
    "RFC",
    "FREQ",
    "BYDAY",
    "BYMONTH",
    "BYMONTHDAY",
    "YEARLY",
    "MONTHLY",
    "WEEKLY",
    "DAILY",
    "WE",
    "TOTP",
    "PNG",
    "SVG",
    "A4",
    "OK",
    "https",
    "http",
    "example",
    "jp",
    "aoba",
    "koseki",
    "yorisou",
    "www",
    "com",
    "Inbound",
    "Parse",
    "Google",
    "Microsoft",
    "Authenticator",
    "yoikuhi",
    "UTF",
    "Shift",
    "JIS",
    # LINE's own product and screen names, written so in Japanese too
    "Official",
    "Account",
    "Manager",
    "Developers",
    "Messaging",
    "Webhook",
}
WORD = re.compile(r"[A-Za-z][A-Za-z]+")


class _Text(HTMLParser):
    """What a person reads as the console's own words: text, and the labels a screen reader
    says; not code, not what staff typed (a field's contents), not what is marked as English
    (a topic's English name)."""

    SKIPPED = ("script", "style", "code", "pre", "textarea")

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self._skip: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag in self.SKIPPED or attributes.get("lang", "ja") != "ja":
            self._skip.append(tag)
        for name, value in attrs:
            if name in ("aria-label", "title", "placeholder", "alt") and value:
                self.words.append(value)

    def handle_endtag(self, tag):
        if self._skip and self._skip[-1] == tag:
            self._skip.pop()

    def handle_data(self, data):
        if not self._skip:
            self.words.append(data)


def english_words(html: str) -> set[str]:
    parser = _Text()
    parser.feed(html)
    text = " ".join(parser.words)
    text = re.sub(r"\S+@\S+", " ", text)  # addresses
    text = re.sub(r"https?://\S+", " ", text)
    return {word for word in WORD.findall(text) if word not in ALLOWED}


def test_no_english_word_in_the_japanese_console(client, ids):  # noqa: F811
    login(client, "admin@aoba.example.jp")
    found = {}
    for endpoint, (_, url) in sorted(MATRIX.items()):
        if endpoint in POSTS:
            continue
        response = client.get(url.format(**ids))
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        if words := english_words(response.get_data(as_text=True)):
            found[endpoint] = sorted(words)
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())
