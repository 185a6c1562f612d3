"""Small server-rendered SVG charts for the staff dashboard: no script, no CDN, printable."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

COLOURS = ("#1f5f8b", "#b35900", "#2e7d32", "#8e24aa", "#c62828", "#00838f", "#6d4c41", "#5c6bc0")


def horizontal_bars(title: str, items: Sequence[tuple[str, int]], *, unit: str = "") -> Markup:
    """One bar per item, labelled, longest first as given."""
    width, bar_left, row = 640, 190, 28
    height = max(len(items), 1) * row + 10
    top = max((value for _, value in items), default=0) or 1
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for index, (label, value) in enumerate(items):
        y = index * row + 5
        length = (width - bar_left - 70) * value / top
        parts.append(
            f'<text x="{bar_left - 8}" y="{y + 17}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{bar_left}" y="{y + 4}" width="{length:.1f}" height="18" '
            f'fill="{COLOURS[0]}"/>'
            f'<text x="{bar_left + length + 6:.1f}" y="{y + 17}">{value}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def stacked_columns(
    title: str, columns: Sequence[tuple[str, Mapping[str, int]]], series: Sequence[str]
) -> Markup:
    """One column per label (a day, a week), stacked by series, with a legend."""
    width, height, bottom, left = 640, 220, 30, 36
    top = max((sum(values.values()) for _, values in columns), default=0) or 1
    step = (width - left) / max(len(columns), 1)
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height + 10 + 16 * len(series)}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{left - 6}" y="14" text-anchor="end">{top}</text>',
        f'<text x="{left - 6}" y="{height - bottom}" text-anchor="end">0</text>',
    ]
    for index, (label, values) in enumerate(columns):
        x, base = left + index * step, float(height - bottom)
        for colour, name in zip(COLOURS, series, strict=False):
            size = (height - bottom - 10) * values.get(name, 0) / top
            if size:
                base -= size
                parts.append(
                    f'<rect x="{x + 1:.1f}" y="{base:.1f}" width="{max(step - 2, 1):.1f}" '
                    f'height="{size:.1f}" fill="{colour}"><title>{escape(label)} '
                    f"{escape(name)}: {values.get(name, 0)}</title></rect>"
                )
        if index % max(len(columns) // 6, 1) == 0:
            parts.append(f'<text x="{x:.1f}" y="{height - bottom + 16}">{escape(label)}</text>')
    for index, (colour, name) in enumerate(zip(COLOURS, series, strict=False)):
        y = height + 4 + index * 16  # a line each: counter names are long
        parts.append(
            f'<rect x="{left}" y="{y}" width="12" height="12" fill="{colour}"/>'
            f'<text x="{left + 18}" y="{y + 11}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
