from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime
from typing import Any

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
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from service.addresses import tidy_address
from service.calendar import RuleError, check_rrule
from service.channels.line_limits import URI
from service.channels.rates import parse_rate_limits
from service.line.accounts import ACCOUNT_ID
from service.line.bubble import too_long_links
from service.staff_users import weak_password
from service.web.forms import Form, OneLine, RepeatFields


def tidy_email(value: str | None) -> str | None:
    return tidy_address(value) if value else value


class LoginForm(Form):
    email = EmailField("メールアドレス", filters=[tidy_email], validators=[DataRequired()])
    password = PasswordField("パスワード", validators=[DataRequired()])


def strong_password(form: Any, field: Any) -> None:
    """Long enough and hard to guess, also from the person's own email."""
    personal = [getattr(form, "personal", ""), getattr(getattr(form, "email", None), "data", "")]
    if problem := weak_password(field.data or "", *(p for p in personal if p)):
        raise ValidationError(problem)


class PasswordForm(Form):
    personal = ""  # the staff member's email, set by the view

    current = PasswordField("現在のパスワード", validators=[DataRequired()])
    new = PasswordField("新しいパスワード", validators=[DataRequired(), strong_password])
    repeat = PasswordField(
        "新しいパスワード（確認）",
        validators=[EqualTo("new", message="新しいパスワードが一致しません。")],
    )


NO_BREAKS = "改行は使えません。1行で入力してください。"


def _optional_int(value: Any) -> int | None:
    return None if value in ("", None, "None") else int(value)


GRADES = [SelectChoice("", "指定しない"), SelectChoice(0, "年長（小学校入学の前の年）")] + [
    SelectChoice(n, label)
    for n, label in enumerate(
        [f"小{g}" for g in range(1, 7)]
        + [f"中{g}" for g in range(1, 4)]
        + [f"高{g}" for g in range(1, 4)],
        start=1,
    )
]


