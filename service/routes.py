"""Every page and endpoint. Importing a page module adds its routes to its blueprint, so only
the web process imports them: the worker renders messages, never pages, and stays small."""

from __future__ import annotations

from flask import Flask

from service import api, errors, ops, public, support, webhooks
from service.bookings import parent_pages as booking_pages
from service.bookings import staff_pages  # noqa: F401
from service.logs import learn_routes, redact_request_logs
from service.public import choose, preferences, stopping, views  # noqa: F401
from service.staff import (  # noqa: F401
    auth,
    calendar_view,
    dashboard,
    importing,
    line_account,
    notices,
    password_reset,
    setup,
    two_factor,
)
from service.staff import views as staff_views  # noqa: F401
from service.support import desk_queue, parent_pages, staff_catalogue, staff_reports  # noqa: F401
from service.web import console


def register(app: Flask) -> None:
    app.register_blueprint(public.blueprint)
    app.register_blueprint(support.blueprint)
    app.register_blueprint(booking_pages.blueprint)
    app.register_blueprint(ops.blueprint)
    app.register_blueprint(console.blueprint, url_prefix="/staff")
    app.register_blueprint(webhooks.blueprint, url_prefix="/webhooks")
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    errors.register(app)
    learn_routes(app.url_map)
    redact_request_logs("werkzeug", "gunicorn.access", "gunicorn.error")
