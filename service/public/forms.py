from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget


class SubscribeForm(FlaskForm):
    source = HiddenField(validators=[DataRequired()])
    topics = SelectMultipleField(
        _l("Topics"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[InputRequired(message=_l("Please choose at least one topic."))],
    )
    email = EmailField(
        _l("Email address"),
        filters=[lambda value: value.strip() if value else value],  # phone keyboards add spaces
        validators=[
            DataRequired(message=_l("Please enter your email address.")),
            Length(max=254),
            Email(
                message=_l("Please check your email address: it looks incomplete."),
                check_deliverability=False,
            ),
        ],
    )
    consent = BooleanField(
        validators=[DataRequired(message=_l("Please agree to the privacy notice to continue."))]
    )


class CsrfOnlyForm(FlaskForm):
    """A form whose fields are read by hand; this checks the CSRF token."""


class SettingsForm(FlaskForm):
    anchor_date = DateField(_l("The day your reminders count from"), validators=[Optional()])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("ja", "日本語"), SelectChoice("en", "English")]
    )
    push_previews = BooleanField(_l("Show the notice's words on the lock screen"))


class PauseForm(FlaskForm):
    weeks = SelectField(_l("Pause"), coerce=int, choices=[SelectChoice(n) for n in (1, 4, 12)])


class AddEmailForm(FlaskForm):
    email = EmailField(
        _l("Email address"),
        filters=[lambda value: value.strip() if value else value],
        validators=[
            DataRequired(message=_l("Please enter your email address.")),
            Length(max=254),
            Email(
                message=_l("Please check your email address: it looks incomplete."),
                check_deliverability=False,
            ),
        ],
    )


class EraseForm(FlaskForm):
    sure = BooleanField(
        validators=[DataRequired(message=_l("Please tick the box to confirm the deletion."))]
    )
