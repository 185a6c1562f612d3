"""The staff console's forms for desks, programmes and answer templates (Japanese only, like
the rest of the console)."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    IntegerField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from service.support.catalogue import DESK_TEXTS, PROGRAMME_TEXTS
from service.support.eligibility import KINDS, clean
from service.support.guide import ANSWERS, CHILDREN, STAGES, WORRIES
from service.web.forms import LANG_NAMES, Form, OneLine

NO_BREAKS = "改行は使えません。"
TEXT_NAMES = {
    "name": "名前",
    "hours": "受付時間",
    "place": "場所",
    "summary": "概要",
    "eligibility": "対象となる方",
    "bring": "持ち物",
    "apply": "申請のしかた",
}
CONDITION_LABELS = {
    "children": "子どもの学年（どれかに当てはまる子がいる家庭）",
    "count": "子どもの人数（相談カードに生まれた年月を書いた家庭で分かります）",
    "stage": "いまの状況",
    "income": "世帯の年収",
    "support": "養育費の取り決め",
    "allowance": (
        "児童扶養手当の所得限度額（相談カードに手当の目安の数字を残した家庭で分かります。"
        "新しい年度の表が効力をもつ日から、その限度額で判定します）"
    ),
    "needs": "困りごと（どれかを選んだ家庭）",
}
# The children's school years in the words of an age limit: each lasts until the 31 March after
# a birthday, so "18歳になった年度の3月31日まで" is all four.
CONDITION_CHOICES = {
    "children": {
        "preschool": "小学校入学前（6歳になった年度の3月31日まで）",
        "elementary": "小学生（12歳になった年度の3月31日まで）",
        "junior-high": "中学生（15歳になった年度の3月31日まで）",
        "high-school": "高校生年代（18歳になった年度の3月31日まで）",
    }
}
ANSWER_NAMES = {
    **WORRIES,
    **{f"stage:{code}": text for code, text in STAGES.items()},
    **{f"child:{code}": text for code, text in CHILDREN.items()},
}


def _text_fields(names: dict[str, int], required: tuple[str, ...]) -> dict[str, Any]:
    """One field per text and language: Japanese required where the guide needs it, the
    others optional (the parent then sees the Japanese)."""
    fields = {}
    for name, limit in names.items():
        for lang, lang_name in LANG_NAMES.items():
            label = f"{TEXT_NAMES[name]}（{lang_name}）"
            validators: list[Any] = [Length(max=limit)]
            if lang == "ja" and name in required:
                validators.insert(
                    0, DataRequired(message=f"{TEXT_NAMES[name]}を入力してください。")
                )
            if name == "name":
                validators.append(OneLine(NO_BREAKS))
            kind = StringField if limit <= 200 else TextAreaField
            fields[f"{name}_{lang}"] = kind(label, validators=validators)
    return fields


class _DeskFields(Form):
    FIELDS = (
        *(f"{name}_{lang}" for name in DESK_TEXTS for lang in LANG_NAMES),
        "department",
        "phone",
        "takes_requests",
        "response_days",
        "notify_email",
        "active",
    )
    department = StringField(
        "担当課（この課の職員が申し込みを見ます）",
        validators=[DataRequired(message="担当課を入力してください。"), Length(max=100)],
    )
    phone = StringField("電話番号", validators=[Length(max=40)])
    takes_requests = BooleanField("相談の申し込みを受け付ける")
    response_days = IntegerField(
        "連絡までの日数（開庁日）",
        default=3,
        validators=[DataRequired(), NumberRange(min=1, max=30)],
    )
    notify_email = StringField(
        "毎朝の一覧を送るアドレス（個人情報は含みません）",
        validators=[
            Optional(),
            Length(max=254),
            Regexp(r"^[^@\s]+@[^@\s]+$", message="メールアドレスを入力してください。"),
        ],
    )
    active = BooleanField("使う", default=True)


class _ProgrammeFields(Form):
    FIELDS = (
        "slug",
        *(f"{name}_{lang}" for name in PROGRAMME_TEXTS for lang in LANG_NAMES),
        "url",
        "apply_url",
        "answers",
        "active",
    )
    slug = StringField(
        "識別名（半角の英小文字・数字・ハイフン。システムの中で使う短い名前で、保護者には見えません。例：yoikuhi）",
        validators=[
            DataRequired(),
            Length(max=64),
            Regexp(r"^[a-z0-9][a-z0-9-]*$", message="英小文字・数字・ハイフンで入力してください。"),
        ],
    )
    desk = SelectField("窓口", coerce=int, validators=[Optional()])
    topics = SelectMultipleField(
        "関係するテーマ（「お知らせを受け取る」で選ばれます）",
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    url = StringField(
        "市のページ",
        validators=[
            Optional(),
            Length(max=500),
            URL(message="https:// で始まるURLを入力してください。"),
        ],
    )
    apply_url = StringField(
        "オンライン申請のページ（e-申請、ぴったりサービス、市のフォームなど。なければ空欄）",
        validators=[
            Optional(),
            Length(max=500),
            URL(message="https:// で始まるURLを入力してください。"),
        ],
    )
    answers = SelectMultipleField(
        "ガイドで表示する答え",
        choices=[
            SelectChoice(code, ANSWER_NAMES[code]) for code in ANSWERS
        ],  # in the page's language
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    active = BooleanField("ガイドに表示する", default=True)

    def conditions(self) -> dict[str, list[str]]:
        """The conditions ticked, kind by kind (service.support.eligibility)."""
        return clean({kind: getattr(self, f"condition_{kind}").data for kind in KINDS})


for _kind, (_names, _about) in KINDS.items():
    setattr(
        _ProgrammeFields,
        f"condition_{_kind}",
        SelectMultipleField(
            CONDITION_LABELS[_kind],
            choices=[
                SelectChoice(code, CONDITION_CHOICES.get(_kind, {}).get(code, name))
                for code, name in _names.items()
            ],
            widget=ListWidget(prefix_label=False),
            option_widget=CheckboxInput(),
            validators=[Optional()],
        ),
    )


DeskForm = type("DeskForm", (_DeskFields,), _text_fields(DESK_TEXTS, required=("name",)))
ProgrammeForm = type(
    "ProgrammeForm",
    (_ProgrammeFields,),
    _text_fields(PROGRAMME_TEXTS, required=("name", "summary")),
)


class AnswerTemplateForm(Form):
    title = StringField(
        "定型文の名前", validators=[DataRequired(), Length(max=100), OneLine(NO_BREAKS)]
    )
    body = TextAreaField("本文", validators=[DataRequired(), Length(max=2000)])
