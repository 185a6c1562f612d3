"""The client's own address behind the operator's reverse proxies, for the rate limits.

Behind a proxy or load balancer every request comes from the proxy. X-Forwarded-For says whom it
came from, but anyone can send that header: it is believed only from a proxy the operator
trusts (TRUSTED_PROXIES), and only as far back as trusted proxies go. The client is the last
address in the chain that is not one of them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence
from typing import Any

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(value: str) -> tuple[Network, ...]:
    """'10.0.0.0/8, 192.0.2.7' → the networks; ValueError for anything that is not one."""
    return tuple(
        ipaddress.ip_network(item.strip(), strict=False)
        for item in value.split(",")
        if item.strip()
    )


def _among(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


class ClientAddress:
    """WSGI middleware: REMOTE_ADDR becomes the client's address when a trusted proxy says it."""

    def __init__(self, app: Any, trusted: Sequence[Network]) -> None:
        self.app = app
        self.trusted = tuple(trusted)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        peer = environ.get("REMOTE_ADDR", "")
        if _among(peer, self.trusted):
            chain = [hop.strip() for hop in environ.get("HTTP_X_FORWARDED_FOR", "").split(",")]
            client = peer
            for hop in reversed([hop for hop in chain if hop]):
                try:
                    ipaddress.ip_address(hop)
                except ValueError:
                    break  # a hop that is no address: believe nothing before it
                client = hop
                if not _among(hop, self.trusted):
                    break
            environ["REMOTE_ADDR"] = client
        return self.app(environ, start_response)
