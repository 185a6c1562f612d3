"""Enough of Google's OAuth token endpoint and FCM HTTP v1 for firebase-admin to talk to.
A dry run (validate_only) checks the token as a send would, and delivers nothing.

Tokens that start with "unregistered" answer UNREGISTERED; "invalid" answers INVALID_ARGUMENT
for a bad token; "badpayload" answers INVALID_ARGUMENT for a bad message.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.fakes.server import FakeServer, Reply

ACCESS_TOKEN = "fake-access-token"
PROJECT = "yorisou-test"
_SEND = re.compile(r"^/v1/projects/([^/]+)/messages:send$")


@dataclass(frozen=True)
class Push:
    token: str
    title: str
    body: str
    link: str | None
    data: dict[str, str]


def _fcm_error(status: int, name: str, message: str, fcm_code: str | None) -> Reply:
    details = (
        [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError", "errorCode": fcm_code}]
        if fcm_code
        else []
    )
    return Reply(
        status, {"error": {"code": status, "message": message, "status": name, "details": details}}
    )


class FakeGoogle(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.fault_path_prefix = "/v1/"
        self.received: list[Push] = []
        self.validated: list[str] = []  # tokens of dry runs (validate_only)
        self.token_requests = 0

    def tokens(self) -> list[str]:
        with self.lock:
            return [push.token for push in self.received]

    def service_account(self) -> dict[str, Any]:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode()
        return {
            "type": "service_account",
            "project_id": PROJECT,
            "private_key_id": uuid.uuid4().hex,
            "private_key": pem,
            "client_email": f"yorisou@{PROJECT}.iam.gserviceaccount.com",
            "client_id": "1234567890",
            "token_uri": f"{self.url}/token",
        }

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        if path == "/token":
            with self.lock:
                self.token_requests += 1
            return Reply(
                200, {"access_token": ACCESS_TOKEN, "expires_in": 3600, "token_type": "Bearer"}
            )
        if not _SEND.match(path):
            return Reply(404, {"error": {"code": 404, "message": "not found"}})
        if headers.get("authorization") != f"Bearer {ACCESS_TOKEN}":
            return _fcm_error(401, "UNAUTHENTICATED", "Request had invalid credentials.", None)
        request = json.loads(body)
        message = request["message"]
        token = message["token"]
        if token.startswith("unregistered"):
            return _fcm_error(404, "NOT_FOUND", "Requested entity was not found.", "UNREGISTERED")
        if token.startswith("invalid"):
            return _fcm_error(
                400,
                "INVALID_ARGUMENT",
                "The registration token is not a valid FCM registration token",
                "INVALID_ARGUMENT",
            )
        if token.startswith("badpayload"):
            return _fcm_error(
                400, "INVALID_ARGUMENT", "Invalid JSON payload received.", "INVALID_ARGUMENT"
            )
        if request.get("validate_only"):  # a dry run: checked, not delivered
            with self.lock:
                self.validated.append(token)
            return Reply(200, {"name": f"projects/{PROJECT}/messages/fake_message_id"})
        webpush = message.get("webpush", {})
        notification = webpush.get("notification", {})
        with self.lock:
            self.received.append(
                Push(
                    token=token,
                    title=notification.get("title", ""),
                    body=notification.get("body", ""),
                    link=webpush.get("fcm_options", {}).get("link"),
                    data=message.get("data", {}),
                )
            )
        return Reply(200, {"name": f"projects/{PROJECT}/messages/{uuid.uuid4().hex}"})
