from __future__ import annotations

from datetime import datetime
from typing import Any

from dateutil.rrule import rrulestr
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    EmailField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import DataRequired, EqualTo, Length, NumberRange, Optional

from service.staff_users import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField("メールアドレス", validators=[DataRequired()])
    password = PasswordField("パスワード", validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField("現在のパスワード", validators=[DataRequired()])
    new = PasswordField(
        "新しいパスワード",
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH, message=f"{MIN_PASSWORD_LENGTH}文字以上にしてください。"
            ),
        ],
    )
    repeat = PasswordField(
        "新しいパスワード（確認）",
        validators=[EqualTo("new", message="新しいパスワードが一致しません。")],
    )


class NoticeForm(FlaskForm):
    title = StringField(
        "件名", validators=[DataRequired(message="件名を入力してください。"), Length(max=200)]
    )
    body = TextAreaField(
        "本文（Markdown）",
        validators=[DataRequired(message="本文を入力してください。"), Length(max=20000)],
    )
    topics = SelectMultipleField(
        "テーマ", coerce=int, validators=[DataRequired(message="テーマを1つ以上選んでください。")]
    )
    channels = SelectMultipleField(
        "配信方法",
        choices=[SelectChoice("email", "メール"), SelectChoice("webpush", "端末への通知")],
        validators=[DataRequired(message="配信方法を選んでください。")],
    )
    rule_kind = RadioField(
        "配信のタイミング",
        choices=[
            SelectChoice("once", "日時を指定して1回"),
            SelectChoice("rrule", "繰り返し（毎年・毎月・毎週）"),
            SelectChoice("relative", "登録日から○日後"),
        ],
        default="once",
    )
    starts_at = DateTimeLocalField(
        "配信日時（繰り返しは開始日）", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    rrule = StringField("繰り返しのルール（RRULE）", validators=[Optional(), Length(max=500)])
    holiday_shift = SelectField(
        "休日・閉庁日に当たるとき",
        choices=[
            SelectChoice("none", "そのまま送る"),
            SelectChoice("previous", "前の開庁日に送る"),
            SelectChoice("next", "次の開庁日に送る"),
        ],
        default="none",
    )
    offset_days = IntegerField("登録日から何日後", validators=[Optional(), NumberRange(0, 3650)])
    send_time = TimeField("送る時刻", validators=[Optional()])
    valid_until = DateTimeLocalField(
        "この日時を過ぎたら送らない", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    valid_days = IntegerField(
        "各回、何日過ぎたら送らない", validators=[Optional(), NumberRange(0, 366)]
    )
    urgent = BooleanField("期限のあるお知らせ（週1回まとめての人にもすぐ送る）")
    child_age_min = IntegerField(
        "子どもの年齢（下限）", validators=[Optional(), NumberRange(0, 25)]
    )
    child_age_max = IntegerField(
        "子どもの年齢（上限）", validators=[Optional(), NumberRange(0, 25)]
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        kind = self.rule_kind.data
        if kind in ("once", "rrule") and not self.starts_at.data:
            self.starts_at.errors = [*self.starts_at.errors, "配信日時を入力してください。"]
            valid = False
        if kind == "rrule":
            try:
                rrulestr(self.rrule.data or "", dtstart=self.starts_at.data or datetime.now())
            except (ValueError, TypeError):
                self.rrule.errors = [
                    *self.rrule.errors,
                    "繰り返しのルールが読めません（例：FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=1）。",
                ]
                valid = False
        if kind == "relative" and self.offset_days.data is None:
            self.offset_days.errors = [*self.offset_days.errors, "何日後かを入力してください。"]
            valid = False
        return valid
