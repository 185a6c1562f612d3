"""The parent's form of the card: what they choose to tell, how the city may reach them, and
which departments may see it (none ticked until they tick it); and a department's record."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    FieldList,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    StringField,
    TextAreaField,
)
from wtforms.fields import MonthField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from service.allowance.estimate import Figures
from service.cards.cards import Told
from service.family import AGREED, INCOME_BANDS, STAGES
from service.support.forms import ContactForm, checkboxes
from service.support.guide import CHILDREN, WORRIES
from service.web.forms import Form, birth_months


def _radio(label: Any, choices: dict[str, Any]) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(code, text) for code, text in choices.items()],
        validators=[Optional()],
    )


def _figure(highest: int) -> IntegerField:
    return IntegerField(
        widget=HiddenInput(), validators=[Optional(), NumberRange(min=0, max=highest)]
    )


class CardForm(ContactForm):
    from_guide = HiddenField()  # the guide's answers arrive: fill the form, check nothing yet
    stage = _radio(_l("Where are you now?"), STAGES)
    since = MonthField(_l("Since when (month, optional)"), validators=[Optional()])
    children = checkboxes(_l("How old are your children?"), CHILDREN)
    birth_months = FieldList(StringField(validators=[Optional()]), min_entries=2, max_entries=6)
    needs = checkboxes(_l("What would you like help with?"), WORRIES)
    income_band = _radio(_l("Household income (optional)"), INCOME_BANDS)
    support_agreed = _radio(_l("Has child support (養育費) been agreed? (optional)"), AGREED)
    allowance_since = MonthField(
        _l("If you receive the child-rearing allowance (児童扶養手当): since when (optional)"),
        validators=[Optional()],
    )
    # The estimate's figures, carried from its page (or the card's) and kept only if ticked.
    figures_income = _figure(10**10)
    figures_support = _figure(10**10)
    figures_dependents = _figure(20)
    figures_income_year = _figure(2100)
    figures_salaried = _figure(1)
    keep_figures = BooleanField(
        _l(
            "Keep these figures on my card, so that the city can tell me when a new year's "
            "limits change what I may receive"
        )
    )
    home_unsafe = BooleanField(_l("Home is not safe for me (DV, violence or fear at home)"))
    tell_me = BooleanField(
        _l("Tell me, by email or in LINE, about support I may be able to use (you can stop it)")
    )
    note = TextAreaField(
        _l("Anything the city should know (optional)"),
        validators=[Optional(), Length(max=1000)],
    )
    departments = checkboxes(_l("Who may see your card"), {})

    def told(self, locale: str) -> Told:
        since = self.since.data
        return Told(
            stage=self.stage.data or "",
            since=date(since.year, since.month, 1) if since else None,
            children=tuple(self.children.data or ()),
            needs=tuple(self.needs.data or ()),
            income_band=self.income_band.data or "",
            support_agreed=self.support_agreed.data or "",
            contact_way=self.contact_way.data or "",
            contact=self.contact_detail,
            safe_times=tuple(self.safe_times.data or ()),
            may_say_city=bool(self.may_say_city.data),
            unsafe_at_home=bool(self.home_unsafe.data),
            note=(self.note.data or "").strip(),
            locale=locale,
            tell_me=bool(self.tell_me.data),
            birth_months=tuple(
                m.strftime("%Y-%m") for m in sorted(birth_months(self.birth_months.entries))
            ),
            allowance_since=(
                date(self.allowance_since.data.year, self.allowance_since.data.month, 1)
                if self.allowance_since.data
                else None
            ),
            allowance_figures=self.figures() if self.keep_figures.data else None,
        )

    def figures(self) -> Figures | None:
        """The estimate's figures this form carries, if it carries them whole."""
        income, support = self.figures_income.data, self.figures_support.data
        dependents, year = self.figures_dependents.data, self.figures_income_year.data
        if income is None or support is None or dependents is None or year is None:
            return None
        return Figures(income, support, dependents, year, self.figures_salaried.data or 0)

    def carry(self, figures: Figures | None) -> None:
        if figures is not None:
            self.figures_income.data = figures.income
            self.figures_support.data = figures.support
            self.figures_dependents.data = figures.dependents
            self.figures_income_year.data = figures.income_year
            self.figures_salaried.data = figures.salaried

    def validate_birth_months(self, field: FieldList) -> None:
        birth_months(field.entries)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if not self.departments.data:
            self.departments.errors = [
                *self.departments.errors,
                _l("Please tick at least one department that may see your card."),
            ]
            return False
        return valid


class RecordForm(Form):
    kind = RadioField(
        "記録",
        choices=[SelectChoice("contact", "連絡した"), SelectChoice("note", "メモ")],
        default="contact",
    )
    body = TextAreaField(
        "内容（例：児童扶養手当の申請を案内）",
        validators=[DataRequired(message="内容を書いてください。"), Length(max=2000)],
    )
    shared = BooleanField("ほかの共有先の課にも見せる")

    def offer_writing(self) -> None:
        """The parent can be written to (email or LINE, home safe): the words may go to them."""
        self.kind.choices = [
            *(self.kind.choices or []),
            SelectChoice(
                "message", "保護者に送る（選ばれたメール・LINEに、この課の名前で届きます）"
            ),
        ]
