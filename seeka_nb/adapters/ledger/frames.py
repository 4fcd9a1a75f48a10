"""The ledger's tables as pandas DataFrames (layer 3): what ``sent``, ``runs``, ``orders`` return.

Owns the column lists and their dtypes, the same whether a frame has rows or not: times
are tz-aware UTC (``NaT`` when unset), counts and attempts ``int64``, HTTP statuses
nullable ``Int64``, flags ``bool``, run counts a ``dict`` per row, text columns pandas'
default string dtype.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import pandas as pd

__all__ = [
    "ORDER_COLUMNS",
    "RUN_COLUMNS",
    "SENT_COLUMNS",
    "orders_frame",
    "runs_frame",
    "sent_frame",
]

SENT_COLUMNS = (
    "activity_id",
    "payload_hash",
    "endpoint",
    "org_id",
    "key_fingerprint",
    "first_sent_at",
    "last_sent_at",
    "attempts",
    "run_id",
)
RUN_COLUMNS = (
    "run_id",
    "started_at",
    "ended_at",
    "endpoint",
    "org_id",
    "key_fingerprint",
    "package_version",
    "n_orders",
    "dry_run",
    "counts",
    "pid",
    "host",
    "heartbeat_at",
)
ORDER_COLUMNS = (
    "activity_id",
    "endpoint",
    "org_id",
    "key_fingerprint",
    "status",
    "payload_hash",
    "acknowledged",
    "sent_hash",
    "http_status",
    "attempts",
    "error",
    "first_sent_at",
    "last_sent_at",
    "updated_at",
    "run_id",
)

_TIMES = {"first_sent_at", "last_sent_at", "started_at", "ended_at", "heartbeat_at", "updated_at"}
_INTS = {"attempts", "n_orders", "pid"}
_NULLABLE_INTS = {"http_status"}
_BOOLS = {"dry_run", "acknowledged"}
_TEXT = {
    "activity_id",
    "payload_hash",
    "endpoint",
    "org_id",
    "key_fingerprint",
    "run_id",
    "package_version",
    "host",
    "status",
    "sent_hash",
    "error",
}


def _column(name: str, values: list[Any]) -> pd.Series:
    if name in _TIMES:
        seconds = pd.Series(values, dtype="float64")
        return pd.to_datetime(seconds, unit="s", utc=True)
    if name in _INTS:
        return pd.Series(values, dtype="int64")
    if name in _NULLABLE_INTS:
        return pd.Series(values, dtype="Int64")
    if name in _BOOLS:
        return pd.Series([bool(v) for v in values], dtype="bool")
    if name == "counts":
        return pd.Series([json.loads(v) if v else {} for v in values], dtype="object")
    # text: pandas' default string dtype (inferred), also when empty or all missing
    text = pd.Series(values, dtype="object")
    default = pd.Series(["x"]).dtype
    return text.astype(default)


def _frame(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    data = {
        name: _column(name, list(values)) for name, values in zip(columns, by_column, strict=True)
    }
    return pd.DataFrame(data, columns=list(columns))


def sent_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Acknowledged orders, one row each, in :data:`SENT_COLUMNS` order."""
    return _frame(SENT_COLUMNS, rows)


def runs_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Runs, one row each, in :data:`RUN_COLUMNS` order."""
    return _frame(RUN_COLUMNS, rows)


def orders_frame(rows: Sequence[Sequence[Any]]) -> pd.DataFrame:
    """Every recorded order with its latest status, in :data:`ORDER_COLUMNS` order."""
    return _frame(ORDER_COLUMNS, rows)
