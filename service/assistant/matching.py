"""Finding the staff's answer to a parent's question: words, not substrings.

A question becomes its words as SudachiPy normalises them (受け取る, 受取る and うけとる are one
word), in short units and whole compounds (児童扶養手当 and 扶養, 手当), with each short unit's
reading too, so a question typed in kana finds the kanji. Staff's synonyms (児扶 = 児童扶養手当)
are put in before the analysis. Rare words weigh more: Okapi BM25 over each answer's question and
its other phrasings. Nothing is learnt from what parents type."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from service.japanese import TO_HIRAGANA, tokenizer

# Parts of speech that carry no meaning of their own here.
_SKIPPED = {"助詞", "助動詞", "補助記号", "空白", "記号", "接頭辞", "接尾辞"}
_KANJI = re.compile(r"[\u3400-\u9fff々]")
_HIRAGANA = re.compile(r"[\u3041-\u309fー]+")
_UNINFLECTED = {"名詞", "代名詞", "副詞", "形状詞"}
# How a question asks (when, where, how much): they count in the score, not in the coverage.
_QUESTION_WORDS = {
    f"{prefix}{word}"
    for word in ("いつ", "どこ", "いくら", "幾ら", "だれ", "誰", "どれ", "どの", "どんな", "なぜ")
    for prefix in ("", "~")
}
# Words every question has.
_LIGHT = {
    "する",
    "ある",
    "居る",
    "いる",
    "成る",
    "なる",
    "為る",
    "こと",
    "事",
    "もの",
    "物",
    "です",
    "ます",
    "下さる",
    "くださる",
    "教える",
    "知る",
    "分かる",
    "わかる",
    "良い",
    "いい",
    "よい",
    "出来る",
    "できる",
    "どう",
    "何",
    "なに",
    "の",
    "私",
    "方",
    "ほう",
    "よう",
    "様",
}
K1, B = 1.5, 0.75


def fold(text: str) -> str:
    """Width, case and kana folded: ＤＶ, dv and DV; カタカナ and かたかな."""
    return unicodedata.normalize("NFKC", text).lower().translate(TO_HIRAGANA)


def with_synonyms(text: str, synonyms: Mapping[str, str]) -> str:
    """Each synonym (児扶) replaced by the word it stands for (児童扶養手当), longest first."""
    folded = unicodedata.normalize("NFKC", text)
    for word in sorted(synonyms, key=len, reverse=True):
        if word and word in folded:
            folded = folded.replace(word, f" {synonyms[word]} ")
    return folded


def with_readings(synonyms: Mapping[str, str]) -> dict[str, str]:
    """The synonyms, and each one's reading too (しはらい as well as 支払), so that a question
    typed in kana is put into the answers' words as well (readings of three kana or more: a
    shorter one would turn up inside other words)."""
    found = dict(synonyms)
    whole = tokenizer("C")
    for word, means in synonyms.items():
        if not _KANJI.search(word):
            continue
        reading = "".join(fold(m.reading_form()) for m in whole.tokenize(word))
        if len(reading) >= 3 and _HIRAGANA.fullmatch(reading):
            found.setdefault(reading, means)
    return found


def words(text: str, synonyms: Mapping[str, str] | None = None) -> list[str]:
    short, whole = tokenizer("A"), tokenizer("C")
    text = with_synonyms(text, synonyms or {})
    found: list[str] = []
    for morpheme in short.tokenize(text):
        if morpheme.part_of_speech()[0] in _SKIPPED:
            continue
        form = fold(morpheme.normalized_form())
        if form in _LIGHT or not form.strip():
            continue
        reading = fold(morpheme.reading_form())
        if _HIRAGANA.fullmatch(form):  # いつ, もらえる: its reading is the word itself
            found.append("~" + form)
            continue
        found.append(form)
        stem = "".join(_KANJI.findall(form))
        if len(stem) >= 2 and stem != form:  # 引っ越し and 引っ越す, 取り決め and 取り決める
            found.append("#" + stem)
        if morpheme.part_of_speech()[0] in _UNINFLECTED and reading:
            found.append("~" + reading)  # so that a word typed in kana finds it in kanji
    for morpheme in whole.tokenize(text):  # 児童扶養手当 as well as 児童, 扶養, 手当
        form = fold(morpheme.normalized_form())
        pos = morpheme.part_of_speech()[0]
        if pos in _SKIPPED or form in found or form in _LIGHT:
            continue
        found.append(form)
        reading = "~" + fold(morpheme.reading_form())
        if pos in _UNINFLECTED and len(reading) > 1 and reading not in found:
            found.append(reading)  # じどうてあて finds 児童手当 too
    return found


def _as_written(text: str) -> str:
    return fold(text).strip("?？!！。 　")


@dataclass(frozen=True)
class Document:
    id: int
    texts: tuple[str, ...]  # the question and its other phrasings
    body: str = ""  # the answer's text: its words count too, a third as much


BODY_WEIGHT = 1 / 3


class Index:
    """One city's answers, ready to be searched (built again when staff change them)."""

    def __init__(self, documents: Iterable[Document], synonyms: Mapping[str, str]) -> None:
        self.synonyms = with_readings(synonyms)
        self.ids: list[int] = []
        self.counts: list[Counter[str]] = []
        self.exact: dict[str, int] = {}  # a question or phrasing as written, to its answer
        for document in documents:
            self.ids.append(document.id)
            for text in document.texts:
                self.exact.setdefault(_as_written(text), document.id)
            count: Counter[str] = Counter()
            for text in document.texts:
                count.update(words(text, self.synonyms))
            for word in words(document.body, self.synonyms):
                count[word] += BODY_WEIGHT  # type: ignore[assignment]
            self.counts.append(count)
        self.lengths = [sum(count.values()) for count in self.counts]
        self.average = sum(self.lengths) / len(self.lengths) if self.lengths else 0.0
        frequency: Counter[str] = Counter(w for count in self.counts for w in count)
        total = len(self.counts)
        self.idf = {
            word: math.log((total - n + 0.5) / (n + 0.5) + 1) for word, n in frequency.items()
        }

    def written(self, question: str) -> int | None:
        """The answer whose question (or other phrasing) this is, as written."""
        return self.exact.get(_as_written(question)) if question.strip() else None

    def search(self, question: str, limit: int = 5) -> list[tuple[int, float, float]]:
        """The best answers (id, score, coverage), best first. Coverage: how much of what the
        question says (its words by weight; a word no answer has weighs most) the answer has,
        counted over the words as written and over their readings, the better of the two (a
        question in kana is all readings)."""
        asked = set(words(question, self.synonyms))
        rarest = max(self.idf.values(), default=1.0)
        said = asked - _QUESTION_WORDS  # いつ, どこ: what is asked about, not what it is
        groups = [
            {word for word in said if word[0] not in "~#"},
            {word for word in said if word[0] == "~"},
        ]
        totals = [sum(self.idf.get(word, rarest) for word in group) for group in groups]
        scored = []
        for index, count in enumerate(self.counts):
            matched = asked & count.keys()
            if not matched:
                continue
            score = 0.0
            for word in matched:
                tf = count[word]
                norm = tf + K1 * (1 - B + B * self.lengths[index] / (self.average or 1))
                score += self.idf[word] * tf * (K1 + 1) / norm
            coverage = max(
                sum(self.idf[word] for word in matched & group) / total
                for group, total in zip(groups, totals, strict=True)
                if total
            )
            scored.append((self.ids[index], score, coverage))
        scored.sort(key=lambda found: (-found[1], found[0]))
        return scored[:limit]


@dataclass(frozen=True)
class Match:
    kind: str  # answer | choices | none
    ids: tuple[int, ...]


# Thresholds on coverage, which does not depend on how many answers a city has (scores do).
SURE = 0.6  # an answer holding this much of the question, clearly ahead, is the answer
AHEAD = 1.35  # its score against the next one's
COVERED = 0.4  # below this an answer is not offered at all


def decide(scored: Sequence[tuple[int, float, float]]) -> Match:
    """One answer when the best says most of what was asked and is clearly ahead; else up to
    three "もしかして"; else none (a question about something the answers never mention,
    however many of its small words they share)."""
    covered = [found for found in scored if found[2] >= COVERED]
    if not covered:
        return Match("none", ())
    best_id, best, coverage = covered[0]
    rival = max((score for answer_id, score, _ in scored if answer_id != best_id), default=0.0)
    if coverage >= SURE and best >= AHEAD * rival:
        return Match("answer", (best_id,))
    close = [answer_id for answer_id, score, _ in covered if score >= best / 2]
    return Match("choices", tuple(close[:3]))
