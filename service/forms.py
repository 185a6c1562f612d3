"""The base of every form: Flask-WTF's, with WTForms' own messages ("Not a valid date value")
translated from a catalogue loaded once per language — Flask-WTF parses it again on every
request, a tenth of a page's CPU."""

from __future__ import annotations

from functools import cache
from typing import Any

from babel import support
from flask_wtf import FlaskForm
from wtforms.i18n import messages_path

from service.languages import babel_locale


@cache
def _catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> support.NullTranslations:
            return _catalogue(babel_locale())
