"""Every error answers with a readable page (or JSON under /api), never a stack trace."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, DBAPIError, OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

from service.logs import redact


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (
            gettext("The request could not be processed"),
            gettext("Please go back, reload the page and try again."),
        ),
        404: (
            gettext("Page not found"),
            gettext("The address may be wrong or the page may have been removed."),
        ),
        405: (
            gettext("The request could not be processed"),
            gettext("Please go back, reload the page and try again."),
        ),
        413: (
            gettext("The request is too large"),
            gettext("Please go back and shorten what you entered."),
        ),
        429: (gettext("Too many requests"), gettext("Please wait a minute and try again.")),
        500: (
            gettext("Something went wrong on our side"),
            gettext("Please try again later. Nothing you entered has been saved."),
        ),
        503: (
            gettext("The service is not available for a moment"),
            gettext("Please try again in a minute. Nothing you entered has been saved."),
        ),
    }


# Endpoints outside /api that answer other programs (a city website's chat), in JSON.
JSON_ENDPOINTS = {"assistant.answer_json"}


def render_error(
    status: int, title: str | None = None, detail: str | None = None
) -> ResponseReturnValue:
    default_title, default_detail = _messages().get(status, _messages()[400])
    title, detail = title or default_title, detail or default_detail
    if request.path.startswith("/api/") or request.endpoint in JSON_ENDPOINTS:
        return jsonify(error={"status": status, "title": title, "detail": detail}), status
    return render_template("message.html", title=title, detail=detail), status


def _refuse_nul() -> ResponseReturnValue | None:
    """No one types NUL, and PostgreSQL cannot store it: refuse it before any view sees it."""
    if "\x00" in request.path:
        return render_error(400)
    if request.blueprint == "webhooks":
        # Providers' posts are read by their views, after the signature or secret is checked
        # and with the provider's own size limit (an email with a photo is 30 MB).
        return None
    for source in (request.args, request.form):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return render_error(400)
    return None


def register(app: Flask) -> None:
    app.before_request(_refuse_nul)

    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError) -> ResponseReturnValue:
        return render_error(
            400,
            gettext("This page has expired"),
            gettext(
                "For your safety the form is valid only for a while. "
                "Please go back, reload the page and send it again."
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> ResponseReturnValue:
        return render_error(error.code or 500)

    @app.errorhandler(DBAPIError)
    def database_error(error: DBAPIError) -> ResponseReturnValue:
        if isinstance(error, DataError):  # a value the column cannot hold; rolled back
            # The class only: the message may quote what was entered.
            name = type(error.orig).__name__
            app.logger.warning("data refused by the database on %s: %s", redact(request.path), name)
            return render_error(400)
        if not (error.connection_invalidated or isinstance(error, OperationalError)):
            return unexpected_error(error)
        # The database restarted or failed over: the pool has dropped the connection, and the
        # next request gets a new one. What this request wrote was rolled back.
        app.logger.warning("database unavailable on %s: %s", redact(request.path), type(error.orig))
        response = make_response(render_error(503))
        response.headers["Retry-After"] = "5"
        return response

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error on %s", redact(request.path))
        return render_error(InternalServerError.code)
