"""Readings (furigana) over the kanji on やさしい日本語 pages: a reader of easy Japanese may not
know 扶養 or 届出, and a page should not assume they do.

A reading belongs to a word, not to a character: お金 is おかね and 人 in ひとり親の人 is
ひと, where a character-by-character dictionary says きん and にん. SudachiPy splits the text
into words with their readings in context (its core dictionary, loaded once, for easy pages
only)."""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from service.japanese import TO_HIRAGANA, tokenizer
from service.languages import current_language

_KANJI = re.compile(r"[\u3400-\u9fff\uf900-\ufaff々〆ヶ]")
_RUN = re.compile(r"([\u3400-\u9fff\uf900-\ufaff々〆ヶ]+)")
_SPACES = frozenset(" \u3000\t\n")


def _ruby(written: str, reading: str) -> Markup:
    return Markup("<ruby>%s<rp>(</rp><rt>%s</rt><rp>)</rp></ruby>") % (written, reading)


def _word(written: str, reading: str) -> Markup:
    """One word with a reading over each run of kanji: the kana between and around them
    (送り仮名) stay outside, so 取り決め reads 取<rt>と</rt>り決<rt>き</rt>め. Where the kana do
    not line up with the reading, the whole word carries it."""
    parts = _RUN.split(written)  # kana, kanji, kana, kanji, …, kana
    pattern = "".join(
        "(.+?)" if index % 2 else re.escape(part.translate(TO_HIRAGANA))
        for index, part in enumerate(parts)
    )
    match = re.fullmatch(pattern, reading)
    if match is None:
        return _ruby(written, reading)
    readings = iter(match.groups())
    return Markup("").join(
        _ruby(part, next(readings)) if index % 2 else escape(part)
        for index, part in enumerate(parts)
        if part
    )


def with_readings(text: str) -> Markup:
    """`text` with <ruby> over each word that has kanji. The spaces of やさしい日本語's
    分かち書き (資格を 取る 間の お金) are left out of the analysis, which would otherwise read
    a word after a space without the words before it (間 as ま), and put back as written."""
    kept = [index for index, char in enumerate(text) if char not in _SPACES]
    joined = "".join(text[index] for index in kept)
    parts = []
    end = 0  # in `text`, after the last word written out
    for morpheme in tokenizer("C").tokenize(joined) if joined else []:
        start, stop = kept[morpheme.begin()], kept[morpheme.end() - 1] + 1
        parts.append(escape(text[end:start]))  # the spaces before the word
        written, reading = text[start:stop], morpheme.reading_form().translate(TO_HIRAGANA)
        if _KANJI.search(written) and reading and not _SPACES.intersection(written):
            parts.append(_word(written, reading))
        else:
            parts.append(escape(written))
        end = stop
    parts.append(escape(text[end:]))
    return Markup("").join(parts)


def furigana(text: str) -> Markup:
    """The Jinja filter: readings on easy Japanese pages, the text as it is on the others."""
    if current_language() != "easy":
        return escape(text)
    return with_readings(text.unescape() if isinstance(text, Markup) else text)
