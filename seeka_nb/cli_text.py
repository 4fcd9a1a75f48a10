"""Terminal text for the ``seeka-nb`` command (layer 5): lines that fit, plural forms.

Every line printed fits the terminal, and never more than 100 columns: prose is wrapped
(continuation lines indented), table lines are cut with ``…`` (the long column — a
message, an error — is the last one).  ``COLUMNS`` narrows it, as in any terminal program.
"""

from __future__ import annotations

import shutil
import textwrap

import pandas as pd

from .core.display import plural

__all__ = ["MAX_WIDTH", "plural", "say", "table", "width"]

MAX_WIDTH = 100
MIN_WIDTH = 60


def width() -> int:
    """The terminal's width (``COLUMNS`` first), between 60 and 100 columns."""
    columns = shutil.get_terminal_size((MAX_WIDTH, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def wrap(text: object, limit: int | None = None) -> str:
    """``text`` with each line wrapped to ``limit`` (continuations indented two more)."""
    limit = limit or width()
    out = []
    for line in str(text).splitlines() or [""]:
        if len(line) <= limit:
            out.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")))
        out.extend(
            textwrap.wrap(
                line.strip(),
                width=limit,
                initial_indent=indent,
                subsequent_indent=indent + "  ",
                break_on_hyphens=False,
            )
        )
    return "\n".join(out)


def say(text: object = "") -> None:
    """Print ``text`` wrapped to the terminal (see :func:`wrap`)."""
    print(wrap(text))


def cut(line: str, limit: int) -> str:
    return line if len(line) <= limit else line[: limit - 1] + "…"


def table(frame: pd.DataFrame, limit: int = 20) -> None:
    """Print up to ``limit`` rows of ``frame`` as aligned columns (text left, numbers
    right); the last column takes what room is left and is cut with ``…``."""
    if frame.empty:
        print("  (none)")
        return
    cols = width()
    shown = frame.head(limit)
    names = [str(c) for c in shown.columns]
    cells = [[_text(v) for v in shown[c]] for c in shown.columns]
    numeric = [pd.api.types.is_numeric_dtype(shown[c]) for c in shown.columns]
    sizes = [max(len(n), *(len(v) for v in col)) for n, col in zip(names, cells, strict=True)]
    rows = [names, *zip(*cells, strict=True)]
    for row in rows:
        parts = [
            value.rjust(size) if num else value.ljust(size)
            for value, size, num in zip(row, sizes, numeric, strict=True)
        ]
        print(cut(("  " + "  ".join(parts)).rstrip(), cols))
    if len(frame) > limit:
        print(f"  … and {plural(len(frame) - limit, 'more row')}")


def _text(value: object) -> str:
    """A cell as text: lists as ``5, 6``, missing as blank (never NaN), one line."""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    if _missing(value):
        return ""
    return " ".join(str(value).split())


def _missing(value: object) -> bool:
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False
