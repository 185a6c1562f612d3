"""One style of Japanese throughout (GLOSSARY.md): the catalogues, the templates and the demo
content use the glossary's spelling, and full-width punctuation beside Japanese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
JAPANESE = "\u3040-\u30ff\u4e00-\u9fff"
# A half-width colon or bracket touching Japanese text (a URL's or a time's colon never does).
HALF_WIDTH = re.compile(rf"[{JAPANESE}。、）」] ?[:(]|\) ?[{JAPANESE}]|[{JAPANESE}]\)")
JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]+>", re.S)


def _glossary() -> list[tuple[str, str]]:
    rows = re.findall(r"^\| (\S+) \| (\S+) \|$", (ROOT / "GLOSSARY.md").read_text(), re.M)
    return [(write, avoid) for write, avoid in rows if write != "write" and "-" not in write]


def _texts() -> list[tuple[str, str]]:
    """(where, text) of everything a person reads in Japanese."""
    found = []
    for name in ("messages.po", "easy.po"):
        with open(ROOT / "service/translations/ja/LC_MESSAGES" / name, "rb") as file:
            catalogue = read_po(file)
        for message in catalogue:
            if message.id:
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                texts = message.string if isinstance(message.string, tuple) else (message.string,)
                found.extend((f"{name}: {ids[0][:40]}", text or "") for text in texts)
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix in (".html", ".txt"):
            found.append((str(path.relative_to(ROOT)), JINJA.sub(" ", path.read_text())))
    for name in (
        "service/demo.py",
        "service/demo_versions.py",
        "service/support/demo_catalogue.py",
    ):
        strings = re.findall(r'"((?:[^"\\\n]|\\.)*)"', (ROOT / name).read_text())
        found.extend((name, text) for text in strings if re.search(f"[{JAPANESE}]", text))
    return found


def test_the_glossary_has_words():
    assert ("取り扱い", "取扱い") in _glossary() and len(_glossary()) >= 8


@pytest.mark.parametrize(("write", "avoid"), _glossary())
def test_one_spelling_of_each_word(write, avoid):
    wrong = [where for where, text in _texts() if avoid in text.replace(write, "")]
    assert not wrong, f"「{avoid}」 should be 「{write}」 in: {wrong}"


def _japanese(text: str) -> bool:
    """Japanese text, not English naming a Japanese term (児童扶養手当) in its brackets."""
    letters = [char for char in text if char.isalpha()]
    return len(re.findall(f"[{JAPANESE}]", text)) * 2 > len(letters)


def test_japanese_takes_full_width_colons_and_brackets():
    wrong = [
        (where, match.group(0))
        for where, text in _texts()
        if _japanese(text)
        for match in HALF_WIDTH.finditer(text)
    ]
    assert not wrong, wrong