class NoticeForm(RepeatFields):
    title = StringField(
        "件名",
        validators=[
            DataRequired(message="件名を入力してください。"),
            Length(max=200),
            OneLine("件名に改行は使えません。1行で入力してください。"),
        ],
    )
    body = TextAreaField(
        "本文（Markdown）",
        validators=[DataRequired(message="本文を入力してください。"), Length(max=20000)],
    )
    title_en = StringField(
        "英語版の件名", validators=[Optional(), Length(max=200), OneLine(NO_BREAKS)]
    )
    body_en = TextAreaField("英語版の本文（Markdown）", validators=[Optional(), Length(max=20000)])
    title_easy = StringField(
        "やさしい日本語版の件名", validators=[Optional(), Length(max=200), OneLine(NO_BREAKS)]
    )
    body_easy = TextAreaField(
        "やさしい日本語版の本文（Markdown）", validators=[Optional(), Length(max=20000)]
    )
    topics = SelectMultipleField(
        "テーマ", coerce=int, validators=[DataRequired(message="テーマを1つ以上選んでください。")]
    )
    channels = SelectMultipleField(
        "配信方法",
        choices=[
            SelectChoice("email", "メール"),
            SelectChoice("webpush", "端末への通知"),
            SelectChoice("line", "LINE"),
        ],
        validators=[DataRequired(message="配信方法を選んでください。")],
    )
    rule_kind = RadioField(
        "配信のタイミング",
        choices=[
            SelectChoice("once", "日時を指定して1回"),
            SelectChoice("rrule", "繰り返し（毎年・毎月・毎週）"),
            SelectChoice("relative", "登録日から○日後"),
            SelectChoice("join", "登録したとき（歓迎のあいさつなど、確認のすぐあとに1回）"),
        ],
        default="once",
    )
    starts_at = DateTimeLocalField(
        "配信日時（繰り返しは開始日）", format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
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
    public = BooleanField("公開ページに載せる（あとから登録した人も読めるように）")
    ask_about = SelectField(
        "「この件で相談する」を付ける（申し込み先の制度）", validators=[Optional()], choices=[]
    )
    book_event = SelectField(
        "「予約する」を付ける（予約を受け付ける行事）", coerce=int, default=0, choices=[]
    )
    child_age_min = IntegerField(
        "子どもの年齢（下限）", validators=[Optional(), NumberRange(0, 25)]
    )
    child_age_max = IntegerField(
        "子どもの年齢（上限）", validators=[Optional(), NumberRange(0, 25)]
    )
    school_grade = SelectField("学年", coerce=_optional_int, choices=GRADES)
    school_year_offset = SelectField(
        "年度",
        coerce=int,
        choices=[SelectChoice(0, "今年度"), SelectChoice(1, "来年度（4月から）")],
        default=0,
    )

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        kind = self.rule_kind.data
        if kind in ("once", "rrule") and not self.starts_at.data:
            self.starts_at.errors = [*self.starts_at.errors, "配信日時を入力してください。"]
            valid = False
        if kind == "rrule":
            valid &= self.apply_repeat()
        if kind == "rrule":
            try:
                check_rrule(self.rrule.data, self.starts_at.data or datetime.now())
            except RuleError:
                self.rrule.errors = [
                    *self.rrule.errors,
                    "繰り返しのルールが使えません。1日に1回まで、毎年・毎月・毎週・毎日のルールに"
                    "してください（例：FREQ=YEARLY;BYMONTH=8;BYMONTHDAY=1）。",
                ]
                valid = False
        bodies = (self.body.data, self.body_en.data, self.body_easy.data)
        if "line" in (self.channels.data or []) and any(too_long_links(b or "") for b in bodies):
            self.body.errors = [
                *self.body.errors,
                f"LINEで送れないほど長いリンクがあります（{URI:,}文字まで）。短いリンクにしてください。",
            ]
            valid = False
        for title, body in ((self.title_en, self.body_en), (self.title_easy, self.body_easy)):
            if bool(title.data) != bool(body.data):  # half a version reads worse than none
                body.errors = [
                    *body.errors,
                    "件名と本文は両方入力してください（片方だけは使えません）。",
                ]
                valid = False
        if kind == "relative" and self.offset_days.data is None:
            self.offset_days.errors = [*self.offset_days.errors, "何日後かを入力してください。"]
            valid = False
        return valid


class TopicForm(Form):
    FIELDS = (
        "slug",
        "name_ja",
        "name_en",
        "name_easy",
        "description_ja",
        "description_en",
        "description_easy",
        "department",
    )

    slug = StringField(
        "識別名（半角の英小文字・数字・ハイフン。システムの中で使う短い名前で、保護者には見えません。例：yoikuhi）",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9-]+$", message="英小文字・数字・ハイフンで入力してください。"),
        ],
    )
    name_ja = StringField(
        "名前（日本語）", validators=[DataRequired(), Length(max=100), OneLine(NO_BREAKS)]
    )
    name_en = StringField(
        "名前（英語）", validators=[DataRequired(), Length(max=100), OneLine(NO_BREAKS)]
    )
    name_easy = StringField(
        "名前（やさしい日本語。なければ日本語を使います）",
        validators=[Length(max=100), OneLine(NO_BREAKS)],
    )
    description_ja = StringField("説明（日本語）", validators=[Length(max=300)])
    description_en = StringField("説明（英語）", validators=[Length(max=300)])
    description_easy = StringField("説明（やさしい日本語）", validators=[Length(max=300)])
    department = StringField("担当課", validators=[Length(max=100)])

    def data_for_audit(self) -> dict[str, Any]:
        return {name: getattr(self, name).data for name in self.FIELDS}


class SourceForm(Form):
    name = StringField(
        "設置場所の名前",
        validators=[DataRequired(message="設置場所の名前を入力してください。"), Length(max=200)],
    )


class DateListField(TextAreaField):
    """Dates, one a line (2027-05-06), kept as a sorted list of ISO dates."""

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        lines = [line.strip() for line in (valuelist[0] if valuelist else "").splitlines()]
        days = set()
        for line in filter(None, lines):
            try:
                days.add(date.fromisoformat(unicodedata.normalize("NFKC", line)).isoformat())
            except ValueError as error:
                self.data = []
                raise ValueError(
                    f"「{line[:20]}」は日付ではありません（2027-05-06 のように）。"
                ) from error
        self.data = sorted(days)


class OriginListField(TextAreaField):
    """Web origins, one a line (https://www.city.example.jp), kept as a sorted list."""

    def _value(self) -> str:
        return "\n".join(self.data or [])

    def process_formdata(self, valuelist: list[Any]) -> None:
        lines = [line.strip() for line in (valuelist[0] if valuelist else "").splitlines()]
        origins = set()
        for line in filter(None, lines):
            origin = unicodedata.normalize("NFKC", line).rstrip("/").lower()
            if not re.fullmatch(r"https://[a-z0-9.-]+(:\d{1,5})?", origin):
                self.data = []
                raise ValueError(
                    f"「{line[:40]}」はサイトのアドレスではありません"
                    "（https://www.city.example.jp のように、パスを付けずに）。"
                )
            origins.add(origin)
        self.data = sorted(origins)


