"""One adapter per channel or provider, all behind the small Channel interface."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol

from service.settings import Settings


@dataclass(frozen=True)
class RenderedMessage:
    """A message shared by a batch; per-recipient links come in as substitutions."""

    subject: str
    text: str
    html: str
    sender_email: str
    sender_name: str
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recipient:
    delivery_id: int
    address: str
    substitutions: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Result:
    delivery_id: int
    outcome: Literal["sent", "retry", "permanent"]
    provider_id: str | None = None
    retry_after: float | None = None
    error: str | None = None


class Channel(Protocol):
    name: str
    max_batch: int

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]: ...


def substitute(template: str, substitutions: Mapping[str, str]) -> str:
    for placeholder, value in substitutions.items():
        template = template.replace(placeholder, value)
    return template


def build_channels(settings: Settings) -> dict[str, Channel]:
    """The one place that decides which adapters are real."""
    from service.channels.email_outbox import OutboxEmail

    channels: dict[str, Channel] = {}
    if settings.email_backend == "outbox":
        channels["email"] = OutboxEmail(settings.outbox_dir)
    else:
        raise NotImplementedError("the SendGrid adapter comes with the delivery engine (issue 3)")
    return channels
