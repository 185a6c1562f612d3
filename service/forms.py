"""The base of every form: Flask-WTF's, with WTForms' own messages ("Not a valid date value")
translated from a catalogue loaded once per language — Flask-WTF parses it again on every
request, a tenth of a page's CPU."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import support
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

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
