"""The form parts every page uses: the base of every form (Flask-WTF's, with WTForms' own
messages translated from a catalogue loaded once per language — Flask-WTF parses it again on
every request, a tenth of a page's CPU), a CSRF-only form, the email field, children's birth
months, the repeat fields of a schedule, the languages' names, and saving a form's fields with
their audit record."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, time
from functools import cache
from typing import Any

from babel import support
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlmodel import Session
from wtforms import EmailField, SelectChoice, SelectField, SelectMultipleField, StringField
from wtforms.i18n import messages_path
from wtforms.validators import Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from service.addresses import reachable, tidy_address
from service.audit import record_audit
from service.calendar.plain_rules import KINDS as REPEAT_KINDS
from service.calendar.plain_rules import (
    NTH_NAMES,
    ODD_MONTHS,
    WEEKDAY_NAMES,
    PlainRule,
    read_rrule,
)
from service.languages import babel_locale


@cache
def _catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class OneLine:
    """A title or a name: it becomes an email's subject or sender, where a line break would
    break the message (and could add headers to it)."""

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.data and any(char in field.data for char in "\r\n"):
            raise ValidationError(self.message)


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> support.NullTranslations:
            return _catalogue(babel_locale())

        def render_field(self, field: Any, render_kw: dict[str, Any]) -> Any:
            """A wrong field says so to assistive technology, points to its message (the
            field_errors macro of templates/_errors.html) and takes the focus."""
            if field.errors:
                render_kw = {
                    "aria-invalid": "true",
                    "aria-describedby": f"{field.id}-error",
                    "autofocus": True,
                    **render_kw,
                }
            return super().render_field(field, render_kw)


def flatten_errors(errors: Any) -> list[str]:
    """A field's messages as one list: a list of fields (FieldList) has one list per entry."""
    if isinstance(errors, (list, tuple)):
        return [message for item in errors for message in flatten_errors(item)]
    if isinstance(errors, dict):
        return [message for item in errors.values() for message in flatten_errors(item)]
    return [str(errors)]


def reachable_address(form: Any, field: Any) -> None:
    """An address mail can reach, or a message that says what to change in it. Old docomo and
    au addresses that break today's rules (taro..hanako.@…) are taken: they are sent to with
    their name in quotes, as SendGrid asks."""
    value = field.data or ""
    if not value:
        return
    if "@" not in value:
        raise ValidationError(_l("The address needs an “@”, like hanako@example.jp."))
    if not value.isascii():
        raise ValidationError(
            _l("Please type the address in half-width letters (半角), like hanako@example.jp.")
        )
    if any(char.isspace() for char in value):
        raise ValidationError(_l("Please take out the space in the address."))
    if not reachable(value):
        raise ValidationError(
            _l("Please check the address: it should look like hanako@example.jp.")
        )


def email_field(presence: Any) -> EmailField:
    return EmailField(
        _l("Email address"),
        filters=[lambda value: tidy_address(value) if value else value],
        validators=[presence, Length(max=254), reachable_address],
    )


_MONTH = re.compile(r"^(\d{4})\D{1,2}(\d{1,2})\D?$")


