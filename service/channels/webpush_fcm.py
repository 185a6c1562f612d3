"""Web push through Firebase Cloud Messaging (HTTP v1), up to 500 tokens per call."""

from __future__ import annotations

import json
import uuid
import warnings
from collections.abc import Sequence
from typing import Any

import firebase_admin
import requests.adapters
from firebase_admin import credentials, exceptions, messaging

from service.channels import (
    ChannelUnavailable,
    Recipient,
    RenderedMessage,
    Result,
    seconds,
    substitute,
)

_TRANSIENT = (
    exceptions.UnavailableError,
    exceptions.InternalError,
    exceptions.DeadlineExceededError,
    exceptions.ResourceExhaustedError,  # QUOTA_EXCEEDED
    exceptions.UnknownError,  # connection reset, refused
    exceptions.AbortedError,
)
_MISCONFIGURED = (
    messaging.ThirdPartyAuthError,
    exceptions.UnauthenticatedError,
    exceptions.PermissionDeniedError,
)


class FcmWebPush:
    name = "webpush"
    max_batch = 500

    def __init__(
        self,
        service_account: str | dict[str, Any],
        *,
        api_host: str = "https://fcm.googleapis.com",
        timeout: float = 30,
    ) -> None:
        """`service_account`: the JSON key itself, or the path of its file."""
        if isinstance(service_account, str) and service_account.lstrip().startswith("{"):
            service_account = json.loads(service_account)
        self.app = firebase_admin.initialize_app(
            credentials.Certificate(service_account),
            options={"httpTimeout": timeout},
            name=f"yorisou-{uuid.uuid4().hex}",
        )
        service = messaging._get_messaging_service(self.app)
        # firebase-admin has no setting for the endpoint (tests and benchmarks need a fake
        # one), and it retries 500/503 itself, blocking the worker; the engine's own backoff
        # does that better.
        api_host = api_host.rstrip("/")
        service._fcm_url = f"{api_host}/v1/projects/{self.app.project_id}/messages:send"
        service._client.session.mount(
            api_host, requests.adapters.HTTPAdapter(pool_maxsize=100, max_retries=0)
        )

    def route(self, organisation_id: int | None) -> str | None:
        return self.name

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        results, batch, sendable = [], [], []
        for recipient in recipients:
            try:
                push = _push_message(message, recipient)
                # firebase-admin checks FCM's rules when it encodes a message, and one bad
                # message would stop the whole batch: check each one on its own first.
                messaging._MessagingService.encode_message(push)
                batch.append(push)
            except ValueError as error:
                results.append(Result(recipient.delivery_id, "failed", error=f"fcm: {error}"))
                continue
            sendable.append(recipient)
        if batch:
            response = messaging.send_each(batch, dry_run=message.dry_run, app=self.app)
            results += [
                _result(recipient, reply)
                for recipient, reply in zip(sendable, response.responses, strict=True)
            ]
        return results


def _push_message(message: RenderedMessage, recipient: Recipient) -> messaging.Message:
    link = substitute(message.link, recipient.substitutions) or None
    with warnings.catch_warnings():
        # Message.token is deprecated for FIDs, but the web SDK's getToken() still hands out
        # registration tokens.
        warnings.simplefilter("ignore", DeprecationWarning)
        return messaging.Message(
            token=recipient.address,
            data={"delivery_id": str(recipient.delivery_id)},
            webpush=messaging.WebpushConfig(
                notification=messaging.WebpushNotification(
                    title=message.subject, body=message.text, icon=message.icon or None
                ),
                fcm_options=messaging.WebpushFCMOptions(link=link),
            ),
        )


def _result(recipient: Recipient, reply: messaging.SendResponse) -> Result:
    if reply.success:
        return Result(recipient.delivery_id, "sent", provider_id=reply.message_id)
    error = reply.exception
    if isinstance(error, _MISCONFIGURED):
        raise ChannelUnavailable(f"FCM refused the credentials: {error.code}")
    if isinstance(error, messaging.UnregisteredError | messaging.SenderIdMismatchError):
        return Result(recipient.delivery_id, "permanent", error=f"fcm {error.code}")
    if isinstance(error, exceptions.InvalidArgumentError):
        # One code for a bad token and a bad payload; only a bad token is the endpoint's fault.
        if "registration token" in str(error).lower():
            return Result(recipient.delivery_id, "permanent", error="fcm invalid token")
        return Result(recipient.delivery_id, "failed", error=f"fcm {str(error)[:200]}")
    if isinstance(error, _TRANSIENT):
        return Result(
            recipient.delivery_id,
            "retry",
            retry_after=_retry_after(error),
            error=f"fcm {error.code}",
        )
    return Result(recipient.delivery_id, "failed", error=f"fcm {getattr(error, 'code', error)}")


def _retry_after(error: exceptions.FirebaseError) -> float | None:
    response = getattr(error, "http_response", None)
    return seconds(response.headers.get("Retry-After")) if response is not None else None
