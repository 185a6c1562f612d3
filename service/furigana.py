"""Readings (furigana) over the kanji on やさしい日本語 pages, from pykakasi's dictionary: a
reader of easy Japanese may not know 扶養 or 届出, and a page should not assume they do."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from markupsafe import Markup, escape

from service.languages import current_language

_KANJI = re.compile(r"[\u3400-\u9fff々]")
_HIRAGANA = re.compile(r"[\u3041-\u309f]")


@cache
def _converter() -> Any:
    import pykakasi  # its dictionary takes half a second: only for easy pages, once

    return pykakasi.kakasi()


def with_readings(text: str) -> Markup:
    """`text` with <ruby> over each word that has kanji; the kana around it (送り仮名) stays
    outside the reading, so 届ける reads 届<rt>とど</rt>ける."""
    parts = []
    for word in _converter().convert(text):
        written, reading = word["orig"], word["hira"]
        if not _KANJI.search(written) or not reading:
            parts.append(escape(written))
            continue
        head = tail = ""
        while written and reading and written[-1] == reading[-1] and _HIRAGANA.match(written[-1]):
            tail, written, reading = written[-1] + tail, written[:-1], reading[:-1]
        while written and reading and written[0] == reading[0] and _HIRAGANA.match(written[0]):
            head, written, reading = head + written[0], written[1:], reading[1:]
        parts.append(
            escape(head)
            + Markup("<ruby>%s<rp>(</rp><rt>%s</rt><rp>)</rp></ruby>") % (written, reading)
            + escape(tail)
        )
    return Markup("").join(parts)


def furigana(text: str) -> Markup:
    """The Jinja filter: readings on easy Japanese pages, the text as it is on the others."""
    if current_language() != "easy":
        return escape(text)
    return with_readings(text.unescape() if isinstance(text, Markup) else text)
