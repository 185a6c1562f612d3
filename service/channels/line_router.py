"""The LINE channel of a deployment that may serve several cities: each message goes through
the account of the city it is from (its own, or the deployment's), with that account's pause
and send rate. line-bot-sdk is loaded only once some account is used."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from service.channels import LineAccountConfig, Recipient, RenderedMessage, Result, line_client
from service.settings import Settings

if TYPE_CHECKING:
    from service.channels.line_messaging import LineMessaging

# The account that speaks for a city (None: the deployment's), or None where there is none:
# service.line.accounts.account_of, handed over by whoever builds the channel.
AccountLookup = Callable[[Settings, int | None], LineAccountConfig | None]

FRESH_FOR = 60.0  # seconds an account's settings are used before they are read again


class LineRouter:
    name = "line"
    max_batch = 500

    def __init__(self, settings: Settings, accounts: AccountLookup) -> None:
        self.settings = settings
        self.accounts = accounts
        self._configs: dict[int, tuple[float, LineAccountConfig | None]] = {}
        self._clients: dict[LineAccountConfig, LineMessaging] = {}

    def config(self, organisation_id: int | None) -> LineAccountConfig | None:
        """The account that speaks for this city now (read again once a minute)."""
        if organisation_id is None:
            return self.accounts(self.settings, None)
        read_at, config = self._configs.get(organisation_id, (-FRESH_FOR, None))
        if time.monotonic() - read_at >= FRESH_FOR:
            config = self.accounts(self.settings, organisation_id)
            self._configs[organisation_id] = (time.monotonic(), config)
        return config

    def route(self, organisation_id: int | None) -> str | None:
        config = self.config(organisation_id)
        return config.route if config is not None else None

    def send_rate(self, route: str) -> str:
        """The account's own send rate ("" : SEND_RATE_LINE's)."""
        organisation = route.partition(":")[2]
        config = self.config(int(organisation)) if organisation else None
        return config.send_rate if config is not None else ""

    def client(self, config: LineAccountConfig) -> LineMessaging:
        if config not in self._clients:
            self._clients[config] = line_client(self.settings, config)
        return self._clients[config]

    def send(self, message: RenderedMessage, recipients: Sequence[Recipient]) -> list[Result]:
        config = self.config(message.organisation_id)
        if config is None:
            why = "LINE is not set up for this city"
            return [Result(r.delivery_id, "failed", error=why) for r in recipients]
        return self.client(config).send(message, recipients)
