"""LINE through the Messaging API (line-bot-sdk): multicast, up to 500 user ids a call; a group
(the staff's, told of a counter's call) by push, which is the only way to reach one.

Every multicast carries an X-Line-Retry-Key made from its delivery ids. A batch that is tried
again after a timeout or a 5xx has the same ids (the engine brings a failed batch back as one),
so LINE answers 409 where the first try had in fact been accepted, and nobody gets it twice.
"""

from __future__ import annotations

import json
import logging
import re
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexMessage,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuRequest,
    TextMessage,
)
from linebot.v3.messaging.models import Message

from service.channels import ChannelUnavailable, Recipient, RenderedMessage, Result, seconds
from service.channels.line_limits import TEXT, utf16_prefix

log = logging.getLogger(__name__)

_RETRY_KEYS = uuid.UUID("6f1c1d3e-2b8a-4d59-9a57-0c6c4a9b7e21")
_BLAMED_RECIPIENT = re.compile(r"^to\[(\d+)\]")


class LineMessaging:
    name = "line"
    max_batch = 500

    def __init__(
        self, access_token: str, *, api_host: str = "https://api.line.me", timeout: float = 30
    ) -> None:
        configuration = Configuration(host=api_host, access_token=access_token)
        configuration.retries = 0  # the engine retries, with backoff, the same batch
        self.api = MessagingApi(ApiClient(configuration))
        self.timeout = timeout
        self.token = access_token
        # Images go to LINE's data host; a test's fake serves both on one address.
        self.data_host = api_host.replace("://api.line.me", "://api-data.line.me")

    def route(self, organisation_id: int | None) -> str | None:
        return self.name

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        key = retry_key([recipient.delivery_id for recipient in recipients], message)
        to = [recipient.address for recipient in recipients]
        group = len(to) == 1 and to[0][:1] in ("C", "R")  # a group or a room
        try:
            request: MulticastRequest | PushMessageRequest
            if group:
                request = PushMessageRequest(to=to[0], messages=[line_message(message)])
            else:
                request = MulticastRequest(
                    to=to, messages=[line_message(message)], notificationDisabled=False
                )
        except ValueError as error:  # the SDK checks LINE's limits before sending (pydantic)
            # The message's own fault, the same for everyone: trying it again changes nothing.
            reason = f"refused before sending: {str(error).splitlines()[-1][:200]}"
            return [Result(r.delivery_id, "failed", error=reason) for r in recipients]
        try:
            if isinstance(request, PushMessageRequest):
                response = self.api.push_message_with_http_info(
                    request, x_line_retry_key=key, _request_timeout=self.timeout
                )
            else:
                response = self.api.multicast_with_http_info(
                    request, x_line_retry_key=key, _request_timeout=self.timeout
                )
        except ApiException as error:
            return _results_for_error(error, recipients)
        except (urllib3.exceptions.HTTPError, OSError) as error:
            reason = f"network: {type(error).__name__}"
            return [Result(r.delivery_id, "retry", error=reason) for r in recipients]
        request_id = _header(response.headers, "x-line-request-id")
        return [Result(r.delivery_id, "sent", provider_id=request_id) for r in recipients]

    def reply(self, reply_token: str, messages: Sequence[Mapping[str, Any]]) -> None:
        """Answer a webhook event (free of charge, and only within a minute of it)."""
        self.api.reply_message(
            ReplyMessageRequest(
                replyToken=reply_token, messages=[Message.from_dict(m) for m in messages]
            ),
            _request_timeout=min(self.timeout, 10),
        )

    def install_rich_menu(self, menu: Mapping[str, Any], image: bytes) -> str:
        """Create the rich menu, give it its picture, make it every friend's menu; its id."""
        created = self.api.create_rich_menu(
            RichMenuRequest.from_dict(dict(menu)), _request_timeout=self.timeout
        )
        blob = MessagingApiBlob(
            ApiClient(Configuration(host=self.data_host, access_token=self.token))
        )
        blob.set_rich_menu_image(  # this SDK sets no content type of its own for the image
            created.rich_menu_id,
            image,
            _headers={"Content-Type": "image/png"},
            _request_timeout=self.timeout,
        )
        self.api.set_default_rich_menu(created.rich_menu_id, _request_timeout=self.timeout)
        return str(created.rich_menu_id)

    def language(self, user_id: str) -> str | None:
        """The language the parent's LINE app is set to ("ja", "en", …), if LINE says."""
        profile = self.api.get_profile(user_id, _request_timeout=min(self.timeout, 10))
        return profile.language


def retry_key(delivery_ids: Sequence[int], message: RenderedMessage) -> str:
    """The same message to the same deliveries always makes the same key; anything else a
    different one (the message counts too: ids issued again after a restore from backup must
    not look like a batch LINE has seen)."""
    content = json.dumps([message.subject, message.text, message.flex], sort_keys=True)
    ids = ",".join(map(str, sorted(delivery_ids)))
    return str(uuid.uuid5(_RETRY_KEYS, f"{ids}|{content}"))


def line_message(message: RenderedMessage) -> TextMessage | FlexMessage:
    """A Flex bubble when the message has one (its alt text is what notifications show)."""
    if message.flex:
        return FlexMessage.from_dict(
            {"type": "flex", "altText": message.subject, "contents": dict(message.flex)}
        )
    return TextMessage(text=utf16_prefix(message.text, TEXT))


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _body(error: ApiException) -> dict[str, Any]:
    try:
        body = json.loads(error.body or b"{}")
    except (ValueError, TypeError):
        return {}
    return body if isinstance(body, dict) else {}


def _results_for_error(error: ApiException, recipients: Sequence[Recipient]) -> list[Result]:
    status = int(error.status or 0)
    body = _body(error)
    if status == 409:  # this very batch was accepted before: its answer was lost on the way
        accepted = _header(error.headers, "x-line-accepted-request-id")
        return [Result(r.delivery_id, "sent", provider_id=accepted) for r in recipients]
    if status in (401, 403):
        raise ChannelUnavailable(f"LINE refused the channel access token ({status})")
    if status == 429 and "monthly limit" in str(body.get("message", "")).lower():
        raise ChannelUnavailable("LINE: the account's monthly message limit is reached", 3600)
    if status == 429 or status >= 500:
        after = seconds(_header(error.headers, "retry-after"))
        return [
            Result(r.delivery_id, "retry", retry_after=after, error=f"http {status}")
            for r in recipients
        ]
    # 400: a user id LINE names is dead; the rest go again without it. Anything else is the
    # message's own fault, not the parents' addresses.
    blamed = {
        int(match.group(1))
        for detail in body.get("details") or []
        if isinstance(detail, dict)
        and (match := _BLAMED_RECIPIENT.match(str(detail.get("property", ""))))
    }
    if not blamed:
        reason = f"http {status}: {str(body.get('message', ''))[:200]}"
        return [Result(r.delivery_id, "failed", error=reason) for r in recipients]
    return [
        Result(r.delivery_id, "permanent", error="line invalid user id")
        if index in blamed
        else Result(r.delivery_id, "retry", retry_after=0, error="batch refused for another user")
        for index, r in enumerate(recipients)
    ]
