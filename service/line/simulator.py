"""The demo's LINE simulator: a phone's chat with the city's LINE account, on the demo's own
page, so that staff see what a parent sees on LINE before the city has an account.

The parent's side is real webhook events, signed with the channel secret and posted to
Yorisou's own /webhooks/line; the city's side is what Yorisou sent to the fake LINE API
(tests/fakes/line.py) that `yorisou demo` runs in place of LINE: replies at once, notices from
the worker as they go out. Registered by `yorisou demo` only, never in a deployment."""

from __future__ import annotations

import json
import sys
import threading
import uuid
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, Flask, current_app, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from service import ROOT, get_settings
from service.channels import line_client
from service.extensions import csrf
from service.line.accounts import deployment_line
from service.line.menu import IMAGE, rich_menu

blueprint = Blueprint("demo", __name__, url_prefix="/demo")


@dataclass
class Said:
    """One speech bubble: the parent's (text) or the account's (texts and buttons)."""

    parent: bool
    texts: list[str]
    buttons: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Chat:
    """The conversation, gathered from the fake LINE API as it arrives."""

    fake: Any  # the module tests.fakes.line: its user ids and signatures
    line: Any  # its FakeLine, running
    said: list[Said] = field(default_factory=list)
    friend: bool = False
    _sent_seen: int = 0
    _replies_seen: int = 0
    _tokens: set[str] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def parent(self) -> str:
        """The simulated parent's LINE user id."""
        return str(self.fake.user_id("demo-parent"))

    def gather(self) -> None:
        """Add what the account sent this parent since the last look, in order."""
        with self._lock:
            replies = self.line.replies[self._replies_seen :]
            sent = self.line.sent[self._sent_seen :]
            self._replies_seen += len(replies)
            self._sent_seen += len(sent)
            for token, message in replies:
                if token in self._tokens:
                    self.said.append(_account(message))
            for message in sent:
                if message.to == self.parent:
                    self.said.append(_account(message))

    def send(self, event: dict[str, Any], words: str | None) -> None:
        """The parent does something: the event goes to Yorisou as LINE would send it."""
        token = f"demo-{uuid.uuid4().hex}"
        with self._lock:
            self._tokens.add(token)
            if words:
                self.said.append(Said(parent=True, texts=[words]))
        body = json.dumps(
            {
                "destination": "Udemo",
                "events": [
                    {
                        "mode": "active",
                        "timestamp": 0,
                        "source": {"type": "user", "userId": self.parent},
                        "webhookEventId": uuid.uuid4().hex[:26].upper(),
                        "deliveryContext": {"isRedelivery": False},
                        "replyToken": token,
                        **event,
                    }
                ],
            }
        ).encode()
        signed = self.fake.signature(body, get_settings().line_channel_secret)
        current_app.test_client().post(
            "/webhooks/line",
            data=body,
            headers={"Content-Type": "application/json", "X-Line-Signature": signed},
        )
        self.gather()


def _account(message: Any) -> Said:
    """What the account sent (tests.fakes.line.Sent): its words and its buttons."""
    return Said(parent=False, texts=message.texts, buttons=message.actions)


def _chat() -> Chat:
    chat: Chat = current_app.extensions["yorisou.demo_line"]
    return chat


def _menu() -> list[dict[str, Any]]:
    """The rich menu's buttons, as the parent sees them under the chat."""
    line = _chat().line
    menu = line.menus.get(line.default_menu or "")
    return [area["action"] for area in menu["menu"]["areas"]] if menu else []


@blueprint.get("/line")
def line_chat() -> ResponseReturnValue:
    chat = _chat()
    chat.gather()
    return render_template(
        "demo/line.html",
        chat=chat,
        menu=_menu(),
        typed=request.args.get("text", ""),
        account=get_settings().line_account_id,
    )


@blueprint.get("/line/said")
def line_said() -> ResponseReturnValue:
    """The conversation alone, for the page to refresh itself with."""
    chat = _chat()
    chat.gather()
    return render_template("demo/_said.html", chat=chat)


@blueprint.post("/line")
@csrf.exempt  # a simulated phone on the demo's laptop; nothing here is anyone's data
def line_act() -> ResponseReturnValue:
    chat, form = _chat(), request.form
    if form.get("follow"):  # what LINE had typed in for the parent stays typed in
        chat.friend = True
        chat.send({"type": "follow", "follow": {"isUnblocked": False}}, None)
        return redirect(url_for("demo.line_chat", text=form.get("typed") or None), 303)
    if data := form.get("postback", "")[:300]:  # a quick reply of the card's conversation
        chat.send({"type": "postback", "postback": {"data": data}}, form.get("shown", "")[:300])
    elif words := form.get("text", "").strip()[:5000]:
        message = {"type": "text", "id": uuid.uuid4().hex[:18], "text": words, "quoteToken": "q"}
        chat.send({"type": "message", "message": message}, words)
    return redirect(url_for("demo.line_chat"), 303)


def start_simulator(app: Flask) -> dict[str, str] | None:
    """Run the fake LINE API, point LINE's settings at it and add the simulator's page, with
    the rich menu in place. Returns the settings the worker needs to send there too, or None
    where the fakes are not at hand (not a checkout of the repository)."""
    if not (ROOT / "tests" / "fakes" / "line.py").exists():
        return None
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from tests.fakes import line as fake

    api = fake.FakeLine().start()
    settings = replace(
        app.extensions["yorisou.settings"],
        line_channel_secret=fake.CHANNEL_SECRET,
        line_channel_access_token=fake.ACCESS_TOKEN,
        line_account_id=fake.ACCOUNT_ID,
        line_api_host=api.url,
    )
    app.extensions["yorisou.settings"] = settings
    app.extensions["yorisou.demo_line"] = Chat(fake, api)
    app.register_blueprint(blueprint)
    config = deployment_line(settings)
    assert config is not None
    line_client(settings, config).install_rich_menu(rich_menu(), IMAGE.read_bytes())
    return {
        "LINE_CHANNEL_SECRET": fake.CHANNEL_SECRET,
        "LINE_CHANNEL_ACCESS_TOKEN": fake.ACCESS_TOKEN,
        "LINE_ACCOUNT_ID": fake.ACCOUNT_ID,
        "LINE_API_HOST": api.url,
    }
