"""Japanese text as words: SudachiPy with its core dictionary (loaded once per process, and
only by what needs it: the readings of やさしい日本語 pages and the assistant), and kana folded."""

from __future__ import annotations

from functools import cache
from typing import Any

TO_HIRAGANA = str.maketrans({chr(code): chr(code - 0x60) for code in range(0x30A1, 0x30F7)})


@cache
def _dictionary() -> Any:
    from sudachipy import Dictionary

    return Dictionary(dict="core")


@cache
def tokenizer(mode: str) -> Any:
    """Mode "A": the shortest words (児童, 扶養, 手当); "C": whole compounds (児童扶養手当)."""
    from sudachipy import SplitMode

    return _dictionary().tokenizer(SplitMode.A if mode == "A" else SplitMode.C)