class OrganisationForm(Form):
    FIELDS = (
        "name",
        "name_en",
        "name_easy",
        "sender_name",
        "sender_email",
        "contact_line",
        "privacy_contact",
        "registration_address",
        "closed_days",
        "website_origins",
        "card_lead_department",
        "call_from_landing",
        "staff_line_group",
    )

    name = StringField(
        "自治体の名前", validators=[DataRequired(), Length(max=200), OneLine(NO_BREAKS)]
    )
    name_en = StringField(
        "自治体の名前（英語。英語で読む保護者に見せます。空欄なら日本語の名前）",
        validators=[Length(max=200), OneLine(NO_BREAKS)],
    )
    name_easy = StringField(
        "自治体の名前（やさしい日本語。空欄なら日本語の名前）",
        validators=[Length(max=200), OneLine(NO_BREAKS)],
    )
    sender_name = StringField(
        "差出人の名前（メール）",
        validators=[DataRequired(), Length(max=200), OneLine(NO_BREAKS)],
    )
    sender_email = EmailField("差出人のアドレス", validators=[DataRequired(), Length(max=254)])
    contact_line = StringField("メールの末尾に載せる連絡先", validators=[Length(max=500)])
    privacy_contact = StringField("個人情報についての問い合わせ先", validators=[Length(max=500)])
    registration_address = EmailField(
        "空メール登録のアドレス（例：touroku@mail.city.example.jp。Inbound Parseで受けるもの）",
        filters=[lambda value: tidy_address(value).lower() if value else value],
        validators=[
            Length(max=254),
            Regexp(
                r"^[^+]*$",
                message="「+」は使えません（「+」のあとには、窓口のコードが入ります）。",
            ),
        ],
    )
    closed_days = DateListField(
        "閉庁日（土日・祝日・12月29日〜1月3日のほか。1行に1日、2027-05-06 のように。"
        "窓口の「連絡までの日数」に数えません）"
    )
    website_origins = OriginListField(
        "自治体のウェブサイト（質問への回答をサイトのチャットで使うとき。1行に1つ、"
        "https://www.city.example.jp のように）"
    )
    card_lead_department = StringField(
        "相談カードの担当課（入力すると、保護者が相談カードを作れるようになります。"
        "例：こども家庭課）",
        validators=[Length(max=100), OneLine(NO_BREAKS)],
    )
    call_from_landing = BooleanField(
        "窓口のQRコードのページに「相談員を呼ぶ」を出す（保護者が自分で担当課を呼べます）"
    )
    staff_line_group = StringField(
        "相談員の呼び出しを知らせる職員のLINEグループのID（自治体のLINE公式アカウントを"
        "グループに招待すると、アカウントがIDを答えます。空欄なら知らせません）",
        filters=[lambda value: (value or "").strip()],
        validators=[
            Length(max=64),
            Regexp(
                r"^(C[0-9a-f]{32})?$",
                message="「C」と32文字の英数字のIDを、アカウントが答えたとおりに入れてください。",
            ),
        ],
    )


class StaffForm(Form):
    email = EmailField(
        "メールアドレス", filters=[tidy_email], validators=[DataRequired(), Length(max=254)]
    )
    role = SelectField(
        "権限",
        choices=[
            SelectChoice("viewer", "閲覧"),
            SelectChoice("editor", "作成"),
            SelectChoice("admin", "管理者"),
            SelectChoice("counter", "戸籍窓口（相談カードを保護者と作るだけ）"),
        ],
    )
    department = StringField(
        "担当課（作成の権限では、この課のテーマだけ扱えます）", validators=[Length(max=100)]
    )
    password = PasswordField("最初のパスワード", validators=[DataRequired(), strong_password])


def _send_rate(form: Form, field: StringField) -> None:
    try:
        parse_rate_limits(field.data or "")
    except ValueError as error:
        raise ValidationError("「2000/秒」や「100000/分」の形で書いてください。") from error


class LineAccountForm(Form):
    account_id = StringField(
        "LINE公式アカウントのID（@から。LINE Official Account Managerに出ています）",
        filters=[lambda value: (value or "").strip().lower()],
        validators=[
            DataRequired("アカウントIDを入れてください。"),
            Regexp(ACCOUNT_ID.pattern + "$", message="@123abcde のように、@から入れてください。"),
        ],
    )
    channel_secret = PasswordField(
        "チャネルシークレット（LINE Developersの「チャネル基本設定」）",
        filters=[lambda value: (value or "").strip()],
        validators=[Optional(), Length(max=200)],
    )
    access_token = PasswordField(
        "チャネルアクセストークン（長期。LINE Developersの「Messaging API設定」）",
        filters=[lambda value: (value or "").strip()],
        validators=[Optional(), Length(max=1000)],
    )
    send_rate = StringField(
        "送る速さの上限（空欄なら標準。例：2000/秒）",
        filters=[lambda value: (value or "").strip()],
        validators=[Length(max=100), _send_rate],
    )
