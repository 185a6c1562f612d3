"""Yorisou: notice subscriptions for a municipality's single-parent support section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, request
from flask_babel import Babel, format_date, format_datetime
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session
from werkzeug.routing import IntegerConverter, Map

from service.calendar import describe_rule
from service.db import Database
from service.furigana import furigana
from service.languages import (
    LANGUAGES,
    babel_locale,
    city_name,
    current_language,
    html_lang,
    start_request,
)
from service.proxies import ClientAddress, parse_networks
from service.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# What the Firebase SDK in the parent's browser talks to when push is on.
FIREBASE_CONNECT = (
    "; connect-src 'self' https://fcmregistrations.googleapis.com "
    "https://firebaseinstallations.googleapis.com https://fcm.googleapis.com"
)


class DatabaseId(IntegerConverter):
    """<int:…> in a URL: a number a database id column can hold, or the page is not found."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **{"max": 2**31 - 1, **kwargs})


# Requests whose body may be larger than MAX_CONTENT_LENGTH: a city's programme catalogue, an
# existing mailing list.
UPLOAD_LIMITS = {
    "staff.import_catalogue_file": 2 * 1024 * 1024,
    "staff.import_list": 20 * 1024 * 1024,  # 100,000 parents are about 6 MB
    "staff.answers_import": 3 * 1024 * 1024,  # a 2 MB file, or the same carried by the dry run
    "api.replace_catalogue": 2 * 1024 * 1024,
}


def _larger_uploads() -> None:
    if limit := UPLOAD_LIMITS.get(request.endpoint or ""):
        request.max_content_length = request.max_form_memory_size = limit


def create_app(
    settings: Settings | None = None, database: Database | None = None, *, web: bool = True
) -> Flask:
    """The app; `web=False` (the worker): no pages, only what rendering messages needs."""
    settings = settings or Settings.from_env()
    app = Flask(
        __name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static")
    )
    app.url_map.converters["int"] = DatabaseId
    if settings.trusted_proxies:
        app.wsgi_app = ClientAddress(  # type: ignore[method-assign]
            app.wsgi_app, parse_networks(settings.trusted_proxies)
        )
    app.config.update(
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.production,
        REMEMBER_COOKIE_SECURE=settings.production,
        PREFERRED_URL_SCHEME="https" if settings.production else "http",
        BABEL_DEFAULT_LOCALE="ja",
        BABEL_DEFAULT_TIMEZONE=settings.timezone,
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "service" / "translations"),
        RATELIMIT_ENABLED=settings.ratelimit_enabled,
        RATELIMIT_STORAGE_URI=settings.ratelimit_storage_uri,
        # Redis gone for a moment: each process counts alone rather than refusing parents.
        RATELIMIT_IN_MEMORY_FALLBACK_ENABLED=True,
        RATELIMIT_SWALLOW_ERRORS=True,
        MAX_CONTENT_LENGTH=64 * 1024,
    )
    app.extensions["yorisou.settings"] = settings
    app.extensions["yorisou.database"] = database or Database.from_url(settings.database_url)

    Babel(app, locale_selector=babel_locale, timezone_selector=lambda: settings.timezone)
    if web:
        from service import routes
        from service.extensions import csrf, limiter, login_manager

        app.before_request(_larger_uploads)  # before the CSRF check, which reads the body
        csrf.init_app(app)
        limiter.init_app(app)
        login_manager.init_app(app)
        routes.register(app)
    from service.bookings.messages import slot_when

    app.jinja_env.filters["furigana"] = furigana
    app.jinja_env.globals.update(
        describe_rule=describe_rule,
        html_lang=html_lang,
        current_language=current_language,
        city_name=city_name,
        languages=LANGUAGES,
        format_date=format_date,
        format_datetime=format_datetime,
        slot_when=slot_when,
        quick_exit_url=lambda: settings.quick_exit_url,
    )

    app.before_request(start_request)
    csp = CONTENT_SECURITY_POLICY + (FIREBASE_CONNECT if settings.firebase_web else "")

    @app.after_request
    def security_headers(response: Response) -> Response:
        if request.endpoint != "static":
            # Staff pages, CSV files, API answers and every parent's own page hold personal
            # data: no cache, the browser's or a shared one, keeps any page (a page may say
            # otherwise, e.g. the push service worker).
            response.headers.setdefault("Cache-Control", "no-store")
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if settings.production:  # https only, from the first visit on (PUBLIC_BASE_URL is https)
            response.headers.setdefault("Strict-Transport-Security", "max-age=63072000")
        return response

    @app.teardown_appcontext
    def close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is None:
            return
        try:
            session.close()
        except DBAPIError as error:
            # The connection died after the answer was ready (a restart or failover): the pool
            # drops it, and the answer stands.
            current_app.logger.warning("database connection lost on close: %s", type(error.orig))

    return app


def get_session() -> Session:
    """The request's session; the view commits it once."""
    if "db_session" not in g:
        g.db_session = get_database().session()
    return g.db_session


def get_database() -> Database:
    return current_app.extensions["yorisou.database"]


def get_settings() -> Settings:
    return current_app.extensions["yorisou.settings"]
