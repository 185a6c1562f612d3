"""Every page and endpoint. Importing a page module adds its routes to its blueprint, so only
the web process imports them: the worker renders messages, never pages, and stays small.

One convention: a package of pages only (public, api, webhooks) keeps its blueprint in its
__init__; a capability keeps its parents' blueprint in its parent_pages module, and its console
pages on the console's blueprint (service.web.console); each is registered below."""

from __future__ import annotations

from flask import Flask

from service import api, errors, ops, public, webhooks
from service.allowance import parent_pages as allowance_pages
from service.allowance import staff_pages as allowance_staff_pages  # noqa: F401
from service.api import cards as api_cards  # noqa: F401
from service.api import support as api_support  # noqa: F401
from service.api import views as api_views  # noqa: F401
from service.assistant import parent_pages as assistant_pages
from service.assistant import staff_exchange  # noqa: F401
from service.assistant import staff_pages as assistant_staff_pages  # noqa: F401
from service.assistant import staff_reports as assistant_reports  # noqa: F401
from service.bookings import day_pages, staff_pages  # noqa: F401
from service.bookings import parent_pages as booking_pages
from service.cards import call_pages, counter_pages, outreach_pages  # noqa: F401
from service.cards import parent_pages as card_pages
from service.cards import staff_pages as card_staff_pages  # noqa: F401
from service.logs import learn_routes, redact_request_logs
from service.public import choose, preferences, stopping, views  # noqa: F401
from service.staff import (  # noqa: F401
    auth,
    calendar_view,
    dashboard,
    importing,
    line_account,
    notice_previews,
    notices,
    password_reset,
    setup,
    two_factor,
)
from service.staff import views as staff_views  # noqa: F401
from service.support import desk_queue, staff_catalogue, staff_reports  # noqa: F401
from service.support import parent_pages as support_pages
from service.web import console
from service.web.forms import flatten_errors


def register(app: Flask) -> None:
    app.register_blueprint(public.blueprint)
    app.register_blueprint(support_pages.blueprint)
    app.register_blueprint(allowance_pages.blueprint)
    app.register_blueprint(assistant_pages.blueprint)
    app.register_blueprint(card_pages.blueprint)
    app.register_blueprint(booking_pages.blueprint)
    app.register_blueprint(ops.blueprint)
    app.register_blueprint(console.blueprint, url_prefix="/staff")
    app.register_blueprint(webhooks.blueprint, url_prefix="/webhooks")
    app.register_blueprint(api.blueprint, url_prefix="/api/v1")
    errors.register(app)
    app.jinja_env.filters["flatten_errors"] = flatten_errors  # the forms' templates
    learn_routes(app.url_map)
    redact_request_logs("werkzeug", "gunicorn.access", "gunicorn.error")
