"""A small local HTTP server that fakes a provider, and can be told to misbehave.

Faults are planned per request (`plan`) or drawn at random (`failure_rate`, seeded, from
`fault_kinds`). The server counts what it injected, and how many deliveries it made whose answer
never reached the client: the only deliveries a client can rightly repeat. Traffic stays on
127.0.0.1.
"""

from __future__ import annotations

import json
import random
import select
import socket
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Fault:
    status: int | None = None  # answer with this status instead of the real one
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    delay: float = 0.0  # answer slowly (then normally, unless status or drop say otherwise)
    drop: bool = False  # close the connection without an answer
    accept: bool = False  # do the real work (deliver) before the delay, status or drop
    name: str = ""  # how it is counted in `injected`


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    delivered: int = 0  # messages this request delivered


# What a provider does wrong, one kind at a time; `failure_rate` draws from these.
DEFAULT_FAULTS = [
    Fault(status=500, name="500"),
    Fault(status=503, name="503"),
    Fault(drop=True, name="connection reset"),
    Fault(status=429, headers={"Retry-After": "1"}, name="429 Retry-After"),
]


def _client_gone(connection: socket.socket) -> bool:
    """The client closed its end (it stopped waiting), as far as can be seen without reading."""
    readable, _, _ = select.select([connection], [], [], 0)
    if not readable:
        return False
    try:
        return connection.recv(1, socket.MSG_PEEK) == b""
    except OSError:
        return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (its timeout, or a killed worker) is part of the tests.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FakeServer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.planned: list[Fault] = []
        self.failure_rate = 0.0
        self.fault_kinds = list(DEFAULT_FAULTS)
        self.random = random.Random(1234)
        self.requests = 0
        self.connections = 0  # a client that keeps its connection alive opens one
        self.injected: Counter[str] = Counter()  # fault name → times injected
        self.unanswered_deliveries = 0  # delivered, but the client never heard so
        self.fault_path_prefix = ""  # faults hit only requests under this path
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"  # where __init__ bound it

    def start(self) -> FakeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def plan(self, *faults: Fault) -> None:
        with self.lock:
            self.planned.extend(faults)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        raise NotImplementedError

    def _next_fault(self, path: str) -> Fault | None:
        if not path.startswith(self.fault_path_prefix):
            return None
        with self.lock:
            self.requests += 1
            fault = None
            if self.planned:
                fault = self.planned.pop(0)
            elif self.failure_rate and self.random.random() < self.failure_rate:
                fault = self.random.choice(self.fault_kinds)
            if fault is not None:
                self.injected[fault.name or "planned"] += 1
            return fault

    def unanswered(self, reply: Reply) -> None:
        with self.lock:
            self.unanswered_deliveries += reply.delivered

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # connections kept alive, as the providers' are

            def setup(self) -> None:
                super().setup()
                with fake.lock:
                    fake.connections += 1

            def log_message(self, format: str, *args: Any) -> None:  # quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                fault = fake._next_fault(self.path)
                headers = {name.lower(): value for name, value in self.headers.items()}
                reply = None
                if fault and fault.accept:
                    reply = fake.handle(self.command, self.path, headers, body)
                    if fault.drop or fault.status:  # delivered, but the client will not know
                        fake.unanswered(reply)
                if fault and fault.delay:
                    time.sleep(fault.delay)
                if reply is None and not (fault and (fault.status or fault.drop)):
                    reply = fake.handle(self.command, self.path, headers, body)
                    if _client_gone(self.connection):  # it stopped waiting (its timeout)
                        fake.unanswered(reply)
                if fault and fault.drop:
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if fault and fault.status:
                    reply = Reply(
                        fault.status,
                        fault.body or {"errors": [{"message": "fault"}]},
                        fault.headers,
                    )
                assert reply is not None
                payload = b"" if reply.body is None else json.dumps(reply.body).encode()
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = _serve

        return Handler
