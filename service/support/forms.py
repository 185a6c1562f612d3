"""The parent's forms of the guide and of a consultation request."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.fields import StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from service.support.guide import CHILDREN, STAGES, WORRIES
from service.support.models import ContactWay
from service.support.requests import CONTACT_WAYS
from service.web.forms import Form, email_field

SAFE_TIMES = {
    "morning": _l("Weekday mornings"),
    "afternoon": _l("Weekday afternoons"),
    "any": _l("Any time the desk is open"),
}
_PHONE = re.compile(r"0\d{9,10}")


def checkboxes(label: Any, choices: dict[str, Any]) -> SelectMultipleField:
    return SelectMultipleField(
        label,
        choices=[SelectChoice(code, text) for code, text in choices.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validators=[Optional()],
    )


class GuideForm(Form):
    """Every question may be left unanswered."""

    stage = RadioField(
        _l("Where are you now?"),
        choices=[SelectChoice(code, text) for code, text in STAGES.items()],
        validators=[Optional()],
    )
    children = checkboxes(_l("How old are your children?"), CHILDREN)
    worries = checkboxes(_l("What would you like help with?"), WORRIES)
    source = HiddenField()


def tidy_phone(value: str | None) -> str | None:
    """A number as a phone's keyboard gives it (０９０－１２３４－５６７８), as digits only."""
    if not value:
        return value
    plain = unicodedata.normalize("NFKC", value)
    return re.sub(r"[\s\-‐－―ー()（）]", "", plain)


class ContactForm(Form):
    """How the city may reach the parent: only the detail the chosen way needs, and when."""

    contact_way = RadioField(
        _l("How should the desk contact you?"),
        # LINE is offered in the LINE chat, where the parent's LINE account is known.
        choices=[
            SelectChoice(way, CONTACT_WAYS[way])
            for way in (ContactWay.PHONE, ContactWay.EMAIL, ContactWay.VISIT)
        ],
        validators=[InputRequired(message=_l("Please choose how the desk should contact you."))],
    )
    phone = StringField(
        _l("Phone number"), filters=[tidy_phone], validators=[Optional(), Length(max=20)]
    )
    email = email_field(Optional())
    safe_times = checkboxes(_l("When is it safe to contact you?"), SAFE_TIMES)
    may_say_city = BooleanField(_l("The caller may say they are calling from the city"))

    def validate_phone(self, field: StringField) -> None:
        if field.data and not _PHONE.fullmatch(field.data):
            raise ValidationError(
                _l("Please enter the number with its area code, like 090-1234-5678.")
            )

    def validate(self, extra_validators: Any = None) -> bool:
        """Only the detail the chosen way needs is asked for (an empty optional field stops
        its own validators, so the need is checked here)."""
        valid = super().validate(extra_validators)
        way = self.contact_way.data
        if way == ContactWay.PHONE and not self.phone.data:
            self.phone.errors = [*self.phone.errors, _l("Please enter your phone number.")]
            return False
        if way == ContactWay.EMAIL and not self.email.data:
            self.email.errors = [*self.email.errors, _l("Please enter your email address.")]
            return False
        return valid

    @property
    def contact_detail(self) -> str | None:
        """The phone number or address the chosen way needs (None for a visit)."""
        way = self.contact_way.data
        return {ContactWay.PHONE: self.phone.data, ContactWay.EMAIL: self.email.data}.get(way)


class RequestForm(ContactForm):
    link = HiddenField()  # a registered parent's own address to be answered through (ASK)
    programme = HiddenField()
    topic = HiddenField()
    source = HiddenField()
    unsafe = HiddenField()  # the parent said home is not safe (in the guide, or "not safe")
    via = HiddenField()  # the card's message whose link brought the parent here (FOLLOW)
    home_unsafe = BooleanField(_l("Home is not safe for me (DV, violence or fear at home)"))
    may_leave_message = BooleanField(_l("The desk may leave a message on my answering machine"))
    message = TextAreaField(
        _l("Anything the desk should know (optional)"),
        validators=[Optional(), Length(max=500)],
    )
    consent = BooleanField(
        validators=[
            DataRequired(message=_l("Please agree so that the desk may use this to contact you."))
        ]
    )


class ReplyForm(Form):
    """The parent's words back to the desk, added to their request (an email to them cannot be
    answered: it comes from a send-only address, and a reply would copy their inbox into the
    city's mail)."""

    reply = TextAreaField(
        _l("Your message to the desk"),
        validators=[DataRequired(message=_l("Please write your message.")), Length(max=1000)],
    )
