"""Enough of the LINE Messaging API for line-bot-sdk to talk to: multicast, push, reply and
profile.

Multicast honours X-Line-Retry-Key as LINE documents it: a key whose request was accepted once
answers 409 (with x-line-accepted-request-id) and delivers nothing again. A user id that is not
"U" and 32 hex digits answers 400, naming it as `to[i]`, as LINE does. Messages LINE refuses
answer 400 too (line/line-openapi's messaging-api and LINE's documented limits), in a
multicast and in a reply alike: no message or more than 5, text over 5,000 UTF-16 units, alt
text over 1,500, a bubble over 30 KB, an empty text component, a label over 40 characters, a
link over 10,000, more than 13 quick replies or a quick reply's label over 20 characters.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import struct
import uuid
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import FakeServer, Reply

ACCESS_TOKEN = "fake-line-channel-access-token"
CHANNEL_SECRET = "fake-line-channel-secret"
ACCOUNT_ID = "@yorisou"
_USER_ID = re.compile(r"^U[0-9a-f]{32}$")
_PUSH_TO = re.compile(r"^[UCR][0-9a-f]{32}$")  # a user, a group or a room
_PROFILE = re.compile(r"^/v2/bot/profile/([^/]+)$")
_MENU_IMAGE = re.compile(r"^/v2/bot/richmenu/([^/]+)/content$")
_DEFAULT_MENU = re.compile(r"^/v2/bot/user/all/richmenu/([^/]+)$")


def user_id(name: str) -> str:
    """A LINE user id of the right shape, the same for the same name."""
    return "U" + hashlib.md5(name.encode()).hexdigest()


def signature(body: bytes, secret: str = CHANNEL_SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@dataclass(frozen=True)
class Sent:
    to: str
    messages: list[dict[str, Any]]
    retry_key: str | None
    token: str = ACCESS_TOKEN  # the channel access token it came with: which account sent it

    @property
    def alt_text(self) -> str:
        return str(self.messages[0].get("altText") or self.messages[0].get("text"))

    @property
    def texts(self) -> list[str]:
        """Every piece of text in the message, bubble or not, in order."""
        return [node["text"] for node in _nodes(self.messages) if node.get("type") == "text"]

    @property
    def actions(self) -> list[dict[str, Any]]:
        return [node["action"] for node in _nodes(self.messages) if "action" in node]


def _nodes(node: Any) -> list[dict[str, Any]]:
    """Every object in a message, depth first."""
    if isinstance(node, list):
        return [found for item in node for found in _nodes(item)]
    if isinstance(node, dict):
        return [node, *(found for value in node.values() for found in _nodes(value))]
    return []


def _units(text: str) -> int:
    """LINE counts text in UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


def _refused(messages: list[dict[str, Any]]) -> list[tuple[int, str]]:
    """What LINE would refuse in these messages, as (message index, why)."""
    problems = []
    for index, message in enumerate(messages):
        if message.get("type") == "text" and not 1 <= _units(message.get("text", "")) <= 5000:
            problems.append((index, "text: 1 to 5000 characters"))
        if message.get("type") == "flex":
            if not 1 <= _units(message.get("altText", "")) <= 1500:
                problems.append((index, "altText: 1 to 1500 characters"))
            if len(json.dumps(message.get("contents"), ensure_ascii=False).encode()) > 30_000:
                problems.append((index, "contents: a bubble's JSON is 30 KB at most"))
            for node in _nodes(message.get("contents")):
                if node.get("type") == "text" and not node.get("text"):
                    problems.append((index, "text: must not be empty"))
                action = node.get("action") or {}
                if len(action.get("label", "")) > 40:
                    problems.append((index, "label: 40 characters at most"))
                if action.get("type") == "uri" and not 1 <= len(action.get("uri", "")) <= 10_000:
                    problems.append((index, "uri: 10000 characters at most"))
        items = (message.get("quickReply") or {}).get("items") or []
        if len(items) > 13:
            problems.append((index, "quickReply.items: 13 at most"))
        if any(len((item.get("action") or {}).get("label", "")) > 20 for item in items):
            problems.append((index, "quickReply label: 20 characters at most"))
    return problems


