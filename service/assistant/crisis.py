"""Words that say a parent or a child may be in danger. A message holding one is never treated
as a question for the answer table: it is answered at once with the city's DV desk and the
national lines, and its text is kept nowhere."""

from __future__ import annotations

from collections.abc import Iterable

from service.assistant.matching import fold

# Folded (width, case, kana) as a message is before it is compared; staff add their own.
CRISIS_WORDS = (
    # violence at home
    "暴力",
    "殴られ",
    "なぐられ",
    "殴る",
    "なぐる",
    "蹴られ",
    "けられ",
    "叩かれ",
    "たたかれ",
    "首を絞め",
    "殺される",
    "ころされる",
    "殺す",
    "ころす",
    "DV",
    "でぃーぶい",
    "モラハラ",
    "逃げたい",
    "にげたい",
    "助けて",
    "たすけて",
    "怖い",
    "こわい",
    "脅され",
    "おどされ",
    "監禁",
    "家に帰れない",
    "追いかけ",
    "つきまと",
    "ストーカー",
    # a child in danger
    "虐待",
    "ぎゃくたい",
    "子どもを叩",
    "子供を叩",
    "子どもを殴",
    "ネグレクト",
    "ご飯を食べさせて",
    # thoughts of dying
    "死にたい",
    "しにたい",
    "死のう",
    "しのう",
    "消えたい",
    "きえたい",
    "自殺",
    "じさつ",
    "生きていたくない",
    "いきていたくない",
    "生きるのがつらい",
    "楽になりたい",
    "もう限界",
    "心中",
    "しんじゅう",
)


def is_crisis(message: str, extra: Iterable[str] = ()) -> bool:
    text = fold(message).replace(" ", "").replace("　", "")
    return any(fold(word) in text for word in (*CRISIS_WORDS, *extra) if word)
