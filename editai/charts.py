"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, nothing for the browser to
fetch, so the admin's dashboard renders anywhere the admin does (and in a screenshot test).

Two shapes: stacked columns over a run of labels (days), and horizontal bars for a ranking.
Every bar is a <rect class="bar"> carrying its series, label and value as data attributes; a
chart with nothing to draw says "No data" rather than showing an empty frame."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# Distinct on white and for the common colour-vision deficiencies (Okabe-Ito, darkened).
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f7f7f")
AXIS = "#767676"
TEXT = "#333333"
FONT = 'font-family="sans-serif" font-size="11"'
Formatter = Callable[[float], str]


def plain(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.2f}"


def dollars(value: float) -> str:
    return f"${value:,.2f}" if value >= 0.01 or value == 0 else f"${value:,.4f}"


@dataclass(frozen=True)
class Series:
    """One stacked layer: a value per label."""

    name: str
    values: Sequence[float]
    color: str


def _svg(width: int, height: int, title: str, body: list[str], *, empty: bool) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" data-empty="{str(empty).lower()}" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>"
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>'
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308  # every text and colour went through escape()


def _no_data(width: int, height: int, title: str) -> SafeString:
    return _svg(width, height, title, [
        f'<rect x="1" y="1" width="{width - 2}" height="{height - 2}" fill="none" stroke="{AXIS}" '
        'stroke-dasharray="4 4"/>',
        f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" dominant-baseline="middle" {FONT} '
        f'fill="{AXIS}">No data</text>',
    ], empty=True)  # fmt: skip


def stacked_columns(
    *,
    title: str,
    labels: Sequence[str],
    series: Sequence[Series],
    fmt: Formatter = plain,
    width: int = 720,
    height: int = 240,
    every: int = 5,
) -> SafeString:
    """A column per label, its series stacked bottom-up in order; heights are proportional to
    the values (the tallest stack fills the plot). `every`: label one column in so many."""
    for layer in series:
        if len(layer.values) != len(labels):
            raise ValueError(f"series {layer.name!r} has {len(layer.values)} values for {len(labels)} labels")
        if any(value < 0 for value in layer.values):
            raise ValueError(f"series {layer.name!r} has a negative value")
    totals = [sum(layer.values[i] for layer in series) for i in range(len(labels))]
    top = max(totals, default=0)
    if top <= 0:
        return _no_data(width, height, title)
    left, right, upper, lower = 64, 12, 28, 36
    plot_w, plot_h = width - left - right, height - upper - lower
    step = plot_w / len(labels)
    bar_w = max(step * 0.75, 1)
    base = upper + plot_h
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{upper}" x2="{width - right}" y2="{upper}" stroke="#e5e5e5"/>',
        f'<text x="{left - 6}" y="{upper + 4}" text-anchor="end" {FONT} fill="{TEXT}">{escape(fmt(top))}</text>',
        f'<text x="{left - 6}" y="{base + 4}" text-anchor="end" {FONT} fill="{TEXT}">{escape(fmt(0))}</text>',
    ]
    for i, label in enumerate(labels):
        x = left + i * step + (step - bar_w) / 2
        y = float(base)
        for layer in series:
            value = layer.values[i]
            if value <= 0:
                continue
            h = value / top * plot_h
            y -= h
            body.append(
                f'<rect class="bar" data-series="{escape(layer.name)}" data-label="{escape(label)}" '
                f'data-value="{value}" x="{x:.2f}" y="{y:.2f}" width="{bar_w:.2f}" height="{h:.2f}" '
                f'fill="{escape(layer.color)}"><title>{escape(f"{label} · {layer.name}: {fmt(value)}")}</title></rect>'
            )
        if i % every == 0 or i == len(labels) - 1:
            body.append(
                f'<text x="{x + bar_w / 2:.2f}" y="{base + 14}" text-anchor="middle" {FONT} '
                f'fill="{TEXT}">{escape(label)}</text>'
            )
    x = left
    for layer in series:  # the legend, along the top
        body.append(f'<rect x="{x}" y="8" width="10" height="10" fill="{escape(layer.color)}"/>')
        body.append(f'<text x="{x + 14}" y="17" {FONT} fill="{TEXT}">{escape(layer.name)}</text>')
        x += 24 + 7 * len(layer.name)
    return _svg(width, height, title, body, empty=False)


def ranked_bars(
    *,
    title: str,
    items: Sequence[tuple[str, float]],
    color: str = PALETTE[0],
    fmt: Formatter = plain,
    width: int = 720,
    row: int = 24,
) -> SafeString:
    """A horizontal bar per (label, value), in the order given; lengths proportional to the
    values (the largest fills the plot)."""
    if any(value < 0 for _, value in items):
        raise ValueError("a ranked bar cannot be negative")
    top = max((value for _, value in items), default=0)
    height = max(len(items) * row + 16, 120)
    if top <= 0:
        return _no_data(width, 120, title)
    left, right = 260, 90
    plot_w = width - left - right
    body = [f'<line x1="{left}" y1="8" x2="{left}" y2="{height - 8}" stroke="{AXIS}"/>']
    for i, (label, value) in enumerate(items):
        y = 8 + i * row
        w = value / top * plot_w
        shown = label if len(label) <= 40 else label[:39] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y + row / 2 + 4}" text-anchor="end" {FONT} fill="{TEXT}">{escape(shown)}</text>'
        )
        if w > 0:
            body.append(
                f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" x="{left}" y="{y + 3}" '
                f'width="{w:.2f}" height="{row - 6}" fill="{escape(color)}"><title>{escape(f"{label}: {fmt(value)}")}</title>'
                "</rect>"
            )
        body.append(
            f'<text x="{left + w + 6:.2f}" y="{y + row / 2 + 4}" {FONT} fill="{TEXT}">{escape(fmt(value))}</text>'
        )
    return _svg(width, height, title, body, empty=False)
