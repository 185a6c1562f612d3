"""The staff console's event form (Japanese only, like the rest of the console)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateTimeLocalField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from service.calendar.plain_rules import KINDS as REPEAT_KINDS
from service.web.forms import LANG_NAMES, OneLine, RepeatFields

EVENT_TEXTS = {"title": 200, "details": 2000, "place": 200, "bring": 500}
TEXT_NAMES = {"title": "名前", "details": "内容", "place": "会場", "bring": "持ち物"}
SHIFTS = {
    "none": "そのまま",
    "previous": "前の開庁日にずらす",
    "next": "次の開庁日にずらす",
}
REMINDER_ROWS = 3
QUESTION_ROWS = 3
_TIME = Regexp(r"^([01]\d|2[0-3]):[0-5]\d$", message="時刻は 18:00 のように入力してください。")


def _event_fields() -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name, limit in EVENT_TEXTS.items():
        for lang, lang_name in LANG_NAMES.items():
            validators: list[Any] = [Length(max=limit)]
            if lang == "ja" and name == "title":
                validators.insert(0, DataRequired(message="名前を入力してください。"))
            if name == "title":
                validators.append(OneLine("改行は使えません。"))
            kind = StringField if limit <= 200 else TextAreaField
            fields[f"{name}_{lang}"] = kind(
                f"{TEXT_NAMES[name]}（{lang_name}）", validators=validators
            )
    for row in range(REMINDER_ROWS):
        fields[f"reminder_{row}_days"] = IntegerField(
            "何日前", validators=[Optional(), NumberRange(min=0, max=30)]
        )
        fields[f"reminder_{row}_at"] = StringField("時刻", validators=[Optional(), _TIME])
    for row in range(QUESTION_ROWS):
        for lang, lang_name in LANG_NAMES.items():
            fields[f"question_{row}_{lang}"] = StringField(
                f"質問{row + 1}（{lang_name}）",
                validators=[Length(max=100), OneLine("改行は使えません。")],
            )
        fields[f"question_{row}_required"] = BooleanField("必須")
    return fields


class EventForm(RepeatFields):
    department = StringField(
        "担当課（この課の職員が予約を見ます）",
        validators=[DataRequired(message="担当課を入力してください。"), Length(max=100)],
    )
    desk = SelectField("窓口（相談日の場合）", coerce=int, default=0)
    online_url = StringField(
        "オンラインのURL（予約した人にだけ知らせます）",
        validators=[Optional(), URL(message="URLを入力してください。"), Length(max=500)],
    )
    starts_at = DateTimeLocalField(
        "開始日時",
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(message="開始日時を入力してください。")],
    )
    duration_minutes = IntegerField(
        "時間（分）", default=90, validators=[DataRequired(), NumberRange(min=10, max=720)]
    )
    repeat = SelectField(
        "繰り返し方",
        choices=[
            SelectChoice("once", "繰り返さない（1回）"),
            *(SelectChoice(code, name) for code, name in REPEAT_KINDS.items()),
        ],
        default="once",
    )
    holiday_shift = SelectField(
        "祝日・閉庁日にあたるとき",
        choices=[SelectChoice(code, name) for code, name in SHIFTS.items()],
        default="none",
    )
    slot_minutes = IntegerField(
        "個別の予約枠に分ける（1枠の分数。分けないなら空欄）",
        validators=[Optional(), NumberRange(min=10, max=240)],
    )
    capacity = IntegerField(
        "定員（1枠あたり）", default=20, validators=[DataRequired(), NumberRange(min=1, max=1000)]
    )
    childcare_places = IntegerField(
        "託児の人数（0なら託児なし）",
        default=0,
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    opens_days = IntegerField(
        "予約の受付開始（何日前から）",
        default=60,
        validators=[DataRequired(), NumberRange(min=1, max=365)],
    )
    closes_hours = IntegerField(
        "予約の締め切り（何時間前まで）",
        default=24,
        validators=[Optional(), NumberRange(min=0, max=720)],
    )
    offer_hours = IntegerField(
        "キャンセル待ちの方への案内の有効時間（時間）",
        default=24,
        validators=[DataRequired(), NumberRange(min=1, max=168)],
    )
    subscribers_only = BooleanField(
        "テーマの登録者だけが予約できる（オフにすると、リンクを知っている人なら誰でも）"
    )
    programmes = SelectMultipleField(
        "制度（保護者向けガイドで、この制度の下に予約の案内を出します）",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    topics = SelectMultipleField(
        "テーマ",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )

    def reminders(self) -> list[dict[str, Any]]:
        rows = []
        for row in range(REMINDER_ROWS):
            days = self[f"reminder_{row}_days"].data
            at = self[f"reminder_{row}_at"].data
            if days is not None and at:
                rows.append({"days": days, "at": at})
        return sorted(rows, key=lambda r: (-r["days"], r["at"]))

    def questions(self) -> list[dict[str, Any]]:
        rows = []
        for row in range(QUESTION_ROWS):
            texts = {
                lang: (self[f"question_{row}_{lang}"].data or "").strip() for lang in LANG_NAMES
            }
            if texts["ja"]:
                rows.append({**texts, "required": bool(self[f"question_{row}_required"].data)})
        return rows

    def fill_rows(self, reminders: list[dict[str, Any]], questions: list[dict[str, Any]]) -> None:
        for row, reminder in enumerate(reminders[:REMINDER_ROWS]):
            self[f"reminder_{row}_days"].data = reminder["days"]
            self[f"reminder_{row}_at"].data = reminder["at"]
        for row, question in enumerate(questions[:QUESTION_ROWS]):
            for lang in LANG_NAMES:
                self[f"question_{row}_{lang}"].data = question.get(lang, "")
            self[f"question_{row}_required"].data = question.get("required", False)


for _name, _field in _event_fields().items():  # WTForms reads fields set on the class too
    setattr(EventForm, _name, _field)
