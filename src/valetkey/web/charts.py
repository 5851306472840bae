"""Server-rendered SVG charts for the dashboard (no chart library, no script).

`activity_chart` draws executions and errors per time bucket as grouped bars
with axis labels; the numbers are also in the SVG's <title> elements (shown as
tooltips, and read by screen readers), and the page puts a table beside it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 720, 220
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 14, 34


@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    executions: int
    errors: int


def bucketize(
    points: Sequence[tuple[dt.datetime, bool]], *, end: dt.datetime, buckets: int, seconds: int
) -> list[Bucket]:
    """Counts of (created_at, successful) points in `buckets` windows of `seconds` ending at `end`."""
    start = end - dt.timedelta(seconds=buckets * seconds)
    runs = [0] * buckets
    errors = [0] * buckets
    for at, ok in points:
        index = int((at - start).total_seconds() // seconds)
        if 0 <= index < buckets:
            runs[index] += 1
            errors[index] += 0 if ok else 1
    return [Bucket(start + dt.timedelta(seconds=i * seconds), runs[i], errors[i]) for i in range(buckets)]


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000):
        if value <= step:
            return step
    return value


def activity_chart(buckets: Sequence[Bucket], *, label_format: str = "%H:%M") -> Markup:
    peak = _nice_max(max((b.executions for b in buckets), default=0) or 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(buckets))
    bar = max(1.0, slot * 0.38)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        'xmlns="http://www.w3.org/2000/svg">',
        '<title id="chart-title">Executions and errors over time</title>',
    ]
    for tick in (0, peak // 2, peak):
        y = TOP + plot_h - plot_h * tick / peak
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" class="grid"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" class="axis">{tick}</text>')
    every = max(1, len(buckets) // 6)
    for i, b in enumerate(buckets):
        x = LEFT + i * slot + (slot - 2 * bar) / 2
        h_runs = plot_h * b.executions / peak
        h_errs = plot_h * b.errors / peak
        when = b.start.strftime("%Y-%m-%d %H:%M")
        parts.append(
            f'<rect x="{x:.1f}" y="{TOP + plot_h - h_runs:.1f}" width="{bar:.1f}" height="{h_runs:.1f}" '
            f'class="bar-runs"><title>{escape(when)}: {b.executions} executions</title></rect>'
        )
        parts.append(
            f'<rect x="{x + bar:.1f}" y="{TOP + plot_h - h_errs:.1f}" width="{bar:.1f}" height="{h_errs:.1f}" '
            f'class="bar-errors"><title>{escape(when)}: {b.errors} errors</title></rect>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{LEFT + i * slot + slot / 2:.1f}" y="{HEIGHT - 12}" text-anchor="middle" '
                f'class="axis">{escape(b.start.strftime(label_format))}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every interpolated text is escaped or a number
