"""Server-side SVG charts: readable without JavaScript, each with the table it was drawn from.

Every label goes through ``format_html``/``escape``, so article titles and answers typed by
visitors cannot inject markup. Colours come from CSS classes (``insights.css``) with inline
fallbacks, and line series also differ by dash pattern and marker so they read in greyscale.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

# Fallback colours (Okabe–Ito, distinguishable with colour-vision deficiencies) and dashes.
COLOURS = ("#0072b2", "#d55e00", "#009e73", "#cc79a7", "#e69f00", "#56b4e9")
DASHES = ("", "6 3", "2 3", "8 3 2 3", "1 2", "4 4")
_ids = itertools.count(1)


@dataclass
class Chart:
    """An SVG drawing and its table view (caption, column headers, rows of cells)."""

    title: str
    svg: SafeString
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    description: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.rows


def _fmt(value: float | None) -> str:
    if value is None:
        return "–"
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _n(value: float) -> str:
    """A coordinate with one decimal (format_html escapes arguments to text first)."""
    return f"{value:.1f}"


def nice_max(value: float) -> float:
    """A round axis maximum at or above ``value``: 1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg_open(chart_id: str, width: int, height: int, title: str, description: str) -> str:
    return format_html(
        '<svg class="lc-chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg" '
        'preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-t">{title}</title><desc id="{id}-d">{desc}</desc>',
        w=width,
        h=height,
        id=chart_id,
        title=title,
        desc=description or title,
    )