def birth_months(entries: Sequence[Any]) -> list[date]:
    """The children's birth months typed in a form's rows (the 1st of each; empty rows left
    out, twins twice), as a phone's keyboard may give them: 2019-04, ２０１９－０４, 2019/4,
    2019年4月. Raises ValidationError for one that is not a month of the last 20 years."""
    months = []
    today = date.today()
    for entry in entries:
        value = unicodedata.normalize("NFKC", entry.data or "").strip()
        if not value:
            continue
        match = _MONTH.match(value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise ValidationError(_l("Please give each child's birth month like 2019-04."))
        month = date(int(match.group(1)), int(match.group(2)), 1)
        if not today.replace(year=today.year - 20) <= month <= today:
            raise ValidationError(_l("A child's birth month must be within the last 20 years."))
        months.append(month)
    return months


class CsrfOnlyForm(Form):
    """A form whose fields are read by hand; this checks the CSRF token."""


LANG_NAMES = {"ja": "日本語", "en": "英語", "easy": "やさしい日本語"}


def repeat_defaults(rrule: str | None) -> tuple[dict[str, Any], time | None]:
    """The notice form's repeat fields for a stored rule: in words where it has words, else
    詳細; and the rule's own time of day, if it says one."""
    rule, at = read_rrule(rrule)
    if rule is None:
        return {"repeat": "custom"}, None
    fields: dict[str, Any] = {
        "repeat": rule.kind,
        "repeat_month": rule.month or 1,
        "repeat_day": rule.day or 1,
        "repeat_nth": rule.nth or 1,
    }
    if rule.kind.endswith("_nth"):
        fields["repeat_weekday"] = rule.weekdays[0]
    elif rule.kind == "weekly":
        fields["repeat_weekdays"] = list(rule.weekdays)
    elif rule.kind == "months_day":
        fields["repeat_months"] = list(rule.months)
    return fields, at


class RepeatFields(Form):
    """A repeat in words (毎年8月1日, 毎月第2水曜日, 毎週平日), written into `rrule`; the RRULE
    itself under 詳細 for the rare rule the words cannot say."""

    repeat = SelectField(
        "繰り返し方",
        choices=[SelectChoice(code, name) for code, name in REPEAT_KINDS.items()],
        default="custom",
    )
    repeat_month = SelectField(
        "月", coerce=int, choices=[SelectChoice(m, f"{m}月") for m in range(1, 13)], default=8
    )
    repeat_day = SelectField(
        "日",
        coerce=int,
        choices=[*(SelectChoice(d, f"{d}日") for d in range(1, 32)), SelectChoice(-1, "末日")],
        default=1,
    )
    repeat_nth = SelectField(
        "週",
        coerce=int,
        choices=[SelectChoice(n, name) for n, name in NTH_NAMES.items()],
        default=1,
    )
    repeat_weekday = SelectField(
        "曜日",
        choices=[SelectChoice(day, f"{name}曜日") for day, name in WEEKDAY_NAMES.items()],
        default="MO",
    )
    repeat_weekdays = SelectMultipleField(
        "曜日（毎週）",
        choices=[SelectChoice(day, f"{name}曜日") for day, name in WEEKDAY_NAMES.items()],
        default=["MO", "TU", "WE", "TH", "FR"],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    repeat_months = SelectMultipleField(
        "月（奇数月なら1・3・5・7・9・11月）",
        coerce=int,
        choices=[SelectChoice(month, f"{month}月") for month in range(1, 13)],
        default=list(ODD_MONTHS),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )
    rrule = StringField("RRULE（詳細）", validators=[Optional(), Length(max=500)])

    def plain_rule(self) -> PlainRule:
        """The repeat as chosen in words (for any choice but 詳細)."""
        return PlainRule(
            self.repeat.data,
            month=self.repeat_month.data,
            day=self.repeat_day.data,
            nth=self.repeat_nth.data,
            weekdays=(self.repeat_weekday.data,)
            if self.repeat.data.endswith("_nth")
            else tuple(self.repeat_weekdays.data or ()),
            months=tuple(sorted(set(self.repeat_months.data or ()))),
        )

    def apply_repeat(self) -> bool:
        """Write the rule the words say into `rrule`, when the form sent words (a script may
        send the RRULE alone). False, with the error on its field, if a part is missing."""
        if not self.repeat.raw_data or self.repeat.data in ("custom", "once"):
            return True
        if self.repeat.data == "weekly" and not self.repeat_weekdays.data:
            self.repeat_weekdays.errors = ["曜日を1つ以上選んでください。"]
            return False
        if self.repeat.data == "months_day" and len(set(self.repeat_months.data or ())) < 2:
            self.repeat_months.errors = ["月を2つ以上選んでください（1つなら「毎年」を選びます）。"]
            return False
        self.rrule.data = self.plain_rule().to_rrule()
        return True


def save_audited(
    session: Session,
    item: Any,
    form: Form,
    fields: Sequence[str],
    *,
    kind: str,
    values: Mapping[str, Any] | None = None,
) -> None:
    """Copy the form's fields, and `values` made from several fields, onto the row (new or
    not) and record before and after in the audit log, as "<kind>.save" of "<kind>:<id>". An
    empty text field is "", an empty date None; the log keeps dates as ISO text."""
    made = dict(values or {})
    names = [*fields, *made]
    before = {name: _logged(getattr(item, name)) for name in names}
    for name in fields:
        field = getattr(form, name)
        empty = "" if isinstance(field, StringField) else None
        setattr(item, name, empty if field.data is None else field.data)
    for name, value in made.items():
        setattr(item, name, value)
    session.add(item)
    session.flush()  # a new row gets its id
    record_audit(
        session,
        staff=current_user,
        action=f"{kind}.save",
        target=f"{kind}:{item.id}",
        before=before,
        after={name: _logged(getattr(item, name)) for name in names},
    )


def _logged(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value
