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
