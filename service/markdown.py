"""Notice bodies are Markdown: rendered to sanitised HTML for email and pages.

Emphasis follows the CJK-friendly amendment to CommonMark (what markdown-it-cjk-friendly does
for JavaScript): a Japanese clerk writes `**予約は不要です。**どなたでも`, with no space after
the closing asterisks, and CommonMark alone would print the asterisks, because 「。」 is
punctuation and 「ど」 is not. A Chinese or Japanese character next to the asterisks counts as
a boundary, as a space or punctuation does; text without one parses exactly as CommonMark."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Delimiter, StateInline
from markupsafe import Markup

# Han, kana, CJK symbols and punctuation (、。「」), full-width forms (（）！), and the
# ideographs beyond the basic plane.
_CJK = re.compile(
    "[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\U00020000-\U0003134f]"
)


def _emphasis(state: StateInline, silent: bool) -> bool:
    """markdown-it's emphasis rule, with the CJK-friendly flanking for `*`."""
    marker = state.src[state.pos]
    if silent or marker not in ("_", "*"):
        return False
    if marker == "*":
        can_open, can_close, length = _flanking(state, state.pos)
    else:  # `_` stays CommonMark's: snake_case and __init__ beside Japanese are not emphasis
        scanned = state.scanDelims(state.pos, False)
        can_open, can_close, length = scanned.can_open, scanned.can_close, scanned.length
    for _ in range(length):
        token = state.push("text", "", 0)
        token.content = marker
        state.delimiters.append(
            Delimiter(
                marker=ord(marker),
                length=length,
                token=len(state.tokens) - 1,
                end=-1,
                open=can_open,
                close=can_close,
            )
        )
    state.pos += length
    return True


def _flanking(state: StateInline, start: int) -> tuple[bool, bool, int]:
    end = start
    while end < state.posMax and state.src[end] == "*":
        end += 1
    before = state.src[start - 1] if start > 0 else " "
    after = state.src[end] if end < state.posMax else " "

    def punctuation(char: str) -> bool:
        return isMdAsciiPunct(ord(char)) or isPunctChar(char)

    # CommonMark's rule for `*`, where a CJK character outside the run is a boundary too.
    boundary_before = isWhiteSpace(ord(before)) or punctuation(before) or bool(_CJK.match(before))
    boundary_after = isWhiteSpace(ord(after)) or punctuation(after) or bool(_CJK.match(after))
    left = not isWhiteSpace(ord(after)) and (not punctuation(after) or boundary_before)
    right = not isWhiteSpace(ord(before)) and (not punctuation(before) or boundary_after)
    return left, right, end - start


_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
_markdown.inline.ruler.at("emphasis", _emphasis)
# An address written out in staff's text (https://…, not inside a link of its own) becomes a
# link a parent can tap. It ends at the first character that is not ASCII, since Japanese is
# written right after it (「…/hitorioya/をご覧ください」), where linkify-it would run on; and
# without the punctuation that closes a sentence.
_BARE_ADDRESS = re.compile(r"(?<![(<\[A-Za-z0-9])https?://[!-~]+")


def _linked(source: str) -> str:
    def autolink(match: re.Match[str]) -> str:
        address = match.group(0)
        trimmed = address.rstrip(".,;:!?'\")*_~")
        return f"<{trimmed}>{address[len(trimmed) :]}"

    parts = source.split("`")  # not inside `code`
    return "`".join(
        part if index % 2 else _BARE_ADDRESS.sub(autolink, part) for index, part in enumerate(parts)
    )


_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "hr"}


def render_markdown(source: str) -> Markup:
    html = _markdown.render(_linked(source))
    return Markup(
        nh3.clean(
            html,
            tags=_TAGS,
            attributes={"a": {"href"}},
            url_schemes={"https", "http", "mailto", "tel"},
        )
    )


def text_with_links(source: str) -> str:
    """A body as plain text (the text part of an email, a calendar entry): no markup, each
    link's words followed by its address."""
    return plain_text(source, links_inline=True)[0]


def plain_text(source: str, *, links_inline: bool = False) -> tuple[str, list[tuple[str, str]]]:
    """The words of a body for a chat bubble, which shows no markup, and its web links
    (label, url), which the bubble offers as buttons instead (or, `links_inline`, the text
    gives each link's address after its words)."""
    lines: list[str] = []
    links: list[tuple[str, str]] = []
    bullet = ""
    for token in _markdown.parse(source):
        if token.type == "list_item_open":
            bullet = "・"
        elif token.type == "paragraph_close" and not token.hidden:
            lines.append("")
        elif token.type in {"heading_close", "bullet_list_close", "ordered_list_close"}:
            lines.append("")
        elif token.type == "inline":
            words, label_start, href = [], 0, ""
            for child in token.children or []:
                if child.type in {"text", "code_inline"}:
                    words.append(child.content)
                elif child.type in {"softbreak", "hardbreak"}:
                    words.append("\n")
                elif child.type == "link_open":
                    href, label_start = str(child.attrGet("href") or ""), len(words)
                elif child.type == "link_close":
                    label = "".join(words[label_start:]).strip()
                    if href.startswith(("https://", "http://")):
                        links.append((label or href, href))
                    if links_inline and href and label != href:
                        words.append(f" {href.removeprefix('mailto:')} ")
            lines.append(bullet + "".join(words))
            bullet = ""
    return "\n".join(lines).strip(), links
