from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, SelectMultipleField
from wtforms.validators import DataRequired, Email, InputRequired, Length
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
