"""Words, money and small pictures for the displays (layer 2, pure: strings in, strings out).

Shared by the notebook displays (``Events``, ``SendReport``, ``ColumnMapping``, duplicate
findings) and the command line: plural forms (``plural(1, "request")`` → ``1 request``),
money in each currency's minor units (``JPY 7,960``, ``EUR 55.00``), HTML tables that show
a missing value as an empty cell (never ``NaN``/``None``), and two inline SVG charts that
need no plotting library: a stacked bar of counts and orders/revenue over time.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..schema import minor_units

#: Colours (GitHub's palette: readable on light backgrounds, red means failure).
RED, AMBER, YELLOW, GREEN, GREY, BLUE = (
    "#cf222e",
    "#bc4c00",
    "#9a6700",
    "#1a7f37",
    "#6e7781",
    "#0969da",
)
#: Background tints for rows by severity.
SEVERITY_TINT = {"error": "#ffebe9", "excluded": "#fff1e5", "warning": "#fff8c5"}
SEVERITY_COLOUR = {"error": RED, "excluded": AMBER, "warning": YELLOW}
STYLE = "font-family:system-ui,-apple-system,Segoe UI,sans-serif;font-size:13px;"
TABLE_STYLE = "border-collapse:collapse;margin:4px 0 8px 0;"
CELL = "padding:2px 8px;border-bottom:1px solid #d0d7de;text-align:left;vertical-align:top;"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 request``, ``2 requests``, ``1,200 orders`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def format_money(amount: float, currency: str | None) -> str:
    """``JPY 7,960``, ``AUD 652.95``, ``KWD 1.250``: the currency's own minor units."""
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return ""
    digits = minor_units(currency)
    text = f"{amount:,.{digits}f}"
    return f"{currency} {text}" if currency else text


def cell(value: object) -> str:
    """A table cell's text: empty for a missing value (None, NaN, NaT, pd.NA)."""
    if value is None:
        return ""
    try:
        if pd.isna(value):  # type: ignore[call-overload]
            return ""
    except (TypeError, ValueError):  # lists, arrays: not a scalar
        pass
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return str(value)


def table_html(
    frame: pd.DataFrame,
    *,
    tints: Sequence[str | None] | None = None,
    max_rows: int = 30,
) -> str:
    """A compact HTML table; missing values are empty cells; ``tints`` colour rows."""
    esc = html.escape
    head = "".join(f"<th style='{CELL}'>{esc(str(c))}</th>" for c in frame.columns)
    rows = []
    for i, values in enumerate(frame.head(max_rows).itertuples(index=False)):
        tint = tints[i] if tints is not None and i < len(tints) else None
        style = f" style='background:{tint}'" if tint else ""
        tds = "".join(f"<td style='{CELL}'>{esc(cell(v))}</td>" for v in values)
        rows.append(f"<tr{style}>{tds}</tr>")
    more = ""
    if len(frame) > max_rows:
        more = f"<p style='color:{GREY}'>… and {plural(len(frame) - max_rows, 'more row')}</p>"
    return (
        f"<table style='{TABLE_STYLE}'><thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>{more}"
    )


def svg_stacked_bar(parts: Sequence[tuple[str, int, str]], *, width: int = 480) -> str:
    """One horizontal bar split by count, with a legend: ``[(label, n, colour), ...]``."""
    esc = html.escape
    shown = [(label, n, colour) for label, n, colour in parts if n > 0]
    total = sum(n for _, n, _ in shown)
    if total == 0:
        return ""
    x = 0.0
    rects, legend = [], []
    for label, n, colour in shown:
        w = width * n / total
        rects.append(
            f"<rect x='{x:.1f}' y='0' width='{max(w, 1.5):.1f}' height='18' fill='{colour}'>"
            f"<title>{esc(label)}: {n:,}</title></rect>"
        )
        x += w
    lx = 0
    for label, n, colour in shown:
        text = f"{label} {n:,}"
        legend.append(
            f"<rect x='{lx}' y='26' width='10' height='10' fill='{colour}'/>"
            f"<text x='{lx + 14}' y='35' font-size='12' fill='#24292f'>{esc(text)}</text>"
        )
        lx += 24 + 7 * len(text)
    full = max(width, lx)
    summary = ", ".join(f"{label} {n}" for label, n, _ in shown)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{full}' height='40' role='img' "
        f"aria-label='{esc(summary)}' style='display:block;margin:6px 0'>"
        f"{''.join(rects)}{''.join(legend)}</svg>"
    )


def _buckets(times: pd.Series) -> tuple[pd.Series, str]:
    span = times.max() - times.min()
    if span <= pd.Timedelta(days=62):
        return times.dt.floor("D"), "day"
    naive = times.dt.tz_convert(None)  # periods have no time zone; the times are UTC
    if span <= pd.Timedelta(days=7 * 60):
        return naive.dt.to_period("W").dt.start_time.dt.tz_localize("UTC"), "week"
    return naive.dt.to_period("M").dt.start_time.dt.tz_localize("UTC"), "month"


