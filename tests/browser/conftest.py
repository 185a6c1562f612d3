"""Browser tests: the real app served on 127.0.0.1, driven by headless Chromium (Playwright).

They need Debian's chromium (`apt-get install chromium fonts-noto-cjk`) and axe-core
(`npm install --no-save --prefix tests/browser axe-core@4`); `.ci/run` installs both. Without
them these tests skip and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from jobs.worker import Worker
from service import create_app
from tests.conftest import with_line

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
MISSING = (
    "browser tests need Chromium and axe-core: apt-get install chromium fonts-noto-cjk; "
    "npm install --no-save --prefix tests/browser axe-core@4"
)


def _available() -> bool:
    return Path(CHROMIUM).exists() and AXE.exists()


PUSH_CONFIG = {
    "apiKey": "AIza-test",
    "projectId": "yorisou-test",
    "messagingSenderId": "1",
    "appId": "1:1:web:1",
    "vapidKey": "BPublicVapidKey",
}


@pytest.fixture
def live_app(request, settings, database) -> Iterator[Flask]:
    """The app, served on 127.0.0.1; its links in emails point at the server."""
    if "push_page" in request.fixturenames:  # push on: web config and (fake) credentials
        google = request.getfixturevalue("fake_google")
        settings = replace(
            settings,
            firebase_web_config=json.dumps(PUSH_CONFIG),
            firebase_credentials=json.dumps(google.service_account()),
            fcm_api_host=google.url,
        )
    if "fake_line" in request.fixturenames:
        settings = with_line(settings, request.getfixturevalue("fake_line"))
    if not _available():
        if os.environ.get("REQUIRE_BROWSER"):  # CI: never skip silently
            pytest.fail(MISSING)
        pytest.skip(MISSING)
    server = make_server("127.0.0.1", 0, Flask(__name__))
    base_url = f"http://127.0.0.1:{server.server_port}"
    server.app = app = create_app(replace(settings, public_base_url=base_url), database)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield app
    server.shutdown()


@pytest.fixture
def live_worker(live_app: Flask) -> Worker:
    return Worker(live_app)


def _browser_page(live_app: Flask, *, permissions: list[str]) -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        context = browser.new_context(
            viewport={"width": 390, "height": 844},
            base_url=live_app.extensions["yorisou.settings"].public_base_url,
            locale="ja-JP",
            permissions=permissions,
        )
        # Nothing leaves the machine: any address but the app's own is refused.
        context.route(
            lambda url: not url.startswith(("http://127.0.0.1", "data:")),
            lambda route: route.abort(),
        )
        page = context.new_page()
        page.set_default_timeout(10_000)
        yield page
        context.close()
        browser.close()


@pytest.fixture
def page(live_app: Flask) -> Iterator:
    yield from _browser_page(live_app, permissions=[])


@pytest.fixture
def push_page(live_app: Flask) -> Iterator:
    yield from _browser_page(live_app, permissions=["notifications"])


def check_accessibility(page) -> None:
    """axe-core on the page as it is: no serious or critical violation."""
    page.evaluate(AXE.read_text())  # evaluated by the browser, so our CSP does not block it
    result = page.evaluate("axe.run({resultTypes: ['violations']})")
    serious = [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:3]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not serious, json.dumps(serious, ensure_ascii=False, indent=1)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
