"""Email through SendGrid's v3 Mail Send API: up to 1,000 recipients per request."""

from __future__ import annotations

import base64
import http.client
import json
import logging
import re
import time
import urllib.error
from collections.abc import Sequence
from typing import Any

from python_http_client import exceptions as http_errors
from sendgrid import SendGridAPIClient

from service.addresses import deliverable
from service.channels import ChannelUnavailable, Recipient, RenderedMessage, Result, seconds

# The client logs whole payloads (addresses included) at DEBUG: never let that through.
logging.getLogger("python_http_client").setLevel(logging.WARNING)

_PERSONALIZATION_FIELD = re.compile(r"personalizations\.(\d+)\.")
SUBSTITUTIONS_LIMIT = 10_000  # bytes of substitutions per recipient that SendGrid accepts


class SendGridEmail:
    name = "email"
    max_batch = 1000

    def __init__(
        self, api_key: str, host: str = "https://api.sendgrid.com", timeout: float = 30
    ) -> None:
        self.client = SendGridAPIClient(api_key=api_key, host=host)
        self.client.client.timeout = timeout

    def route(self, organisation_id: int | None) -> str | None:
        return self.name

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        results = [
            Result(r.delivery_id, "failed", error="substitutions over SendGrid's 10,000 bytes")
            for r in recipients
            if _substitution_bytes(r) > SUBSTITUTIONS_LIMIT
        ]
        refused = {result.delivery_id for result in results}
        sendable = [r for r in recipients if r.delivery_id not in refused]
        for batch in distinct_addresses(sendable):
            results += self._send(message, batch)
        return results

    def _send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        try:
            response = self.client.send(request_body(message, recipients))
        except http_errors.HTTPError as error:
            return _results_for_error(error, recipients)
        except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as error:
            reason = f"network: {type(error).__name__}"
            return [Result(r.delivery_id, "retry", error=reason) for r in recipients]
        message_id = _header(response.headers, "X-Message-Id")
        return [Result(r.delivery_id, "sent", provider_id=message_id) for r in recipients]


def distinct_addresses(recipients: Sequence[Recipient]) -> list[list[Recipient]]:
    """The recipients in as few requests as can be, none holding an address twice: SendGrid
    refuses a whole request that does (say, a parent who signed up twice before confirming)."""
    batches: list[list[Recipient]] = []
    seen: list[set[str]] = []
    for recipient in recipients:
        address = recipient.address.lower()
        index = next((i for i, used in enumerate(seen) if address not in used), len(batches))
        if index == len(batches):
            batches.append([])
            seen.append(set())
        batches[index].append(recipient)
        seen[index].add(address)
    return batches


def _substitution_bytes(recipient: Recipient) -> int:
    return sum(len(k.encode()) + len(v.encode()) for k, v in recipient.substitutions.items())


def request_body(message: RenderedMessage, recipients: Sequence[Recipient]) -> dict[str, Any]:
    return {
        "personalizations": [
            {
                "to": [{"email": deliverable(recipient.address)}],
                "substitutions": dict(recipient.substitutions),
                **({"headers": dict(recipient.headers)} if recipient.headers else {}),
                # Events carry custom args back, so each event finds its delivery.
                "custom_args": {"delivery_id": str(recipient.delivery_id)},
            }
            for recipient in recipients
        ],
        "from": {"email": message.sender_email, "name": message.sender_name},
        "subject": message.subject,
        "content": [
            {"type": "text/plain", "value": message.text},
            {"type": "text/html", "value": message.html},
        ],
        **(
            {
                "attachments": [
                    {
                        "content": base64.b64encode(attachment.content).decode(),
                        "filename": attachment.filename,
                        "type": attachment.content_type,
                        "disposition": "attachment",
                    }
                    for attachment in message.attachments
                ]
            }
            if message.attachments
            else {}
        ),
        "categories": list(message.categories)[:10],
        # Click tracking would rewrite the links, and the links carry the parent's token.
        "tracking_settings": {"click_tracking": {"enable": False, "enable_text": False}},
    }


def _header(headers: Any, name: str) -> str | None:
    if headers is None:
        return None
    value = headers.get(name)
    return str(value) if value is not None else None


def _retry_after(headers: Any) -> float | None:
    if (after := seconds(_header(headers, "Retry-After"))) is not None:
        return after
    reset = seconds(_header(headers, "X-RateLimit-Reset"))  # epoch seconds
    return max(reset - time.time(), 1.0) if reset is not None else None


def _results_for_error(
    error: http_errors.HTTPError, recipients: Sequence[Recipient]
) -> list[Result]:
    status = int(error.status_code)
    if status in (401, 403):
        raise ChannelUnavailable(f"SendGrid refused the API key ({status})")
    if status == 429 or status >= 500 or status == 413:
        after = _retry_after(error.headers) if status == 429 else None
        return [
            Result(r.delivery_id, "retry", retry_after=after, error=f"http {status}")
            for r in recipients
        ]
    # 400: name the recipients SendGrid blames; the others go again without them.
    blamed = _blamed_personalizations(error)
    if not blamed:
        return [
            Result(r.delivery_id, "failed", error=f"http {status}: {_messages(error)}")
            for r in recipients
        ]
    return [
        Result(r.delivery_id, "permanent", error="invalid address")
        if index in blamed
        else Result(
            r.delivery_id, "retry", retry_after=0, error="batch refused for another address"
        )
        for index, r in enumerate(recipients)
    ]


def _errors(error: http_errors.HTTPError) -> list[dict[str, Any]]:
    try:
        body = json.loads(error.body or b"{}")
    except (ValueError, TypeError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _blamed_personalizations(error: http_errors.HTTPError) -> set[int]:
    blamed = set()
    for item in _errors(error):
        match = _PERSONALIZATION_FIELD.match(str(item.get("field") or ""))
        if match and ".to." in str(item.get("field")):
            blamed.add(int(match.group(1)))
    return blamed


def _messages(error: http_errors.HTTPError) -> str:
    return "; ".join(str(item.get("message", "")) for item in _errors(error))[:300]
