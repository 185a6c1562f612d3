"""The estimator's questions: the children's birth months, the income (収入 or 所得, with which
to use), the child support received and the dependents. Amounts as a phone's keyboard gives
them: full width, commas, 「万」."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, IntegerField, RadioField, SelectChoice, StringField
from wtforms.validators import InputRequired, NumberRange, Optional, ValidationError

from service.allowance.estimate import Household
from service.web.forms import Form, birth_months

_AMOUNT = re.compile(r"^(\d+(?:\.\d+)?)(万)?円?$")


def yen(value: Any) -> Any:
    """「180万」「１，８００，０００円」 → 1800000; anything else is left for the validator."""
    if not isinstance(value, str):
        return value
    plain = unicodedata.normalize("NFKC", value).replace(",", "").replace(" ", "").strip()
    match = _AMOUNT.match(plain)
    if not match:
        return plain
    number = float(match.group(1)) * (10_000 if match.group(2) else 1)
    return str(round(number))


class YenField(StringField):
    """An amount of yen, as written; `data` is an int (None when empty)."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        super().process_formdata(valuelist)
        value = yen(self.data)
        if value in (None, ""):
            self.data = None
        elif isinstance(value, str) and value.isdigit() and len(value) <= 10:
            self.data = int(value)
        else:
            self.data = None
            raise ValueError(_l("Please write the amount in yen, like 1800000 or 180万."))


class EstimateForm(Form):
    children = FieldList(StringField(validators=[Optional()]), min_entries=3, max_entries=8)
    income_kind = RadioField(
        _l("Which figure do you have?"),
        choices=[
            SelectChoice("salary", _l("Salary before deductions (支払金額 on the 源泉徴収票)")),
            SelectChoice(
                "salary-income",
                _l("Salary after deductions (給与所得控除後の金額 on the 源泉徴収票)"),
            ),
            SelectChoice(
                "other",
                _l("Income from a business or other work (所得金額 on a tax return)"),
            ),
        ],
        default="salary",
        validators=[InputRequired()],
    )
    income = YenField(_l("Your income for the year (yen)"))
    support = YenField(_l("Child support (養育費) you receive a month (yen, optional)"))
    dependents = IntegerField(
        _l("Dependents on your tax return (optional)"),
        validators=[Optional(), NumberRange(min=0, max=10)],
    )

    def validate_children(self, field: FieldList) -> None:
        if not birth_months(field.entries):
            raise ValidationError(_l("Please give the birth month of at least one child."))

    def validate_income(self, field: YenField) -> None:
        if field.data is None:
            raise ValidationError(_l("Please write your income, even if it is 0."))

    def household(self) -> Household:
        children = tuple(birth_months(self.children.entries))
        under_age = sum(1 for month in children if month.year >= date.today().year - 18)
        dependents = self.dependents.data
        return Household(
            children=children,
            income=self.income.data or 0,
            income_kind=self.income_kind.data or "salary",
            support=(self.support.data or 0) * 12,
            dependents=under_age if dependents is None else dependents,
        )
