from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.fields import FieldList
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from service.languages import LANGUAGES
from service.web.forms import Form, birth_months, email_field


class ChoicesForm(Form):
    """What a parent chooses: topics, the day deadlines count from, children, consent."""

    topics = SelectMultipleField(
        _l("Topics"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(message=_l("Please choose at least one topic."))],
    )
    anchor_date = DateField(validators=[Optional()])
    children = FieldList(StringField(validators=[Optional()]), min_entries=3, max_entries=6)
    consent = BooleanField(
        validators=[DataRequired(message=_l("Please agree to the privacy notice to continue."))]
    )

    def validate_anchor_date(self, field: DateField) -> None:
        today = date.today()
        if field.data and not today - timedelta(days=366) <= field.data <= today:
            raise ValidationError(
                _l("The day your deadlines count from must be within the last year.")
            )

    def validate_children(self, field: FieldList) -> None:
        self.birth_months()

    def birth_months(self) -> list[date]:
        """The children's birth months given (first day of each month); raises if one is wrong."""
        # Twins need one row: targeting asks "is there a child of …".
        return sorted(set(birth_months(self.children.entries)))


class SubscribeForm(ChoicesForm):
    source = HiddenField(validators=[DataRequired()])
    push = BooleanField()
    push_token = HiddenField(validators=[Optional(), Length(max=4096)])
    email = email_field(Optional())  # when this device gets notifications: see validate()
    channel = HiddenField()  # "line" from the LINE button: no address is asked for

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self.channel.data == "line":
            return valid
        if not self.email.data and not self.push_token.data:  # one way to reach the parent
            self.email.errors = [*self.email.errors, _l("Please enter your email address.")]
            return False
        return valid


class SettingsForm(Form):
    anchor_date = DateField(_l("The day your deadlines count from"), validators=[Optional()])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice(code, name) for code, name in LANGUAGES.items()]
    )
    push_previews = BooleanField(_l("Show the notice's words on the lock screen"))


class PauseForm(Form):
    weeks = SelectField(_l("Pause"), coerce=int, choices=[SelectChoice(n) for n in (1, 4, 12)])


class AddEmailForm(Form):
    email = email_field(DataRequired(message=_l("Please enter your email address.")))


class EraseForm(Form):
    sure = BooleanField(
        validators=[DataRequired(message=_l("Please tick the box to confirm the deletion."))]
    )


class AddDeviceForm(Form):
    push_token = HiddenField(validators=[DataRequired(), Length(max=4096)])
