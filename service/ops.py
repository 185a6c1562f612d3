"""For the city's IT team: is it up, and how is delivery going."""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from service import get_database, get_session, get_settings
from service.errors import render_error
from service.metrics import metrics_registry

blueprint = Blueprint("ops", __name__)


@blueprint.get("/healthz")
def healthz() -> ResponseReturnValue:
    try:
        get_session().execute(text("SELECT 1"))
    except Exception:
        current_app.logger.exception("health check: database unreachable")
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok")


@blueprint.get("/metrics")
def metrics() -> ResponseReturnValue:
    """For the operator's Prometheus only: with METRICS_TOKEN set, a request must bring it;
    without it, production answers as if there were no such page."""
    settings = get_settings()
    if settings.metrics_token:
        given = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
            return render_error(404)
    elif settings.production:
        return render_error(404)
    return Response(generate_latest(metrics_registry(get_database())), mimetype=CONTENT_TYPE_LATEST)
