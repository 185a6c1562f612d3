"""One adapter per channel or provider, all behind the small Channel interface."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from service.settings import Settings

if TYPE_CHECKING:
    from service.channels.line_messaging import LineMessaging
    from service.channels.line_router import AccountLookup


_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")


@dataclass(frozen=True)
class Attachment:
    """A file sent with an email (a booking's .ics)."""

    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class RenderedMessage:
    """A message shared by a batch; per-recipient links come in as substitutions."""

    subject: str
    text: str
    html: str
    sender_email: str
    sender_name: str
    categories: tuple[str, ...] = ()
    link: str = ""  # push: what a tap opens
    icon: str = ""  # push: the notification's icon
    flex: Mapping[str, Any] | None = None  # LINE: the chat bubble; `subject` is its alt text
    slots: Mapping[str, str] = field(default_factory=dict)  # value name → its placeholder
    dry_run: bool = False  # push: the provider checks it and shows nothing
    attachments: tuple[Attachment, ...] = ()  # email only
    organisation_id: int | None = None  # LINE: the city whose account sends it

    def used_slots(self) -> dict[str, str]:
        """The slots whose placeholder the message holds: only their values need making and
        sending (SendGrid is sent every value of every recipient)."""
        parts = (self.subject, self.text, self.html, self.link)
        return {name: mark for name, mark in self.slots.items() if any(mark in p for p in parts)}

    def __post_init__(self) -> None:
        # Headers are one line. Input refuses line breaks in titles and names, but one stored
        # before must not make every email of the city fail.
        for name in ("subject", "sender_name"):
            object.__setattr__(self, name, _LINE_BREAKS.sub(" ", getattr(self, name)))


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    address: str
    substitutions: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    # The small outbox `delivery_id` is a row of ("card_message", …); "" for the ledger's
    # deliveries. Provider events name both, so each finds its own row.
    outbox: str = ""

    @property
    def reference(self) -> dict[str, str]:
        """What the provider echoes in its events to name this message."""
        if self.outbox:
            return {"outbox": f"{self.outbox}:{self.delivery_id}"}
        return {"delivery_id": str(self.delivery_id)}


@dataclass(frozen=True)
class Result:
    """What became of one recipient.

    sent: the provider accepted it. retry: a transient fault; try again after `retry_after`
    seconds at the earliest. permanent: the address itself is bad (disable the endpoint).
    failed: give up on this message only (a payload the provider refuses).
    """

    delivery_id: int
    outcome: Literal["sent", "retry", "permanent", "failed"]
    provider_id: str | None = None
    retry_after: float | None = None
    error: str | None = None


class ChannelUnavailable(Exception):
    """The provider refuses the whole channel (bad credentials, revoked key): stop sending
    through it for a while instead of burning through the queue."""

    def __init__(self, reason: str, pause_seconds: float = 300) -> None:
        super().__init__(reason)
        self.reason = reason
        self.pause_seconds = pause_seconds


class Channel(Protocol):
    name: str
    max_batch: int

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]: ...

    def route(self, organisation_id: int | None) -> str | None:
        """The key of the account that sends for this city (its pause and send rate, shared
        by every worker), or None where no account does."""
        ...


def seconds(value: str | None) -> float | None:
    """A Retry-After header's wait in seconds (the form providers use), or None."""
    return float(value) if value and value.strip().isdigit() else None


def substitute(template: str, substitutions: Mapping[str, str]) -> str:
    """Each placeholder replaced by its value, in one pass: what a value brings in (a topic's
    name in the reason line) is never read for placeholders again."""
    if not substitutions:
        return template
    pattern = re.compile("|".join(map(re.escape, substitutions)))
    return pattern.sub(lambda match: substitutions[match.group()], template)


def build_channels(settings: Settings, line_accounts: AccountLookup) -> dict[str, Channel]:
    """The one place that decides which adapters are real; `line_accounts` looks up the LINE
    account of a city (service.line.accounts.account_of)."""
    channels: dict[str, Channel] = {}
    if settings.email_backend == "sendgrid":
        from service.channels.email_sendgrid import SendGridEmail

        channels["email"] = SendGridEmail(
            settings.sendgrid_api_key,
            settings.sendgrid_api_host,
            timeout=settings.provider_timeout_seconds,
        )
    else:
        from service.channels.email_outbox import OutboxEmail

        channels["email"] = OutboxEmail(settings.outbox_dir)
    if settings.firebase_credentials:
        from service.channels.webpush_fcm import FcmWebPush

        channels["webpush"] = FcmWebPush(
            settings.firebase_credentials,
            api_host=settings.fcm_api_host,
            timeout=settings.provider_timeout_seconds,
        )
    from service.channels.line_router import LineRouter

    channels["line"] = LineRouter(settings, line_accounts)  # the deployment's, or a city's own
    return channels


class LineAccountConfig(Protocol):
    """What sending through one LINE account needs (service.line.accounts.LineConfig)."""

    @property
    def access_token(self) -> str: ...
    @property
    def send_rate(self) -> str: ...
    @property
    def route(self) -> str: ...

    def __hash__(self) -> int: ...


def line_client(settings: Settings, config: LineAccountConfig) -> LineMessaging:
    """One LINE account's client: multicasts, replies to the webhook, profiles, rich menu."""
    from service.channels.line_messaging import LineMessaging

    return LineMessaging(
        config.access_token,
        api_host=settings.line_api_host,
        timeout=settings.provider_timeout_seconds,
    )
