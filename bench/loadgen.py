"""A small HTTP/1.1 load generator on asyncio, run as its own process by bench/web.py.

Closed loop: each of --connections clients sends a request, reads the whole answer, and sends
the next, for --seconds. Prints one JSON object: requests, requests/s, latency percentiles (ms)
and the count of each status. Only 127.0.0.1 is allowed as a target.

    .venv/bin/python -m bench.loadgen --port 8000 --scenario landing --code DEMO --seconds 10
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

HOST = "127.0.0.1"
_CSRF = re.compile(rb'name="csrf_token" type="hidden" value="([^"]+)"')


class Connection:
    """One keep-alive connection; reconnects when the server closes it (gunicorn's sync
    workers answer `Connection: close`)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.cookie = ""

    async def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(HOST, self.port)
        assert self.reader is not None
        body = urlencode(form, doseq=True).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: {HOST}", "Accept-Language: ja"]
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        if form is not None:
            head += [
                "Content-Type: application/x-www-form-urlencoded",
                f"Content-Length: {len(body)}",
            ]
        self.writer.write(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        status_line = await self.reader.readline()
        status = int(status_line.split()[1])
        length, close = 0, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.lower() == "close":
                close = True
            elif name == "set-cookie":
                self.cookie = value.split(";", 1)[0]
        payload = await self.reader.readexactly(length)
        if close:
            self.writer.close()
            self.reader = self.writer = None
        return status, payload


async def subscribe_form(connection: Connection, code: str) -> dict[str, str]:
    """The sign-up form's fixed fields, with a real CSRF token from the landing page (its
    session cookie stays on the connection)."""
    _, page = await connection.request("GET", f"/s/{code}")
    match = _CSRF.search(page)
    assert match, "no csrf_token on the landing page"
    return {"csrf_token": match.group(1).decode(), "source": code, "consent": "y"}


async def _client(
    port: int,
    scenario: str,
    args: argparse.Namespace,
    tokens: Iterator[str],
    client: int,
    deadline: float,
    latencies: list[float],
    statuses: Counter[int],
) -> None:
    connection = Connection(port)
    form: dict[str, str] = {}
    if scenario == "subscribe":
        form = await subscribe_form(connection, args.code)
    for n in itertools.count():
        if time.monotonic() >= deadline:
            return
        started = time.perf_counter()
        if scenario == "landing":
            status, _ = await connection.request("GET", f"/s/{args.code}")
        elif scenario == "subscribe":
            fields = {**form, "email": f"load{client}-{n}@example.jp", "topics": args.topic}
            status, _ = await connection.request("POST", "/subscribe", fields)
        elif scenario == "unsubscribe":
            status, _ = await connection.request("POST", f"/unsubscribe/{next(tokens)}", {})
        else:
            status, _ = await connection.request("GET", f"/preferences/{next(tokens)}")
        latencies.append(time.perf_counter() - started)
        statuses[status] += 1


async def run(args: argparse.Namespace) -> dict[str, object]:
    tokens = itertools.cycle(json.loads(Path(args.tokens).read_text()) if args.tokens else [""])
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    started = time.monotonic()
    deadline = started + args.seconds
    await asyncio.gather(
        *(
            _client(args.port, args.scenario, args, tokens, client, deadline, latencies, statuses)
            for client in range(args.connections)
        )
    )
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "scenario": args.scenario,
        "connections": args.connections,
        "requests": len(latencies),
        "requests_per_second": round(len(latencies) / elapsed),
        "p50_ms": round(cuts[49] * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--scenario", choices=["landing", "subscribe", "unsubscribe", "preferences"]
    )
    parser.add_argument("--code", default="", help="the QR code's source code")
    parser.add_argument("--topic", default="", help="a topic id to subscribe to")
    parser.add_argument("--tokens", help="a JSON file of manage tokens, one per request")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=8)
    print(json.dumps(asyncio.run(run(parser.parse_args()))))  # noqa: T201


if __name__ == "__main__":
    main()
