"""Readings over the kanji of やさしい日本語 pages, word by word as the words are read in the
catalogue, the guide and the notices."""

from __future__ import annotations

import re

import pytest

from service.furigana import with_readings
from service.support.demo_catalogue import CATALOGUE

RUBY = re.compile(r"<ruby>(.+?)<rp>\(</rp><rt>(.+?)</rt><rp>\)</rp></ruby>")


def readings(text: str) -> list[tuple[str, str]]:
    return RUBY.findall(str(with_readings(text)))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("お金の相談", [("金", "かね"), ("相談", "そうだん")]),  # not きん
        ("仕事と生活の間", [("仕事", "しごと"), ("生活", "せいかつ"), ("間", "あいだ")]),  # not ま
        ("ひとり親の人", [("親", "おや"), ("人", "ひと")]),  # not にん
        ("一人で悩まないで", [("一人", "ひとり"), ("悩", "なや")]),
        ("今日", [("今日", "きょう")]),
        ("養育費の取り決め", [("養育費", "よういくひ"), ("取", "と"), ("決", "き")]),
        (
            "児童扶養手当の現況届",
            [("児童扶養手当", "じどうふようてあて"), ("現況届", "げんきょうとどけ")],
        ),
        ("市役所の 3階", [("市役所", "しやくしょ"), ("階", "かい")]),
        ("子どもの 学校の お金", [("子", "こ"), ("学校", "がっこう"), ("金", "かね")]),
        (
            "家で 安全でない ときの 相談",
            [("家", "いえ"), ("安全", "あんぜん"), ("相談", "そうだん")],
        ),
    ],
)
def test_each_word_is_read_in_context(text, expected):
    assert readings(text) == expected


def test_the_kana_and_markup_around_a_word_stay_as_written():
    html = str(with_readings("ひとり親が 借りられる お金 <b>"))
    assert html.startswith("ひとり<ruby>親") and "</ruby>りられる お<ruby>金" in html
    assert html.endswith("&lt;b&gt;")


def test_every_easy_heading_of_the_catalogue_gets_readings_of_whole_words():
    for programme in CATALOGUE["programmes"]:
        name = programme["name"]["easy"]
        for written, reading in readings(name):
            assert re.fullmatch(r"[\u3041-\u309f]+", reading), (name, written, reading)
            # A single kanji read as an on-reading of its own is what character-by-character
            # readings produced (金→きん, 人→にん): the catalogue's easy names use none.
            assert (written, reading) not in {("金", "きん"), ("人", "にん"), ("間", "ま")}, name
