"""The LINE account's rich menu: five buttons under the chat, since residents find buttons
where keywords fail. Each sends a word the chat already understands (service.line.chat)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

IMAGE = Path(__file__).resolve().parents[2] / "static" / "line-rich-menu.png"
WIDTH, HEIGHT = 2500, 843
# (what the button sends, its label for screen readers and notifications)
BUTTONS = [
    ("質問", "質問する"),
    ("制度", "制度を調べる"),
    ("相談", "窓口に相談する"),
    ("設定", "お知らせの設定"),
    ("配信停止", "配信を停止する"),
]


def rich_menu() -> dict[str, Any]:
    """The rich menu object, its areas side by side over the picture (static/line-rich-menu.png)."""
    step = WIDTH // len(BUTTONS)
    return {
        "size": {"width": WIDTH, "height": HEIGHT},
        "selected": True,  # open when the chat opens
        "name": "yorisou",
        "chatBarText": "メニュー",
        "areas": [
            {
                "bounds": {"x": index * step, "y": 0, "width": step, "height": HEIGHT},
                "action": {"type": "message", "label": label, "text": word},
            }
            for index, (word, label) in enumerate(BUTTONS)
        ],
    }
