"""Every parent-facing string has its Japanese, and the compiled catalogue is current."""

from __future__ import annotations

from pathlib import Path

from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

CATALOGUES = Path(__file__).resolve().parent.parent / "service" / "translations"


def test_japanese_catalogue_is_complete_and_compiled():
    with open(CATALOGUES / "ja" / "LC_MESSAGES" / "messages.po", "rb") as f:
        po = read_po(f)
    with open(CATALOGUES / "ja" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        mo = read_mo(f)
    with open(CATALOGUES / "messages.pot", "rb") as f:
        template = read_po(f)
    wanted = {m.id for m in template if m.id}
    translated = {m.id: m.string for m in po if m.id and m.string and not m.fuzzy}
    assert wanted - set(translated) == set(), "run `make translations` and translate"
    assert {m.id: m.string for m in mo if m.id} == translated, "run `make translations`"
