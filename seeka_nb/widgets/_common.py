"""Small pieces shared by the forms (layer 5): status lines, HTML tables, safe handlers.

Everything shown here is built from values that never include the public key: status
texts come from :class:`~seeka_nb.errors.SeekaError` messages (which never carry it) and
from :attr:`~seeka_nb.Credentials.masked_key`.  Colours come from the stylesheet of
:mod:`._theme` (JupyterLab theme variables), never fixed in the markup.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal

import pandas as pd

from ..errors import SeekaError
from ._theme import LEVEL_CLASS

__all__ = ["Level", "badge", "frame_html", "guarded", "kv_table", "plural", "status_html"]

log = logging.getLogger("seeka_nb.widgets")

Level = Literal["info", "ok", "warning", "error", "dry"]

#: Issue severities -> status level of their badge.
SEVERITY_LEVEL: dict[str, Level] = {"error": "error", "excluded": "warning", "warning": "info"}


def status_html(level: Level, text: str, *, css_class: str = "seeka-status") -> str:
    """One status line: a symbol badge in the level's colour and the escaped ``text``."""
    modifier, symbol = LEVEL_CLASS[level]
    return (
        f"<div class='{css_class} {css_class}-{level} seeka-line seeka-{modifier}'>"
        f"<span class='seeka-sym'>{symbol}</span>{html.escape(text)}</div>"
    )


def badge(level: Level, text: str) -> str:
    """A small coloured label (severity, outcome)."""
    modifier, _ = LEVEL_CLASS[level]
    return f"<span class='seeka-badge seeka-{modifier}'>{html.escape(text)}</span>"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``"1 order"``, ``"2 orders"`` (``many`` for irregular plurals)."""
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def kv_table(rows: Iterable[tuple[str, str | list[str]]]) -> str:
    """A two-column HTML table of (label, value); a list value is one line per item."""

    def cell(value: str | list[str]) -> str:
        if isinstance(value, list):
            return "<br>".join(html.escape(v) for v in value) or "—"
        return html.escape(value)

    body = "".join(
        f"<tr><th style='text-align:left;vertical-align:top;padding-right:1em'>"
        f"{html.escape(k)}</th><td style='text-align:left'>{cell(v)}</td></tr>"
        for k, v in rows
    )
    return f"<table style='line-height:1.4'>{body}</table>"


def frame_html(
    frame: pd.DataFrame,
    *,
    max_rows: int,
    empty: str,
    badges: Mapping[str, Mapping[str, Level]] | None = None,
    labels: Mapping[str, str] | None = None,
) -> str:
    """``frame``'s first ``max_rows`` rows as a bordered, scrollable HTML table.

    Missing values show as ``—`` (never ``None``/``nan``); ``badges`` maps a column to
    {value: level} to show those cells as coloured badges; ``labels`` renames headers.
    """
    if frame.empty:
        return f"<p class='seeka-muted'>{html.escape(empty)}</p>"
    shown = frame.head(max_rows)
    badges = badges or {}
    labels = labels or {}
    head = "".join(f"<th>{html.escape(labels.get(str(c), str(c)))}</th>" for c in shown.columns)
    cols = []
    for name in shown.columns:
        values = shown[name].astype(object).where(shown[name].notna(), None).tolist()
        levels = badges.get(str(name))
        cells = []
        for value in values:
            text = "—" if value is None else str(value)
            if levels is not None and text in levels:
                cells.append(badge(levels[text], text))
            else:
                cells.append(html.escape(text))
        cols.append(cells)
    body = "".join(
        "<tr>" + "".join(f"<td>{col[i]}</td>" for col in cols) + "</tr>" for i in range(len(shown))
    )
    more = len(frame) - max_rows
    note = (
        f"<p class='seeka-muted'>… and {more:,} more rows (see the DataFrame).</p>"
        if more > 0
        else ""
    )
    return (
        f"<div class='seeka-scroll'><table class='seeka-table'><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>{note}"
    )


def guarded(func: Callable[..., Any], show: Callable[[Level, str], None]) -> Callable[..., Any]:
    """``func`` wrapped so that its errors land in a status line instead of the kernel log.

    A :class:`SeekaError` shows its message (written for the user); anything else shows its
    type and message and is logged with its traceback.  Returns None on error.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SeekaError as exc:
            show("error", str(exc))
        except Exception as exc:  # a bug: say so where the user looks, keep the trace
            log.exception("seeka_nb widget callback failed")
            show("error", f"Unexpected error ({type(exc).__name__}): {exc}")
        return None

    return wrapper
