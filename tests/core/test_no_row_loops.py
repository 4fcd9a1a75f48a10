"""Regression guard: conversion never falls back to per-row Python (issue 17).

A trace hook counts calls of every function defined in ``seeka_nb``, and executions of
every line of its code, while a 10,000-line frame with few distinct values (~3,300 orders)
is converted.  Columnar code calls each function a handful of times, or once per *distinct*
value; a row loop (``iterrows``, ``apply(axis=1)``, a ``.map`` with a Python function over
the rows, a per-order helper) calls one at least once per order, and a loop written in the
package itself (``for``, a comprehension, a generator expression fed to ``np.fromiter``)
runs its line at least once per row.  No wall clock is read.
"""

from __future__ import annotations

import collections
import inspect
import sys
from pathlib import Path

import pandas as pd
from varied_frame import MAPPING, varied_frame

import seeka_nb

PACKAGE = str(Path(seeka_nb.__file__).parent)
N_LINES = 10_000
#: Far below the ~3,300 orders and 10,000 rows, far above the distinct values per column.
MAX_CALLS = 600


def _calls(fn, lines: collections.Counter | None = None) -> collections.Counter:
    """Calls per function of the package (a generator counts once, not once per item);
    with ``lines``, also executions per line of package code."""
    counts: collections.Counter = collections.Counter()
    live: dict[int, object] = {}  # kept alive, so no id is reused

    def line_hook(frame, event, arg):
        if event == "line":
            code = frame.f_code
            lines[f"{code.co_filename[len(PACKAGE) :]}:{frame.f_lineno} {code.co_name}"] += 1
        return line_hook

    def hook(frame, event, arg):
        code = frame.f_code
        if event != "call" or not code.co_filename.startswith(PACKAGE):
            return None
        if code.co_flags & inspect.CO_GENERATOR and id(frame) in live:
            return line_hook if lines is not None else None  # a generator resumed
        if code.co_flags & inspect.CO_GENERATOR:
            live[id(frame)] = frame
        counts[f"{code.co_filename[len(PACKAGE) :]}:{code.co_firstlineno} {code.co_name}"] += 1
        return line_hook if lines is not None else None

    if lines is None:
        sys.setprofile(hook)
    else:
        sys.settrace(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
        sys.settrace(None)
    return counts


def _convert(df: pd.DataFrame):
    return df.seeka.to_events(mapping=MAPPING, tz="Australia/Sydney")


def test_conversion_calls_no_function_per_row() -> None:
    _convert(varied_frame(300))  # warm the once-per-process caches (country index...)
    df = varied_frame(N_LINES)
    out = []
    counts = _calls(lambda: out.append(_convert(df)))
    events = out[0]
    assert len(events) > 2000  # the frame really has thousands of orders to send
    hot = {k: v for k, v in counts.items() if v > MAX_CALLS}
    assert not hot, f"per-row Python in the conversion: {hot}"


def test_conversion_runs_no_line_of_its_own_per_row() -> None:
    """Loops that make no call (a comprehension or ``for`` over the rows) show up as lines
    of package code executed once per row.  Lines that run once per distinct value are
    fine, so the frame is converted twice: as is, and with every row repeated under a new
    order ID (twice the rows and orders, the same other values).  A line run once per row
    or per order runs thousands of times more in the second; a per-value line does not."""
    _convert(varied_frame(300))
    df = varied_frame(N_LINES // 2)
    again = df.assign(order_id=df["order_id"].astype(str) + "-b")
    twice = pd.concat([df, again], ignore_index=True)
    once_lines: collections.Counter = collections.Counter()
    twice_lines: collections.Counter = collections.Counter()
    _calls(lambda: _convert(df), once_lines)
    _calls(lambda: _convert(twice), twice_lines)
    assert sum(once_lines.values()) > 1000  # the hook saw the conversion
    grown = {k: v - once_lines[k] for k, v in twice_lines.items() if v - once_lines[k] > 300}
    assert not grown, f"per-row Python in the conversion (extra runs per line): {grown}"
