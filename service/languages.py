"""The languages a parent can choose.

やさしい日本語 (easy Japanese) has no tag of its own in CLDR, and gettext looks up "ja" under
ja_JP first, so easy Japanese cannot be a locale of its own: it is Babel locale "ja" with a
catalogue of its own, the gettext domain "easy" (translations/ja/LC_MESSAGES/easy.po).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from flask import current_app, g, has_app_context, has_request_context, request
from flask_babel import Domain, force_locale, refresh
from flask_babel import get_domain as _babel_domain

# Our codes, as stored on the subscriber and used in ?lang=.
LANGUAGES = {"ja": "日本語", "easy": "やさしい日本語", "en": "English"}
EASY = Domain(domain="easy")


def current_language() -> str:
    """The one a message is being written in (in_language), else ?lang= if given, else the one
    the view chose (the subscriber's), else Japanese."""
    if has_app_context() and (forced := g.get("message_language")):
        return str(forced)
    if has_request_context() and request.args.get("lang") in LANGUAGES:
        return str(request.args["lang"])
    return str(g.get("language", "ja")) if has_request_context() else "ja"


def babel_locale() -> str:
    """Flask-Babel's locale selector."""
    return "en" if current_language() == "en" else "ja"


def html_lang(language: str | None = None) -> str:
    return "en" if (language or current_language()) == "en" else "ja"


def _set_domain(language: str) -> None:
    context = g._flask_babel  # Flask-Babel's per-context state
    context.babel_domain = EASY if language == "easy" else _default_domain()


def _default_domain() -> Domain:
    return current_app.extensions["babel"].instance.domain_instance


def use_language(language: str) -> None:
    """For the rest of this request, speak `language` (e.g. the subscriber's)."""
    g.language = language if language in LANGUAGES else "ja"
    refresh()
    _babel_domain()  # make Flask-Babel create its per-context state
    _set_domain(g.language)


def start_request() -> None:
    """Before each request: the language asked for in the URL, if any."""
    use_language(current_language())


@contextmanager
def in_language(language: str) -> Iterator[None]:
    """Render in `language` (outside requests too: the worker's emails)."""
    _babel_domain()
    context = g._flask_babel
    previous = getattr(context, "babel_domain", None)
    previous_language = g.get("message_language")
    _set_domain(language)
    g.message_language = language if language in LANGUAGES else "ja"
    try:
        with force_locale("en" if language == "en" else "ja"):
            yield
    finally:
        context.babel_domain = previous if previous is not None else _default_domain()
        g.message_language = previous_language


class Named(Protocol):
    name: str
    name_en: str
    name_easy: str


def city_name(organisation: Named) -> str:
    """The city's name in the language being spoken, or its Japanese name."""
    language = current_language()
    local = {"en": organisation.name_en, "easy": organisation.name_easy}.get(language)
    return local or organisation.name
