"""Every parent-facing string has its Japanese and its easy Japanese, compiled and current."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parent.parent / "service" / "translations"


@pytest.mark.parametrize("domain", ["messages", "easy"])  # easy: やさしい日本語
def test_catalogue_is_complete_and_compiled(domain):
    with open(CATALOGUES / "ja" / "LC_MESSAGES" / f"{domain}.po", "rb") as f:
        po = read_po(f)
    with open(CATALOGUES / "ja" / "LC_MESSAGES" / f"{domain}.mo", "rb") as f:
        mo = read_mo(f)
    with open(CATALOGUES / "messages.pot", "rb") as f:
        template = read_po(f)
    wanted = {_key(m.id) for m in template if m.id}
    translated = {
        _key(m.id): _key(m.string) for m in po if m.id and all(_key(m.string)) and not m.fuzzy
    }
    assert wanted - set(translated) == set(), "run `make translations` and translate"
    compiled = {_key(m.id): _key(m.string) for m in mo if m.id}
    assert compiled == translated, "run `make translations`"


def _key(value):
    """A message's id or string; a plural one is a tuple of its forms."""
    return tuple(value) if isinstance(value, list | tuple) else (value,)


def test_easy_japanese_differs_from_plain_japanese():
    catalogues = {}
    for domain in ("messages", "easy"):
        with open(CATALOGUES / "ja" / "LC_MESSAGES" / f"{domain}.po", "rb") as f:
            catalogues[domain] = {m.id: m.string for m in read_po(f) if m.id}
    plain, easy = catalogues["messages"], catalogues["easy"]
    same = [key for key, value in plain.items() if easy[key] == value]
    assert len(same) < len(plain) * 0.2, same
