"""Provider callbacks. Nothing is stored from a post whose signature does not verify."""

from __future__ import annotations

import hmac
import json
import logging
import time
from typing import TYPE_CHECKING

from flask import Blueprint, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from service import get_session, get_settings
from service.channels.line_router import LineRouter
from service.extensions import csrf
from service.line.accounts import LineConfig, account_of, webhook_scope
from service.line.chat import apply_events, finish
from service.line.replies import Reply, reply_messages
from service.mail_signup import InboundMail, take_mail
from service.provider_events import record_sendgrid_events
from service.types import utcnow

if TYPE_CHECKING:
    from service.channels.line_messaging import LineMessaging

log = logging.getLogger(__name__)

blueprint = Blueprint("webhooks", __name__)

FRESH_SECONDS = 300  # how old a signed post may be: SendGrid posts within seconds, retries anew
SIGNATURE = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP = "X-Twilio-Email-Event-Webhook-Timestamp"
INBOUND_MAX_BYTES = 32 * 1024 * 1024


def _refuse(status: int, reason: str) -> ResponseReturnValue:
    return jsonify(error={"status": status, "detail": reason}), status


@blueprint.post("/sendgrid")
@csrf.exempt  # authenticated by its signature
def sendgrid_events() -> ResponseReturnValue:
    from sendgrid.helpers.eventwebhook import EventWebhook  # here: the worker never needs it

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
    if not timestamp.isdigit() or abs(time.time() - int(timestamp[:12])) > FRESH_SECONDS:
        # Signed, but not now: a post recorded and played again later is refused.
        return _refuse(403, "signed too long ago")
    try:
        events = json.loads(payload)
    except ValueError:
        return _refuse(400, "the body is not JSON")
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return _refuse(400, "the body is not a list of events")
    applied = record_sendgrid_events(get_session(), events, now=utcnow())
    return jsonify(received=len(events), applied=applied)


@blueprint.post("/inbound/<secret>")
@csrf.exempt  # Inbound Parse posts are not signed: the secret in the URL is the check
def inbound_mail(secret: str) -> ResponseReturnValue:
    """SendGrid Inbound Parse: an empty email to a registration address (空メール登録)."""
    expected = get_settings().inbound_parse_secret
    if not expected or not hmac.compare_digest(secret.encode(), expected.encode()):
        return _refuse(404, "not found")
    # SendGrid takes emails of up to 30 MB, attachments and all, and posts the text and HTML
    # parts as form fields: a photo sent from a phone must not be refused before it is read.
    request.max_content_length = request.max_form_memory_size = INBOUND_MAX_BYTES
    session = get_session()
    outcome = take_mail(session, InboundMail.from_inbound_parse(request.form), now=utcnow())
    session.commit()
    log.info("inbound mail: %s", outcome)  # never the sender's address
    return jsonify(result=outcome)  # 200 even when ignored: SendGrid must not post it again


@blueprint.post("/line")
@blueprint.post("/line/<slug>")
@csrf.exempt  # authenticated by its signature
def line_events(slug: str | None = None) -> ResponseReturnValue:
    """The deployment's LINE account (/line), or a city's own (/line/<its slug>)."""
    # Here, not at the top: line-bot-sdk is large, and the worker (which imports the app) never
    # needs it.
    from linebot.v3 import WebhookParser
    from linebot.v3.exceptions import InvalidSignatureError
    from linebot.v3.webhooks import FollowEvent, UserSource

    settings = get_settings()
    session = get_session()
    scope = webhook_scope(session, settings, slug)
    session.rollback()  # no transaction held open while LINE's profile is asked below
    if scope is None:
        return _refuse(403, "LINE is not configured")
    signature = request.headers.get("X-Line-Signature")
    if not signature:
        return _refuse(401, "signature missing")
    request.max_content_length = 1024 * 1024
    payload = request.get_data(as_text=True)
    try:
        events = WebhookParser(scope.config.channel_secret).parse(payload, signature)
    except InvalidSignatureError:
        return _refuse(403, "signature does not verify")
    except (ValueError, KeyError, TypeError):
        return _refuse(400, "the body is not a LINE webhook payload")
    line = _line(scope.config)
    # Asked before any transaction begins: a slow LINE API must not hold rows locked.
    languages = {
        event.source.user_id: _language(line, event.source.user_id)
        for event in events
        if isinstance(event, FollowEvent) and isinstance(event.source, UserSource)
    }
    cities = scope.organisation_ids
    replies = apply_events(session, events, scope=cities, languages=languages, now=utcnow())
    session.commit()
    # Replies go after the commit: a reply token lives about a minute, too short to queue, and
    # a lost reply loses nothing (any message to the account brings the parent's link again).
    for reply in replies:
        _send_reply(line, finish(session, reply, scope=cities, settings=settings))
    return jsonify(received=len(events))


def _line(config: LineConfig) -> LineMessaging:
    """The account's client, made once per account (and again when its token changes), kept
    by the same LineRouter the sending side uses."""
    if "yorisou.line" not in current_app.extensions:
        current_app.extensions["yorisou.line"] = LineRouter(get_settings(), account_of)
    router: LineRouter = current_app.extensions["yorisou.line"]
    return router.client(config)


def _language(line: LineMessaging, user_id: str) -> str | None:
    try:
        return line.language(user_id)
    except Exception as error:  # a greeting in Japanese is fine
        # Only the type: the message of some would hold the user id (a personal datum).
        log.warning("LINE profile not read (%s); greeting in Japanese", type(error).__name__)
        return None


def _send_reply(line: LineMessaging, reply: Reply) -> None:
    try:
        line.reply(reply.token, reply_messages(reply))
    except Exception as error:
        log.warning("LINE reply not sent (%s): %s", reply.kind, type(error).__name__)
