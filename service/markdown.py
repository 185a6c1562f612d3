"""Notice bodies are Markdown: rendered to sanitised HTML for email and pages."""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True})
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "h2", "h3", "h4", "blockquote", "hr"}


def render_markdown(source: str) -> Markup:
    html = _markdown.render(source)
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
