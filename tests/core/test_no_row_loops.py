"""Regression guard: conversion never falls back to per-row Python (issue 17).

A profiler hook counts calls of every function defined in ``seeka_nb`` while a 10,000-line
frame with few distinct values (~3,300 orders) is converted.  Columnar code calls each
function a handful of times, or once per *distinct* value; a row loop (``iterrows``,
``apply(axis=1)``, a ``.map`` with a Python function over the rows, a per-order helper)
calls one at least once per order.  No wall clock is read.
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


def _calls(fn) -> collections.Counter:
    """Calls per function of the package; a generator counts once, not once per item."""
    counts: collections.Counter = collections.Counter()
    live: dict[int, object] = {}  # kept alive, so no id is reused

    def hook(frame, event, arg) -> None:
        code = frame.f_code
        if event != "call" or not code.co_filename.startswith(PACKAGE):
            return
        if code.co_flags & inspect.CO_GENERATOR:
            if id(frame) in live:  # a generator resumed for its next item
                return
            live[id(frame)] = frame
        counts[f"{code.co_filename[len(PACKAGE) :]}:{code.co_firstlineno} {code.co_name}"] += 1

    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
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