def svg_timeline(
    times: pd.Series, totals: np.ndarray, currencies: np.ndarray, *, width: int = 480
) -> str:
    """Orders per day/week/month as bars, revenue of the main currency as a line.

    ``times`` are UTC timestamps (NaT ignored), one per order; ``totals`` and ``currencies``
    align with them.  Empty string when there is nothing to draw.
    """
    esc = html.escape
    frame = pd.DataFrame(
        {"t": pd.to_datetime(times, utc=True), "v": totals, "c": pd.Series(currencies)}
    ).dropna(subset=["t"])
    if frame.empty:
        return ""
    frame["b"], unit = _buckets(frame["t"])
    main = frame["c"].mode()
    cur = str(main.iloc[0]) if len(main) else None
    grouped = frame.groupby("b")
    counts = grouped.size()
    revenue = frame[frame["c"] == cur].groupby("b")["v"].sum(min_count=1).reindex(counts.index)
    freq = {"day": "D", "week": "W-MON", "month": "MS"}[unit]
    full: pd.Index = pd.date_range(counts.index.min(), counts.index.max(), freq=freq)
    if len(full) == 0 or not counts.index.isin(full).all():  # never drop a bucket
        full = counts.index
    counts = counts.reindex(full, fill_value=0)
    revenue = revenue.reindex(full)
    n = len(counts)
    h, top, left = 90, 14, 4
    slot = (width - 2 * left) / n
    peak = max(int(counts.max()), 1)
    bars = []
    for i, (when, k) in enumerate(counts.items()):
        bh = (h - top) * k / peak
        bars.append(
            f"<rect x='{left + i * slot + slot * 0.1:.1f}' y='{h - bh:.1f}' "
            f"width='{max(slot * 0.8, 1):.1f}' height='{bh:.1f}' fill='{BLUE}' opacity='0.55'>"
            f"<title>{when:%Y-%m-%d}: {plural(int(k), 'order')}</title></rect>"
        )
    line = ""
    rev = revenue.to_numpy(dtype=float)
    if cur and np.isfinite(rev).any():
        rpeak = np.nanmax(rev) or 1.0
        pts = [
            f"{left + (i + 0.5) * slot:.1f},{h - (h - top) * v / rpeak:.1f}"
            for i, v in enumerate(rev)
            if np.isfinite(v)
        ]
        line = (
            f"<polyline points='{' '.join(pts)}' fill='none' stroke='{GREEN}' "
            f"stroke-width='2'><title>revenue {esc(cur)} per {unit}</title></polyline>"
        )
        if len(pts) == 1:
            x, y = pts[0].split(",")
            line += f"<circle cx='{x}' cy='{y}' r='3' fill='{GREEN}'/>"
    first, last = counts.index.min(), counts.index.max()
    labels = (
        f"<text x='{left}' y='{h + 14}' font-size='11' fill='{GREY}'>{first:%Y-%m-%d}</text>"
        f"<text x='{width - left}' y='{h + 14}' font-size='11' fill='{GREY}' "
        f"text-anchor='end'>{last:%Y-%m-%d}</text>"
        f"<text x='{left}' y='10' font-size='11' fill='{BLUE}'>orders per {unit} "
        f"(peak {peak:,})</text>"
    )
    if line:
        labels += (
            f"<text x='{width - left}' y='10' font-size='11' fill='{GREEN}' "
            f"text-anchor='end'>revenue {esc(cur or '')} per {unit}</text>"
        )
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{h + 18}' "
        f"role='img' aria-label='orders and revenue per {unit}' "
        f"style='display:block;margin:6px 0;background:#f6f8fa'>"
        f"{''.join(bars)}{line}{labels}</svg>"
    )


def kv_table(rows: Sequence[tuple[str, str]]) -> str:
    """A two-column table of labels and values."""
    esc = html.escape
    body = "".join(
        f"<tr><th style='{CELL}font-weight:600'>{esc(a)}</th><td style='{CELL}'>{esc(b)}</td></tr>"
        for a, b in rows
    )
    return f"<table style='{TABLE_STYLE}'>{body}</table>"


def box(inner: str, *, colour: str = GREY) -> str:
    """A bordered block (the whole display, or a warning inside it)."""
    return (
        f"<div style='{STYLE}border-left:4px solid {colour};padding:4px 10px;margin:4px 0'>"
        f"{inner}</div>"
    )


def money_by_currency(revenue: Mapping[str, float]) -> str:
    """``AUD 652.95 · JPY 7,960``."""
    return " · ".join(format_money(v, c) for c, v in revenue.items()) or "—"
