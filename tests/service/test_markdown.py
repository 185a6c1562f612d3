"""Bold as a Japanese clerk writes it, in the one renderer every message and page uses: the
HTML of emails and pages, and the text part of emails and chat bubbles."""

from __future__ import annotations

import pytest

from service.markdown import plain_text, render_markdown, text_with_links


@pytest.mark.parametrize(
    ("source", "html", "text"),
    [
        (  # punctuation inside the emphasis, a letter right after it
            "**予約は不要です。**どなたでも参加できます。",
            "<p><strong>予約は不要です。</strong>どなたでも参加できます。</p>",
            "予約は不要です。どなたでも参加できます。",
        ),
        (  # 「」 inside, no space around
            "どなたでも**「予約不要」**です。",
            "<p>どなたでも<strong>「予約不要」</strong>です。</p>",
            "どなたでも「予約不要」です。",
        ),
        (
            "「**予約**」してください",
            "<p>「<strong>予約</strong>」してください</p>",
            "「予約」してください",
        ),
        (
            "申込み**（先着20名）**です",
            "<p>申込み<strong>（先着20名）</strong>です</p>",
            "申込み（先着20名）です",
        ),
        (
            "**8月31日（火）まで**に提出してください。",
            "<p><strong>8月31日（火）まで</strong>に提出してください。</p>",
            "8月31日（火）までに提出してください。",
        ),
        (
            "*注意*：締め切りがあります",
            "<p><em>注意</em>：締め切りがあります</p>",
            "注意：締め切りがあります",
        ),
        (
            "- **申込み不要。**当日会場へ\n- 持ち物：**筆記用具**。",
            "<ul>\n<li><strong>申込み不要。</strong>当日会場へ</li>\n"
            "<li>持ち物：<strong>筆記用具</strong>。</li>\n</ul>",
            "・申込み不要。当日会場へ\n・持ち物：筆記用具。",
        ),
        # Without a CJK character beside the asterisks, CommonMark exactly.
        ("**bold.**text", "<p>**bold.**text</p>", "**bold.**text"),
        ("a **b** c", "<p>a <strong>b</strong> c</p>", "a b c"),
        ("snake_case と__init__", "<p>snake_case と__init__</p>", "snake_case と__init__"),
    ],
)
def test_bold_as_japanese_staff_write_it(source, html, text):
    assert str(render_markdown(source)).strip() == html
    assert text_with_links(source) == text
    assert plain_text(source)[0] == text


def test_an_address_written_out_is_a_link_that_ends_where_japanese_begins():
    html = render_markdown(
        "詳しくはhttps://www.city.aoba.example.jp/hitorioya/をご覧ください。"
        "（https://a.example.jp/y） see https://b.example.jp/z. "
        "[市のページ](https://c.example.jp) `https://d.example.jp` example.jp"
    )
    assert (
        '詳しくは<a href="https://www.city.aoba.example.jp/hitorioya/" rel="noopener noreferrer">'
        "https://www.city.aoba.example.jp/hitorioya/</a>をご覧ください。" in html
    )
    assert '（<a href="https://a.example.jp/y"' in html and "</a>）" in html
    assert (
        '<a href="https://b.example.jp/z" rel="noopener noreferrer">https://b.example.jp/z</a>.'
        in html
    )
    assert html.count("<a ") == 4  # the link written as a link stays one; code stays code
    assert "example.jp</p>" in html  # a name without its scheme stays words