def _refusal(problems: list[tuple[int, str]]) -> Reply:
    return Reply(
        400,
        {
            "message": f"The request body has {len(problems)} error(s)",
            "details": [
                {"message": problem, "property": f"messages[{index}]"}
                for index, problem in problems
            ],
        },
    )


class FakeLine(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.fault_path_prefix = "/v2/bot/message/multicast"
        self.sent: list[Sent] = []  # one per user a multicast reached
        self.replies: list[tuple[str, Sent]] = []  # (reply token, what it said)
        self.multicasts = 0
        self.refused_retries = 0  # 409s: a retry key seen accepted before
        self.languages: dict[str, str] = {}  # user id → the LINE app's language
        self._accepted: dict[str, str] = {}  # retry key → request id
        self.menus: dict[str, dict[str, Any]] = {}  # rich menu id → its object and image
        self.default_menu: str | None = None
        self.default_menus: dict[str, str] = {}  # access token (an account) → its menu
        self.tokens = {ACCESS_TOKEN}  # the channels (official accounts) this LINE knows

    def users(self) -> list[str]:
        with self.lock:
            return [sent.to for sent in self.sent]

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> Reply:
        token = headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.tokens:
            return Reply(401, {"message": "Authentication failed. Confirm that the access token"})
        if method == "GET" and (match := _PROFILE.match(path)):
            if not _USER_ID.match(match.group(1)):
                return Reply(404, {"message": "Not found"})
            language = self.languages.get(match.group(1), "ja")
            return Reply(200, {"userId": match.group(1), "displayName": "親", "language": language})
        if match := _MENU_IMAGE.match(path):
            return self._menu_image(match.group(1), headers.get("content-type", ""), body)
        if match := _DEFAULT_MENU.match(path):
            with self.lock:
                menu = self.menus.get(match.group(1))
                if menu is None:
                    return Reply(404, {"message": "Not found"})
                if menu["image"] is None:
                    return Reply(
                        400, {"message": "must upload richmenu image before applying it to user"}
                    )
                self.default_menu = self.default_menus[token] = match.group(1)
            return Reply(200, {})
        payload = json.loads(body or b"{}")
        if path == "/v2/bot/richmenu":
            return self._rich_menu(payload)
        if path == "/v2/bot/message/reply":
            if "x-line-retry-key" in headers:  # LINE refuses the key on any other API
                return Reply(400, {"message": "X-Line-Retry-Key is not supported"})
            messages = payload.get("messages") or []
            if not 1 <= len(messages) <= 5:
                return Reply(400, {"message": "The request body has 1 error(s)"})
            if problems := _refused(messages):
                return _refusal(problems)
            with self.lock:
                self.replies.append(
                    (payload["replyToken"], Sent("", payload["messages"], None, token))
                )
            # As LINE answers: one entry a message (the SDK refuses an empty list).
            sent = [{"id": uuid.uuid4().hex[:18], "quoteToken": "q"} for _ in payload["messages"]]
            return Reply(200, {"sentMessages": sent})
        if path == "/v2/bot/message/multicast":
            return self._multicast(payload, headers.get("x-line-retry-key"), token)
        if path == "/v2/bot/message/push":
            return self._push(payload, headers.get("x-line-retry-key"), token)
        return Reply(404, {"message": "Not found"})

    def _rich_menu(self, menu: dict[str, Any]) -> Reply:
        """LINE's checks of a rich menu object (Messaging API reference, "Rich menu object")."""
        size = menu.get("size") or {}
        width, height = size.get("width", 0), size.get("height", 0)
        problems = []
        if not (800 <= width <= 2500 and height >= 250 and width / height >= 1.45):
            problems.append(
                "size: width 800 to 2500, height 250 or more, width/height 1.45 or more"
            )
        if not isinstance(menu.get("selected"), bool):
            problems.append("selected: required")
        if not 1 <= len(menu.get("name", "")) <= 300:
            problems.append("name: 1 to 300 characters")
        if not 1 <= len(menu.get("chatBarText", "")) <= 14:
            problems.append("chatBarText: 1 to 14 characters")
        areas = menu.get("areas") or []
        if not 1 <= len(areas) <= 20:
            problems.append("areas: 1 to 20")
        for area in areas:
            bounds, action = area.get("bounds", {}), area.get("action", {})
            if bounds.get("x", -1) < 0 or bounds["x"] + bounds.get("width", 0) > width:
                problems.append("areas[].bounds: outside the menu")
            if action.get("type") == "message" and not 1 <= len(action.get("text", "")) <= 300:
                problems.append("areas[].action.text: 1 to 300 characters")
            if len(action.get("label", "")) > 20:
                problems.append("areas[].action.label: 20 characters at most")
        if problems:
            return Reply(400, {"message": "The request body has errors", "details": problems})
        menu_id = f"richmenu-{uuid.uuid4().hex}"
        with self.lock:
            self.menus[menu_id] = {"menu": menu, "image": None}
        return Reply(200, {"richMenuId": menu_id})

    def _menu_image(self, menu_id: str, content_type: str, body: bytes) -> Reply:
        with self.lock:
            menu = self.menus.get(menu_id)
        if menu is None:
            return Reply(404, {"message": "Not found"})
        if content_type not in ("image/png", "image/jpeg") or len(body) > 1024 * 1024:
            return Reply(400, {"message": "image: a PNG or JPEG of 1 MB at most"})
        size = menu["menu"]["size"]
        if content_type == "image/png" and struct.unpack(">II", body[16:24]) != (
            size["width"],
            size["height"],
        ):
            return Reply(400, {"message": "image size must match the rich menu's size"})
        with self.lock:
            menu["image"] = body
        return Reply(200, {})

    def _seen(self, retry_key: str | None, request_id: str) -> Reply | None:
        """A retry key accepted before answers 409 and delivers nothing (under the lock)."""
        if retry_key is not None and retry_key in self._accepted:
            self.refused_retries += 1
            return Reply(
                409,
                {"message": "The retry key is already accepted", "sentMessages": []},
                {"x-line-accepted-request-id": self._accepted[retry_key]},
            )
        if retry_key is not None:
            self._accepted[retry_key] = request_id
        return None

    def _push(self, payload: dict[str, Any], retry_key: str | None, token: str) -> Reply:
        to, messages = payload.get("to", ""), payload.get("messages", [])
        if not 1 <= len(messages) <= 5:
            return Reply(400, {"message": "The request body has 1 error(s)"})
        if problems := _refused(messages):
            return _refusal(problems)
        if not isinstance(to, str) or not _PUSH_TO.match(to):
            return Reply(400, {"message": "The property, 'to', in the request body is invalid"})
        request_id = uuid.uuid4().hex
        with self.lock:
            if seen := self._seen(retry_key, request_id):
                return seen
            self.sent.append(Sent(to, messages, retry_key, token))
        sent = {"sentMessages": [{"id": request_id[:18]}]}
        return Reply(200, sent, {"x-line-request-id": request_id})

    def _multicast(self, payload: dict[str, Any], retry_key: str | None, token: str) -> Reply:
        to, messages = payload.get("to", []), payload.get("messages", [])
        if not 1 <= len(to) <= 500 or not 1 <= len(messages) <= 5:
            return Reply(400, {"message": "The request body has 1 error(s)"})
        if problems := _refused(messages):
            return _refusal(problems)
        bad = [index for index, user in enumerate(to) if not _USER_ID.match(user)]
        if bad:
            return Reply(
                400,
                {
                    "message": "The request body has 1 error(s)",
                    "details": [
                        {"message": "invalid user id", "property": f"to[{index}]"} for index in bad
                    ],
                },
            )
        request_id = uuid.uuid4().hex
        with self.lock:
            if seen := self._seen(retry_key, request_id):
                return seen
            self.multicasts += 1
            self.sent.extend(Sent(user, messages, retry_key, token) for user in to)
        return Reply(200, {}, {"x-line-request-id": request_id}, delivered=len(to))
