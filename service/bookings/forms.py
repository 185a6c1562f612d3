"""The parent's booking form, and the staff's event form."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField
from wtforms.fields import StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from service.web.forms import Form, email_field

MAX_QUESTIONS = 3


class BookingForm(Form):
    link = HiddenField()  # a registered parent's BOOK link: who they are, where they hear
    source = HiddenField()  # the counter the parent came from (reports)
    via = HiddenField()  # the card's message whose link brought the parent here (FOLLOW)
    slot = RadioField(
        _l("Choose a time"),
        coerce=int,
        validators=[InputRequired(message=_l("Please choose a time."))],
    )
    childcare = SelectField(_l("Childcare"), coerce=int, default=0, validators=[Optional()])
    answer_0 = StringField(validators=[Optional(), Length(max=200)])
    answer_1 = StringField(validators=[Optional(), Length(max=200)])
    answer_2 = StringField(validators=[Optional(), Length(max=200)])
    email = email_field(Optional())
    consent = BooleanField(
        validators=[DataRequired(message=_l("Please agree so that we can keep your booking."))]
    )

    def answers(self, count: int) -> tuple[str, ...]:
        return tuple((getattr(self, f"answer_{i}").data or "").strip() for i in range(count))

    def check_answers(self, questions: list[dict[str, Any]]) -> bool:
        valid = True
        for index, question in enumerate(questions[:MAX_QUESTIONS]):
            field = getattr(self, f"answer_{index}")
            if question.get("required") and not (field.data or "").strip():
                field.errors = [*field.errors, _l("Please answer this question.")]
                valid = False
        return valid


class MoveForm(Form):
    slot = RadioField(
        _l("Choose a new time"),
        coerce=int,
        validators=[InputRequired(message=_l("Please choose a time."))],
    )
