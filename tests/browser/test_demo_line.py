"""The demo's LINE simulator in a browser: a parent registers on the QR page with LINE, the
chat opens with the code typed in, and a notice the worker sends shows up by itself."""

from __future__ import annotations

from datetime import timedelta

from jobs.worker import Worker
from service.line.simulator import start_simulator
from service.types import utcnow
from tests.browser.conftest import check_accessibility, screenshot
from tests.factories import create_notice, create_organisation, create_source, create_topic


def test_a_parent_registers_in_the_simulated_line_chat(page, session, live_app):
    start_simulator(live_app)
    try:
        city = create_organisation(session)
        topic = create_topic(session, organisation=city, name_ja="児童扶養手当")
        create_source(session, organisation=city)
        page.goto("/s/koseki")
        page.get_by_role("checkbox", name="児童扶養手当").check()
        page.get_by_label("に同意します").check()
        page.get_by_role("button", name="LINEで受け取る").click()
        page.get_by_role("link", name="LINEを開く").click()
        page.get_by_role("button", name="友だち追加").click()
        page.get_by_text("友だち追加ありがとうございます").wait_for()
        page.get_by_role("button", name="送信").click()  # the code, typed in already
        page.get_by_text("登録が完了しました").wait_for()
        create_notice(
            session,
            organisation=city,
            topics=[topic],
            channels=["line"],
            title="現況届の受付が始まります",
            starts_at=utcnow(),
        )
        noon = (utcnow() + timedelta(days=1)).replace(hour=3, minute=0, second=0, microsecond=0)
        Worker(live_app).run_once(noon)  # made after the simulator: it sends there
        page.get_by_text("現況届の受付が始まります").wait_for()  # no reload: the page polls
        check_accessibility(page)
        screenshot(page, "demo-line-chat")
    finally:
        live_app.extensions["yorisou.demo_line"].line.stop()
