"""Bar charts as SVG for the printed report: the one place Polku draws a chart on the server.

A PDF has no browser to run Vega in, so the report's charts are drawn here as plain vector SVG that WeasyPrint
embeds. Each chart carries a title and a description for assistive technology, and the same figures are in a table
beside it. A withheld month is drawn as an outlined gap marked "..", a month without figures as a gap marked "–":
never as a zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

from polku.reports.layout import TrendPoint, number

WIDTH, HEIGHT = 640, 190
LEFT, RIGHT, TOP, BOTTOM = 74, 8, 14, 34
BAR = "#1f5f8b"
MUTED = "#5a5a5a"


def _ticks(top: Decimal) -> list[Decimal]:
    """Three or four round ticks from zero up to at least ``top``."""
    if top <= 0:
        return [Decimal(0), Decimal(1)]
    step = Decimal(1)
    while top / step > 4:
        for factor in (2, Decimal("2.5"), 2):
            step *= factor
            if top / step <= 4:
                break
    while top / step < 2 and step > Decimal("0.01"):
        step /= 2
    ticks = [Decimal(0)]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def bar_chart(points: Sequence[TrendPoint], *, unit: str, title: str, description: str, ident: str) -> str:
    """The series as bars, its axis in the active language's number format."""
    values = [p.cell.value for p in points if p.cell.value is not None]
    ticks = _ticks(max(values, default=Decimal(0)))
    top = ticks[-1] or Decimal(1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(len(points), 1)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" '
             f'height="{HEIGHT}" role="img" aria-labelledby="{ident}-t {ident}-d" font-family="DejaVu Sans, sans-serif" '
             f'font-size="10"><title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}'
             f'</desc>']
    for tick in ticks:
        y = TOP + plot_h - float(tick / top) * plot_h
        parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 3:.1f}" text-anchor="end" fill="{MUTED}">'
                     f'{escape(number(tick, unit))}</text>')
    label_every = 1 if len(points) <= 7 else 2 if len(points) <= 13 else 3
    for i, point in enumerate(points):
        x = LEFT + i * slot
        middle = x + slot / 2
        if point.cell.value is not None:
            h = float(point.cell.value / top) * plot_h
            parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - h:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="{max(h, 0.5):.1f}" fill="{BAR}"/>')
        else:
            mark = point.cell.text
            parts.append(f'<rect x="{x + slot * 0.15:.1f}" y="{TOP + plot_h - 24:.1f}" width="{slot * 0.7:.1f}" '
                         f'height="24" fill="none" stroke="{MUTED}" stroke-dasharray="3 2"/>')
            parts.append(f'<text x="{middle:.1f}" y="{TOP + plot_h - 8:.1f}" text-anchor="middle" '
                         f'fill="{MUTED}">{escape(mark)}</text>')
        if (len(points) - 1 - i) % label_every == 0:  # the latest month always labelled
            parts.append(f'<text x="{middle:.1f}" y="{HEIGHT - BOTTOM + 14}" text-anchor="middle" fill="{MUTED}">'
                         f'{escape(point.label)}</text>')
    parts.append(f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}" stroke="#333"/>')
    parts.append("</svg>")
    return "".join(parts)
