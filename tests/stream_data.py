"""Generated order exports for the streaming and partitioned tests: one row per line item,
the rows of each order adjacent, a few orders with problems (:func:`orders_frame`); small
frames of given order IDs (:func:`id_frame`); :func:`as_text`, which makes issues and
duplicate findings comparable exactly across the paths that gather them; and the checks that
a stream gives what the in-memory ``Events`` give (:func:`same_as_whole`,
:func:`same_summary`)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest


def orders_frame(n_orders: int, *, seed: int = 0, max_lines: int = 4) -> pd.DataFrame:
    """``n_orders`` orders of 1..max_lines rows, text columns as ``read_orders`` gives."""
    rng = np.random.default_rng(seed)
    lines = rng.integers(1, max_lines + 1, n_orders)
    order = np.repeat(np.arange(n_orders), lines)
    n = order.size
    ids = np.array([f"SO-{10_000 + i}" for i in range(n_orders)], dtype=object)
    price = rng.integers(100, 10_000, n) / 100
    qty = rng.integers(1, 4, n)
    line_total = price * qty
    total = pd.Series(line_total).groupby(order).transform("sum").to_numpy()
    seconds = 1_700_000_000 + order * 61
    when = pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%d %H:%M:%S") + " +0000"
    currency = np.where(order % 97 == 5, None, "AUD")  # a few orders without a currency
    email = np.array([f"buyer{i % 5000}@example.com" for i in order], dtype=object)
    return pd.DataFrame(
        {
            "order_id": pd.array(ids[order], dtype="str"),
            "created_at": pd.array(np.asarray(when, dtype=object), dtype="str"),
            "email": pd.array(email, dtype="str"),
            "currency": pd.array(currency, dtype="str"),
            "sku": pd.array([f"SKU{k % 50}" for k in range(n)], dtype="str"),
            "unit_price": price,
            "quantity": qty,
            "total": np.round(total, 2),
        }
    )


def chunks_of(df: pd.DataFrame, sizes: list[int]) -> list[pd.DataFrame]:
    """``df`` cut into consecutive chunks of the given sizes (cycled), index kept."""
    out, start, k = [], 0, 0
    while start < len(df):
        size = sizes[k % len(sizes)]
        out.append(df.iloc[start : start + size])
        start, k = start + size, k + 1
    return out


def id_frame(ids: list[str | None], times: list[str] | None = None) -> pd.DataFrame:
    """One row per ID given (``None``: a row without an order ID), three customers, two
    SKUs, AUD prices in column ``price``; ``times`` default to three February days."""
    n = len(ids)
    return pd.DataFrame(
        {
            "order_id": ids,
            "time": times or [f"2025-02-{1 + i % 3:02d}T10:00:00Z" for i in range(n)],
            "email": [f"c{i % 3}@example.com" for i in range(n)],
            "sku": [f"S{i % 2}" for i in range(n)],
            "price": [10.0 + i % 2 for i in range(n)],
            "currency": ["AUD"] * n,
        },
        index=pd.Index([f"r{i}" for i in range(n)]),
    )


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame of issues/findings as text, for exact comparison (labels by repr)."""
    out = pd.DataFrame(frame).copy()
    for col in ("row", "column", "rows"):
        if col in out:
            out[col] = out[col].map(repr)
    return out.astype(str).reset_index(drop=True)


def same_summary(stream: Any, whole: Any) -> int:
    """Asserts ``stream.summary()`` equals ``whole.summary()`` (revenue to float precision)
    but for the stream's ``chunks``, which it returns."""
    got, want = stream.summary(), whole.summary()
    chunks = got.pop("chunks")
    assert got.pop("revenue") == pytest.approx(want.pop("revenue"))
    assert got == want
    return int(chunks)


def same_as_whole(stream: Any, whole: Any) -> int:
    """Asserts the stream's events, issues, duplicates and summary equal those of ``whole``
    (in-memory ``Events``); returns the stream's number of chunks."""
    assert [e for chunk in stream for e in chunk.to_list()] == whole.to_list()
    pd.testing.assert_frame_equal(stream.issues(), whole.issues)
    pd.testing.assert_frame_equal(
        pd.DataFrame(stream.duplicates()), pd.DataFrame(whole.duplicates())
    )
    return same_summary(stream, whole)
