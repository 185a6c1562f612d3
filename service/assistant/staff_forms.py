"""The console's forms for the assistant: an answer, the synonyms, and a file of answers."""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, Regexp

from service.web.forms import Form, OneLine

NO_BREAKS = "改行は使えません。"


class LinesField(TextAreaField):
    """One entry a line, blanks dropped: the other ways parents ask the question."""

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = valuelist[0] if valuelist else ""
        self.data = [line.strip()[:300] for line in text.splitlines() if line.strip()][:30]


class AnswerForm(Form):
    FIELDS = (
        "code",
        "category",
        "question_ja",
        "question_en",
        "question_easy",
        "phrasings",
        "answer_ja",
        "answer_en",
        "answer_easy",
        "facts",
        "valid_from",
        "valid_until",
        "active",
    )
    code = StringField(
        "ID（共有の4列形式のID。英数字とハイフン。例：001）",
        validators=[
            DataRequired(message="IDを入力してください。"),
            Length(max=64),
            Regexp(r"^[\w.-]+$", message="英数字・ハイフン・ピリオドで入力してください。"),
        ],
    )
    category = StringField("カテゴリ", validators=[Length(max=100), OneLine(NO_BREAKS)])
    question_ja = StringField(
        "問い合わせ文（保護者が聞く形で）",
        validators=[
            DataRequired(message="問い合わせ文を入力してください。"),
            Length(max=300),
            OneLine(NO_BREAKS),
        ],
    )
    question_en = StringField(
        "問い合わせ文（英語）", validators=[Length(max=300), OneLine(NO_BREAKS)]
    )
    question_easy = StringField(
        "問い合わせ文（やさしい日本語）", validators=[Length(max=300), OneLine(NO_BREAKS)]
    )
    phrasings = LinesField("ほかの聞き方（1行に1つ。合わせて探します）")
    answer_ja = TextAreaField(
        "応答文（Markdown。そのまま表示します）",
        validators=[DataRequired(message="応答文を入力してください。"), Length(max=4000)],
    )
    answer_en = TextAreaField("応答文（英語）", validators=[Length(max=4000)])
    answer_easy = TextAreaField("応答文（やさしい日本語）", validators=[Length(max=4000)])
    desk = SelectField("窓口（この窓口の課の職員が編集します）", coerce=int)
    programme = SelectField("制度", coerce=int)
    facts = SelectMultipleField(
        "回答に添えること（お知らせの次の日付、講座・相談会の次の空き日。複数選べます）"
    )
    valid_from = DateField("表示を始める日（季節の回答など）", validators=[Optional()])
    valid_until = DateField("表示を終える日", validators=[Optional()])
    active = BooleanField("使う", default=True)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.valid_from.data and self.valid_until.data:
            if self.valid_until.data < self.valid_from.data:
                self.valid_until.errors = [
                    *self.valid_until.errors,
                    "始める日より後にしてください。",
                ]
                return False
        return valid


class SynonymsForm(Form):
    synonyms = TextAreaField(
        "言い換え（1行に1つ、「保護者の言い方 = 回答の言い方」。例：児扶 = 児童扶養手当）"
    )

    def pairs(self) -> dict[str, str] | None:
        """The lines as word → meaning; None, with the error on the field, if one is wrong."""
        found: dict[str, str] = {}
        for number, line in enumerate((self.synonyms.data or "").splitlines(), start=1):
            line = unicodedata.normalize("NFKC", line).strip()
            if not line:
                continue
            word, equals, means = (part.strip() for part in line.partition("="))
            if not equals or not word or not means or len(word) > 50 or len(means) > 50:
                self.synonyms.errors = [f"{number}行目：「言い方 = 言い方」の形にしてください。"]
                return None
            found[word] = means
        return found


class CrisisWordsForm(Form):
    words = TextAreaField("この自治体で加える言葉（1行に1つ、50文字まで）")

    def word_list(self) -> list[str] | None:
        """The lines, folded for width; None, with the error on the field, if one is wrong."""
        found: list[str] = []
        for number, line in enumerate((self.words.data or "").splitlines(), start=1):
            word = unicodedata.normalize("NFKC", line).strip()
            if len(word) > 50 or (word and len(word) < 2):
                self.words.errors = [f"{number}行目：2文字から50文字の言葉にしてください。"]
                return None
            if word and word not in found:
                found.append(word)
        return found


class AnswersImportForm(Form):
    file = FileField("ファイル（4列のCSV か Yorisou の回答JSON）")
    desk = SelectField("新しい回答の窓口（この窓口の課の職員が編集します）", coerce=int)
    # After the dry run, the file read then, so that importing needs no second upload.
    content = HiddenField()
    name = HiddenField()
