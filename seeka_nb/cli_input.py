"""How ``seeka-nb validate`` and ``send`` read an export: whole, or streamed (layer 5).

Owns :func:`read_input`.  A file larger than :data:`~seeka_nb.cli_options.STREAM_AUTO_BYTES`
(or any file with ``--chunksize N``) is streamed: read ``N`` rows at a time with
``read_orders(path, chunksize=N)`` and converted chunk by chunk
(:func:`seeka_nb.stream_orders`), so memory stays bounded by the chunk size; the summary,
issues and duplicates then cover the whole stream and a send is one streamed send (one
report, one ledger).  Exit codes and the JSON report are the same either way.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .adapters.readers import read_orders
from .cli_options import conversion_options, stream_chunksize
from .core.mapping import ColumnMapping
from .stream_api import stream_orders

__all__ = ["Input", "issues_of", "read_input"]

#: Rows read to show a streamed file's mapping and how it was read.
_HEAD_ROWS = 1000


@dataclass
class Input:
    """The converted export (``Events`` or ``EventStream``) and how it was read."""

    events: Any
    marker: dict[str, Any]
    rows: int
    columns: int
    mapping: Callable[[], ColumnMapping]
    chunksize: int | None  # rows per chunk when streamed


def read_input(args: argparse.Namespace) -> Input:
    """Read and convert ``args.file`` (whole or streamed, see the module docstring)."""
    options = conversion_options(args)
    path = args.file
    size = os.path.getsize(path) if os.path.isfile(path) else None
    chunksize = stream_chunksize(args, size)
    if chunksize is None:
        df = read_orders(path)
        events = df.seeka.to_events(**options)
        return Input(
            events,
            df.attrs.get("seeka_nb", {}),
            len(df),
            df.shape[1],
            lambda: df.seeka.mapping(options["mapping"], preset=args.preset),
            None,
        )
    with read_orders(path, chunksize=min(chunksize, _HEAD_ROWS)) as chunks:
        head: pd.DataFrame = next(chunks)
    stream = stream_orders(path, chunksize=chunksize, **options)
    summary = stream.summary()  # one pass: converts every chunk, keeps no events
    return Input(
        stream,
        head.attrs.get("seeka_nb", {}),
        int(summary["rows"]),
        head.shape[1],
        lambda: head.seeka.mapping(options["mapping"], preset=args.preset),
        chunksize,
    )


def issues_of(events: Any) -> pd.DataFrame:
    """``events.issues`` (a property of Events, a method of EventStream)."""
    issues = events.issues
    return issues() if callable(issues) else issues
