"""Inline SVG charts for the HTML report, pure: report data in, SVG text out.

No scripts, no external fonts or images: the SVG is part of the one HTML file and renders
offline. Every piece of text is XML-escaped. Chinese labels use the system's CJK fonts.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FONT = (
    "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',"
    "'WenQuanYi Micro Hei','Heiti SC',sans-serif"
)
KIND_COLOURS = {"complaint": "#d9534f", "callback": "#3f7fd9", "return": "#f0a030"}
OTHER_COLOURS = ("#7b61c4", "#2aa198", "#8d6e63", "#607d8b")
MET, BREACHED = "#3c9a5f", "#d9534f"
LEVEL_COLOURS = {"satisfied": "#3c9a5f", "neutral": "#f0a030", "dissatisfied": "#d9534f"}
INK, MUTED, GRID = "#222", "#666", "#ddd"


def _text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start", fill: str = INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}">{escape(content)}</text>'
    )


def _rect(x: float, y: float, w: float, h: float, fill: str, title: str | None = None) -> str:
    inner = f"<title>{escape(title)}</title>" if title else ""
    size = f'width="{max(w, 0):.1f}" height="{max(h, 0):.1f}"'
    return f'<rect x="{x:.1f}" y="{y:.1f}" {size} fill="{fill}">{inner}</rect>'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label={quoteattr(title)} font-family="{FONT}" class="chart">'
        f"<title>{escape(title)}</title>" + "".join(body) + "</svg>"
    )


def _empty(width: int, title: str, message: str) -> str:
    return _svg(width, 70, title, [_text(width / 2, 40, message, size=14, anchor="middle", fill=MUTED)])


def kind_colour(kind: str, index: int) -> str:
    return KIND_COLOURS.get(kind, OTHER_COLOURS[index % len(OTHER_COLOURS)])


def _nice_step(peak: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000):
        if peak / step <= 5:
            return step
    return max(1, peak // 5)


def volume_chart(volume: dict[str, Any], *, title: str, closed_label: str, day_labels: Sequence[str]) -> str:
    """Stacked bars of new cases per day and kind, with a line for cases closed each day."""
    width, height = 760, 300
    left, right, top, bottom = 44, 16, 40, 46
    days = list(volume["days"])
    series = list(volume["series"])
    closed = list(volume["closed"])
    totals = [sum(s["counts"][i] for s in series) for i in range(len(days))]
    peak = max([*totals, *closed, 1])
    step = _nice_step(peak)
    top_value = -(-peak // step) * step
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(days), 1)
    bar = slot * 0.62
    body: list[str] = []
    for tick in range(0, top_value + 1, step):
        y = top + plot_h - plot_h * tick / top_value
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        body.append(_text(left - 6, y + 4, str(tick), size=11, anchor="end", fill=MUTED))
    for i, _day in enumerate(days):
        x = left + slot * i + (slot - bar) / 2
        base = top + plot_h
        for index, item in enumerate(series):
            count = item["counts"][i]
            if not count:
                continue
            h = plot_h * count / top_value
            base -= h
            body.append(_rect(x, base, bar, h, kind_colour(item["kind"], index), f"{item['label']} {count}"))
        if totals[i]:
            body.append(_text(x + bar / 2, base - 4, str(totals[i]), size=11, anchor="middle"))
        every = 1 if len(days) <= 14 else 2
        if i % every == 0:
            body.append(
                _text(x + bar / 2, top + plot_h + 16, day_labels[i], size=11, anchor="middle", fill=MUTED)
            )
    points = [
        (left + slot * i + slot / 2, top + plot_h - plot_h * count / top_value)
        for i, count in enumerate(closed)
    ]
    if points:
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(f'<polyline points="{path}" fill="none" stroke="{MET}" stroke-width="2"/>')
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{MET}"/>' for x, y in points]
    legend = [(s["label"], kind_colour(s["kind"], i)) for i, s in enumerate(series)] + [(closed_label, MET)]
    x = left
    for label, colour in legend:
        body.append(_rect(x, 12, 12, 12, colour))
        body.append(_text(x + 16, 22, label, size=12))
        x += 28 + 13 * len(label)
    return _svg(width, height, title, body)


def compliance_chart(
    rows: Sequence[dict[str, Any]], *, title: str, empty: str, met: str, breached: str
) -> str:
    """One horizontal bar per row (kind or deadline): met in green, breached in red."""
    rows = [r for r in rows if r["met"] + r["breached"]]
    width = 760
    if not rows:
        return _empty(width, title, empty)
    left, right, row_h, top = 150, 150, 34, 36
    height = top + row_h * len(rows) + 10
    plot_w = width - left - right
    body = [
        _rect(left, 10, 12, 12, MET),
        _text(left + 16, 20, met, size=12),
        _rect(left + 110, 10, 12, 12, BREACHED),
        _text(left + 126, 20, breached, size=12),
    ]
    for i, row in enumerate(rows):
        y = top + row_h * i
        total = row["met"] + row["breached"]
        met_w = plot_w * row["met"] / total
        body.append(_text(left - 8, y + 17, row["label"], size=12, anchor="end"))
        body.append(_rect(left, y + 4, met_w, 18, MET, f"{met} {row['met']}"))
        body.append(_rect(left + met_w, y + 4, plot_w - met_w, 18, BREACHED, f"{breached} {row['breached']}"))
        share = _percent(row["rate"])
        body.append(_text(left + plot_w + 8, y + 17, f"{share}  ({row['met']}/{total})", size=12))
    return _svg(width, height, title, body)


def satisfaction_chart(
    rows: Sequence[dict[str, Any]], levels: Sequence[dict[str, str]], *, title: str, empty: str
) -> str:
    """One 100% bar per source (callbacks, complaints): satisfied, neutral, dissatisfied."""
    rows = [r for r in rows if r["split"]["total"]]
    width = 760
    if not rows:
        return _empty(width, title, empty)
    left, right, row_h, top = 150, 150, 34, 36
    height = top + row_h * len(rows) + 10
    plot_w = width - left - right
    body: list[str] = []
    x = left
    for level in levels:
        body.append(_rect(x, 10, 12, 12, LEVEL_COLOURS.get(level["key"], MUTED)))
        body.append(_text(x + 16, 20, level["label"], size=12))
        x += 40 + 13 * len(level["label"])
    for i, row in enumerate(rows):
        y = top + row_h * i
        split = row["split"]
        body.append(_text(left - 8, y + 17, row["label"], size=12, anchor="end"))
        x = left
        for level in levels:
            count = split[level["key"]]
            w = plot_w * count / split["total"]
            body.append(
                _rect(x, y + 4, w, 18, LEVEL_COLOURS.get(level["key"], MUTED), f"{level['label']} {count}")
            )
            if w > 24:
                body.append(_text(x + w / 2, y + 17, str(count), size=11, anchor="middle", fill="#fff"))
            x += w
        body.append(
            _text(left + plot_w + 8, y + 17, f"{_percent(split['satisfied_rate'])}  (n={split['total']})")
        )
    return _svg(width, height, title, body)


def _percent(value: Any) -> str:
    if value is None:
        return "—"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal(1), ROUND_HALF_UP)}%"