def bar_chart(
    *,
    title: str,
    items: Sequence[tuple[str, float | None]],
    value_label: str,
    label_header: str = "",
    description: str = "",
    width: int = 640,
    bar_height: int = 22,
    label_width: int = 220,
    links: Sequence[str] | None = None,
) -> Chart:
    """Horizontal bars, one per (label, value); long labels are shortened, kept in tooltips.

    ``links`` (one URL per bar) makes each bar a link, to drill down to what it counts.
    """
    chart_id = f"lc-chart-{next(_ids)}"
    values = [v or 0 for _, v in items]
    top = nice_max(max(values, default=0))
    plot = width - label_width - 70
    height = max(len(items), 1) * (bar_height + 6) + 30
    parts = [_svg_open(chart_id, width, height, title, description)]
    for index, (label, value) in enumerate(items):
        y = 10 + index * (bar_height + 6)
        length = 0 if not value else max(plot * value / top, 1)
        parts.append(
            format_html(
                '<g class="lc-bar"><title>{full}: {value}</title>'
                '<text class="lc-label" x="{lx}" y="{ty}" text-anchor="end">{short}</text>'
                '<rect class="lc-series-0" x="{x}" y="{y}" width="{len}" height="{h}" '
                'fill="{colour}"></rect>'
                '<text class="lc-value" x="{vx}" y="{ty}">{value}</text></g>',
                full=label,
                short=_truncate(label, 30),
                value=_fmt(value),
                lx=label_width - 8,
                ty=_n(y + bar_height * 0.7),
                x=label_width,
                y=y,
                len=_n(length),
                h=bar_height,
                colour=COLOURS[0],
                vx=_n(label_width + length + 6),
            )
        )
        if links:
            parts[-1] = format_html(
                '<a href="{}" aria-label="{}: {}">{}</a>',
                links[index],
                label,
                _fmt(value),
                parts[-1],
            )
    axis_y = height - 14
    parts.append(
        format_html(
            '<line class="lc-axis" x1="{x}" y1="{y}" x2="{x2}" y2="{y}" stroke="#767676"></line>'
            '<text class="lc-tick" x="{x}" y="{ty}">0</text>'
            '<text class="lc-tick" x="{x2}" y="{ty}" text-anchor="end">{top}</text>',
            x=label_width,
            x2=label_width + plot,
            y=axis_y,
            ty=axis_y + 12,
            top=_fmt(top),
        )
    )
    if not items:
        parts.append(
            format_html(
                '<text class="lc-empty" x="{x}" y="20">{text}</text>', x=label_width, text="—"
            )
        )
    parts.append("</svg>")
    return Chart(
        title=title,
        svg=mark_safe("".join(parts)),  # every part above was built with format_html
        columns=[label_header or title, value_label],
        rows=[[label, _fmt(value)] for label, value in items],
        description=description,
    )


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    x_header: str = "",
    description: str = "",
    width: int = 640,
    height: int = 290,
) -> Chart:
    """One line per series over shared x labels (dates); gaps where a value is None."""
    chart_id = f"lc-chart-{next(_ids)}"
    left, right, top_pad, bottom = 64, 16, 12, 96
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    peak = max((v for _, vals in series for v in vals if v is not None), default=0)
    top = nice_max(peak)
    count = len(x_labels)
    step = plot_w / (count - 1) if count > 1 else 0

    def x_at(i: int) -> float:
        return left + (i * step if count > 1 else plot_w / 2)

    def y_at(v: float) -> float:
        return top_pad + plot_h - plot_h * v / top

    parts = [_svg_open(chart_id, width, height, title, description)]
    for tick in range(5):
        value = top * tick / 4
        parts.append(
            format_html(
                '<line class="lc-grid" x1="{x1}" x2="{x2}" y1="{y}" y2="{y}" '
                'stroke="#dddddd"></line>'
                '<text class="lc-tick" x="{tx}" y="{ty}" text-anchor="end">{v}</text>',
                x1=left,
                x2=left + plot_w,
                y=_n(y_at(value)),
                tx=left - 6,
                ty=_n(y_at(value) + 4),
                v=_fmt(value),
            )
        )
    label_every = max(1, math.ceil(count / 10))
    for i, label in enumerate(x_labels):
        if i % label_every and i != count - 1:
            continue
        parts.append(
            format_html(
                '<text class="lc-tick" x="{x}" y="{y}" text-anchor="end" '
                'transform="rotate(-40 {x} {y})">{label}</text>',
                x=_n(x_at(i)),
                y=top_pad + plot_h + 16,
                label=label,
            )
        )
    for n, (name, values) in enumerate(series):
        colour, dash = COLOURS[n % len(COLOURS)], DASHES[n % len(DASHES)]
        runs: list[list[str]] = [[]]
        for i, value in enumerate(values):
            if value is None:
                runs.append([])
                continue
            runs[-1].append(f"{_n(x_at(i))},{_n(y_at(value))}")
        parts.append(format_html('<g class="lc-line lc-series-{}">', n))
        for run in runs:
            if len(run) > 1:
                parts.append(
                    format_html(
                        '<polyline fill="none" stroke="{c}" stroke-width="2" '
                        'stroke-dasharray="{d}" points="{p}"></polyline>',
                        c=colour,
                        d=dash,
                        p=" ".join(run),
                    )
                )
        for i, value in enumerate(values):
            if value is None:
                continue
            parts.append(
                format_html(
                    '<circle cx="{x}" cy="{y}" r="3" fill="{c}">'
                    "<title>{name}, {label}: {v}</title></circle>",
                    x=_n(x_at(i)),
                    y=_n(y_at(value)),
                    c=colour,
                    name=name,
                    label=x_labels[i],
                    v=_fmt(value),
                )
            )
        parts.append("</g>")
    legend_y = height - 8
    parts.append(
        format_html_join(
            "",
            '<g class="lc-legend"><line x1="{x}" x2="{x2}" y1="{y}" y2="{y}" stroke="{c}" '
            'stroke-width="2" stroke-dasharray="{d}"></line>'
            '<text x="{tx}" y="{ty}">{name}</text></g>',
            (
                {
                    "x": left + n * 140,
                    "x2": left + n * 140 + 22,
                    "y": legend_y - 4,
                    "c": COLOURS[n % len(COLOURS)],
                    "d": DASHES[n % len(DASHES)],
                    "tx": left + n * 140 + 28,
                    "ty": legend_y,
                    "name": _truncate(name, 18),
                }
                for n, (name, _values) in enumerate(series)
            ),
        )
    )
    parts.append("</svg>")
    rows = [[label, *(_fmt(values[i]) for _, values in series)] for i, label in enumerate(x_labels)]
    return Chart(
        title=title,
        svg=mark_safe("".join(parts)),  # every part above was built with format_html
        columns=[x_header or title, *(name for name, _ in series)],
        rows=rows,
        description=description,
    )
