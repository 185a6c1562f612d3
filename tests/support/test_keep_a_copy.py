"""A copy of a programme's hand-off for the parent to keep — in the city's LINE chat (its
「持ち物 <programme>」 answered with what to bring and an apply button), by email from their own
mail app, or printed — with nothing sent or kept by Yorisou until the parent acts."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from tests.conftest import csrf_token
from tests.factories import create_catalogue, create_organisation
from tests.line import test_line_webhook as webhook
from tests.line.test_line_webhook import post, text

# The LINE webhook's app (with the fake LINE) and its client.
app, client = webhook.app, webhook.client
APPLY = "https://app.oss.myna.go.jp/"


@pytest.fixture
def city(session):
    city = create_organisation(session)
    create_catalogue(session, organisation=city)
    session.commit()
    return city


def _article(page, name):
    return page.split(f">{name}<", 1)[1].split("</article>", 1)[0]


def test_the_guide_offers_a_copy_in_line_by_email_and_printed(client, city):
    page = client.post(
        "/guide/aoba",
        data={"csrf_token": csrf_token(client, "/guide/aoba"), "worries": ["money"]},
    ).get_data(as_text=True)
    article = _article(page, "児童手当")
    assert "この内容を手元に残す：" in article
    line = re.search(r'href="(https://line\.me/R/oaMessage/[^"]+)"', article)
    assert line and unquote(line.group(1)).endswith("/?持ち物 jido-teate")
    mail = re.search(r'href="mailto:\?subject=([^&"]+)&amp;body=([^"]+)"', article)
    assert mail and unquote(mail.group(1)) == "児童手当"
    body = unquote(mail.group(2))
    assert "窓口に持っていくもの：" in body and f"オンラインで申請する： {APPLY}" in body
    assert "data-print" in article and "print-button.js" in page


def test_line_answers_with_what_to_bring_and_a_button_to_apply(client, fake_line, city):
    post(client, text("持ち物　jido-teate"))  # a full-width space, as a phone may type it
    [reply] = fake_line.replies[-1][1:]
    said = "\n".join(reply.texts)
    assert said.startswith("児童手当\n窓口に持っていくもの：")
    assert {"type": "uri", "label": "オンラインで申請する", "uri": APPLY} in reply.actions
    post(client, text("bring jido-teate"))  # from the guide in English
    assert "\n".join(fake_line.replies[-1][1].texts).startswith("Child allowance")
    post(client, text("持ち物 no-such-programme"))
    assert "持ち物" not in "\n".join(fake_line.replies[-1][1].texts)
