"""Email through SendGrid's v3 Mail Send API: up to 1,000 recipients per request.

The API is one JSON POST, made here over a kept-alive connection per thread: the SDK opens a
new connection (and TLS handshake) for every request, and importing it (with the webhook
helper's cryptography) made each worker 10 MB larger. The web process still uses the SDK's
helper to verify event webhooks.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import ssl
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from service.addresses import deliverable
from service.channels import ChannelUnavailable, Recipient, RenderedMessage, Result, seconds

_PERSONALIZATION_FIELD = re.compile(r"personalizations\.(\d+)\.")
SUBSTITUTIONS_LIMIT = 10_000  # bytes of substitutions per recipient that SendGrid accepts
# A kept-alive connection idle longer than this is closed and opened again before a request:
# a server may have closed it meanwhile, and a POST on a closed connection cannot be retried
# safely.
IDLE_SECONDS = 15
NETWORK_ERRORS = (TimeoutError, http.client.HTTPException, OSError)


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Message
    body: bytes


class SendGridEmail:
    name = "email"
    max_batch = 1000

    def __init__(
        self, api_key: str, host: str = "https://api.sendgrid.com", timeout: float = 30
    ) -> None:
        self.api_key = api_key
        self.url = urlsplit(host.rstrip("/"))
        self.timeout = timeout
        self._local = threading.local()  # the scheduler's threads send at the same time
        self._tls: ssl.SSLContext | None = None  # made once: it reads the system's CA bundle

    def route(self, organisation_id: int | None) -> str | None:
        return self.name

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        results = [
            Result(r.delivery_id, "failed", error="substitutions over SendGrid's 10,000 bytes")
            for r in recipients
            if _over_limit(r)
        ]
        refused = {result.delivery_id for result in results}
        sendable = [r for r in recipients if r.delivery_id not in refused]
        for batch in distinct_addresses(sendable):
            results += self._send(message, batch)
        return results

    def _send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        try:
            answer = self.post(request_body(message, recipients))
        except NETWORK_ERRORS as error:
            reason = f"network: {type(error).__name__}"
            return [Result(r.delivery_id, "retry", error=reason) for r in recipients]
        if answer.status >= 300:
            return _results_for_error(answer, recipients)
        message_id = answer.headers.get("X-Message-Id")
        return [Result(r.delivery_id, "sent", provider_id=message_id) for r in recipients]

    def post(self, body: dict[str, Any]) -> Answer:
        """POST /v3/mail/send; a network error leaves no connection half-used behind."""
        connection = self._connection()
        try:
            connection.request(
                "POST",
                f"{self.url.path}/v3/mail/send",
                json.dumps(body, ensure_ascii=False).encode(),
                {
                    "Authorization": f"Bearer {self.api_key}",
                    "Content-Type": "application/json",
                    "User-Agent": "yorisou",
                },
            )
            response = connection.getresponse()
            answer = Answer(response.status, response.msg, response.read())
        except BaseException:
            self._forget(connection)
            raise
        if response.will_close:
            self._forget(connection)
        self._local.used = time.monotonic()
        return answer

    def _forget(self, connection: http.client.HTTPConnection) -> None:
        connection.close()
        self._local.connection = None

    def _connection(self) -> http.client.HTTPConnection:
        connection: http.client.HTTPConnection | None = getattr(self._local, "connection", None)
        if connection is not None and time.monotonic() - self._local.used > IDLE_SECONDS:
            self._forget(connection)
            connection = None
        if connection is None:
            connection = self._connect()
            self._local.connection = connection
        return connection

    def _connect(self) -> http.client.HTTPConnection:
        scheme, netloc, timeout = self.url.scheme, self.url.netloc, self.timeout
        if scheme != "https":  # a local fake
            return http.client.HTTPConnection(netloc, timeout=timeout)
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return _https(netloc, timeout, self._tls)


def _https(netloc: str, timeout: float, context: ssl.SSLContext) -> http.client.HTTPConnection:
    """A connection to SendGrid, through the proxy that HTTPS_PROXY names unless NO_PROXY
    exempts the host, as the SDK's urllib did: a city hall's network often reaches the internet
    only through one."""
    if any(name.lower() == "https_proxy" for name in os.environ):
        import urllib.request  # only where a proxy is configured

        proxy = urllib.request.getproxies().get("https")
        if proxy and not urllib.request.proxy_bypass(netloc.partition(":")[0]):
            parts = urlsplit(proxy)
            connection = http.client.HTTPSConnection(
                parts.hostname or "", parts.port or 80, timeout=timeout, context=context
            )
            connection.set_tunnel(netloc)
            return connection
    return http.client.HTTPSConnection(netloc, timeout=timeout, context=context)


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


def _over_limit(recipient: Recipient) -> bool:
    pairs = recipient.substitutions.items()
    if sum(len(k) + len(v) for k, v in pairs) * 4 <= SUBSTITUTIONS_LIMIT:
        return False  # UTF-8 takes at most 4 bytes a character: no need to encode
    return sum(len(k.encode()) + len(v.encode()) for k, v in pairs) > SUBSTITUTIONS_LIMIT


def request_body(message: RenderedMessage, recipients: Sequence[Recipient]) -> dict[str, Any]:
    return {
        "personalizations": [
            {
                "to": [{"email": deliverable(recipient.address)}],
                "substitutions": dict(recipient.substitutions),
                **({"headers": dict(recipient.headers)} if recipient.headers else {}),
                # Events carry custom args back, so each event finds its delivery.
                "custom_args": recipient.reference,
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


def _retry_after(headers: Message) -> float | None:
    if (after := seconds(headers.get("Retry-After"))) is not None:
        return after
    reset = seconds(headers.get("X-RateLimit-Reset"))  # epoch seconds
    return max(reset - time.time(), 1.0) if reset is not None else None


def _results_for_error(answer: Answer, recipients: Sequence[Recipient]) -> list[Result]:
    status = answer.status
    if status in (401, 403):
        raise ChannelUnavailable(f"SendGrid refused the API key ({status})")
    if status == 429 or status >= 500 or status == 413:
        after = _retry_after(answer.headers) if status == 429 else None
        return [
            Result(r.delivery_id, "retry", retry_after=after, error=f"http {status}")
            for r in recipients
        ]
    # 400: name the recipients SendGrid blames; the others go again without them.
    blamed = _blamed_personalizations(answer)
    if not blamed:
        return [
            Result(r.delivery_id, "failed", error=f"http {status}: {_messages(answer)}")
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


def _errors(answer: Answer) -> list[dict[str, Any]]:
    try:
        body = json.loads(answer.body or b"{}")
    except (ValueError, TypeError):
        return []
    errors = body.get("errors") if isinstance(body, dict) else None
    return [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []


def _blamed_personalizations(answer: Answer) -> set[int]:
    blamed = set()
    for item in _errors(answer):
        match = _PERSONALIZATION_FIELD.match(str(item.get("field") or ""))
        if match and ".to." in str(item.get("field")):
            blamed.add(int(match.group(1)))
    return blamed


def _messages(answer: Answer) -> str:
    return "; ".join(str(item.get("message", "")) for item in _errors(answer))[:300]
