"""Small pieces shared by the forms (layer 5): status lines, HTML tables, safe handlers.

Everything shown here is built from values that never include the public key: status
texts come from :class:`~seeka_nb.errors.SeekaError` messages (which never carry it) and
from :attr:`~seeka_nb.Credentials.masked_key`.
"""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable, Iterable
from typing import Any, Literal

import pandas as pd

from ..errors import SeekaError

__all__ = ["Level", "frame_html", "guarded", "kv_table", "status_html"]

log = logging.getLogger("seeka_nb.widgets")

Level = Literal["info", "ok", "warning", "error"]

_LEVEL_STYLE: dict[str, tuple[str, str]] = {
    "info": ("#57606a", "ℹ"),
    "ok": ("#1a7f37", "✓"),
    "warning": ("#9a6700", "⚠"),
    "error": ("#cf222e", "✗"),
}


def status_html(level: Level, text: str, *, css_class: str = "seeka-status") -> str:
    """One status line: a coloured symbol and the escaped ``text``."""
    colour, symbol = _LEVEL_STYLE[level]
    return (
        f"<div class='{css_class} {css_class}-{level}' style='color:{colour};line-height:1.4'>"
        f"{symbol} {html.escape(text)}</div>"
    )


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


def frame_html(frame: pd.DataFrame, *, max_rows: int, empty: str) -> str:
    """``frame``'s first ``max_rows`` rows as an HTML table, with a note when cut."""
    if frame.empty:
        return f"<p>{html.escape(empty)}</p>"
    shown = frame.head(max_rows).to_html(index=False, border=0, na_rep="")
    more = len(frame) - max_rows
    note = f"<p>… and {more:,} more rows (see the DataFrame).</p>" if more > 0 else ""
    return f"<div style='overflow-x:auto'>{shown}</div>{note}"


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
