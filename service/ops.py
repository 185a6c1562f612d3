"""For the city's IT team: is it up, and how is delivery going."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify
from flask.typing import ResponseReturnValue
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from service import get_database, get_session
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
def metrics() -> Response:
    return Response(generate_latest(metrics_registry(get_database())), mimetype=CONTENT_TYPE_LATEST)
