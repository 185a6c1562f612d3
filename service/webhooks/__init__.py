"""Provider callbacks. Nothing is stored from a post whose signature does not verify."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sendgrid.helpers.eventwebhook import EventWebhook

from service import csrf, get_session, get_settings
from service.provider_events import record_sendgrid_events
from service.types import utcnow

blueprint = Blueprint("webhooks", __name__)

SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"


def _refuse(status: int, reason: str) -> ResponseReturnValue:
    return jsonify(error={"status": status, "detail": reason}), status


@blueprint.post("/sendgrid")
@csrf.exempt  # authenticated by its signature
def sendgrid_events() -> ResponseReturnValue:
    public_key = get_settings().sendgrid_webhook_public_key
    if not public_key:
        current_app.logger.warning("SendGrid event refused: SENDGRID_WEBHOOK_PUBLIC_KEY is not set")
        return _refuse(403, "event webhook verification is not configured")
    signature, timestamp = request.headers.get(SIGNATURE), request.headers.get(TIMESTAMP)
    if not signature or not timestamp:
        return _refuse(401, "signature missing")
    request.max_content_length = 8 * 1024 * 1024  # SendGrid batches many events per post
    payload = request.get_data(as_text=True)
    try:
        verified = EventWebhook(public_key).verify_signature(payload, signature, timestamp)
    except (ValueError, TypeError):  # a malformed signature or key
        verified = False
    if not verified:
        return _refuse(403, "signature does not verify")
    try:
        events = json.loads(payload)
    except ValueError:
        return _refuse(400, "the body is not JSON")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return _refuse(400, "the body is not a list of events")
    applied = record_sendgrid_events(get_session(), events, now=utcnow())
    return jsonify(received=len(events), applied=applied)
