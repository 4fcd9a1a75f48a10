"""Hash-based group helpers give exactly what the sorting numpy calls give (issue 17).

``first_occurrences`` and ``sorted_unique`` replace ``np.unique`` over a million row keys
(phone pairs, distinct identity values per order): same arrays, compared on generated keys.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from seeka_nb.core.grouping import (
    distinct_per_order,
    first_occurrences,
    first_positions,
    per_order,
    ragged,
    renumber,
    repeated_in_order,
    sorted_unique,
)

keys = arrays(np.int64, st.integers(0, 300), elements=st.integers(-3, 40)) | arrays(
    np.int64, st.integers(0, 50), elements=st.integers(-(2**62), 2**62)
)


@settings(max_examples=200, deadline=None)
@given(keys)
def test_first_occurrences_is_the_sorted_unique_index(k: np.ndarray) -> None:
    expected = np.sort(np.unique(k, return_index=True)[1])
    got = first_occurrences(k)
    assert got.tolist() == expected.tolist()


@settings(max_examples=200, deadline=None)
@given(keys)
def test_sorted_unique_is_np_unique(k: np.ndarray) -> None:
    uniq, inverse = np.unique(k, return_inverse=True)
    got_u, got_i = sorted_unique(k)
    assert got_u.tolist() == uniq.tolist()
    assert got_i.tolist() == inverse.reshape(-1).tolist()
    assert got_u.dtype == k.dtype


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 5), st.integers(0, 6)), max_size=60),
)
def test_distinct_per_order_keeps_first_seen_values(rows: list[tuple[int, int]]) -> None:
    order_of = np.array([o for o, _ in rows], dtype=np.int64)
    codes = np.array([v for _, v in rows], dtype=np.int64)
    uniques = np.array([f"v{i}" for i in range(7)], dtype=object)
    rag = distinct_per_order(order_of, codes, uniques, 6)
    for o in range(6):
        seen: list[str] = []
        for oo, v in rows:
            if oo == o and uniques[v] not in seen:
                seen.append(uniques[v])
        got = rag.values[rag.offsets[o] : rag.offsets[o + 1]].tolist()
        assert got == seen


@settings(max_examples=300, deadline=None)
@given(
    arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 8))
    | st.lists(st.integers(0, 6), max_size=30).map(
        lambda v: pd.factorize(np.array(v, dtype=np.int64))[0].astype(np.int64)
    )
)
def test_renumber_is_factorize(codes: np.ndarray) -> None:
    expected, uniques = pd.factorize(codes)
    got, got_u = renumber(codes)
    assert got.tolist() == expected.tolist()
    assert got_u.tolist() == np.asarray(uniques).tolist()


@settings(max_examples=200, deadline=None)
@given(
    arrays(np.int64, st.integers(0, 60), elements=st.integers(0, 7)),
    st.integers(0, 3),
    st.booleans(),
)
def test_ragged_is_a_stable_sort_by_order(order_of: np.ndarray, extra: int, grouped: bool) -> None:
    """Grouped rows (the fast path, no sort) and shuffled ones give the sorting definition."""
    if grouped:
        order_of = np.sort(order_of)
    n_orders = int(order_of.max(initial=-1)) + 1 + extra
    values = np.arange(100, 100 + len(order_of))
    idx = np.argsort(order_of, kind="stable")
    offsets = np.searchsorted(order_of[idx], np.arange(n_orders + 1), side="left")
    got = ragged(order_of, values, n_orders)
    assert got.values.tolist() == values[idx].tolist()
    assert got.offsets.tolist() == offsets.tolist()
    assert got.offsets.dtype == np.int64


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 6), st.integers(-1, 3)), max_size=60),
    st.sampled_from(["grouped", "as drawn", "one long order"]),
)
def test_repeated_in_order_is_the_hashed_pairs(rows: list[tuple[int, int]], shape: str) -> None:
    """Adjacent orders (compared by shifts) and any other layout (hashed) give the rows
    whose (order, value) pair occurs more than once, rows of no order left out."""
    if shape == "grouped":
        rows = sorted(rows, key=lambda r: r[0])
    elif shape == "one long order":
        rows = [(0, v) for _, v in rows] + [(0, 3)] * 20  # longer than the shift limit
    codes = np.array([c for c, _ in rows], dtype=np.int64)
    values = np.array([v for _, v in rows], dtype=np.int64)
    pairs = list(zip(codes.tolist(), values.tolist(), strict=True))
    expected = [c >= 0 and pairs.count((c, v)) > 1 for c, v in pairs]
    assert repeated_in_order(codes, values).tolist() == expected


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-1, 5), st.integers(0, 2), st.booleans()), max_size=40),
    st.booleans(),
)
def test_first_positions_and_per_order_values(rows: list[tuple], grouped: bool) -> None:
    """Orders in row order (no scatter-min) and any order of rows give, per order, its
    first row with a value, that row's value, and the rows that differ from it."""
    if grouped:
        rows = sorted(rows, key=lambda r: r[0])
    codes = np.array([r[0] for r in rows], dtype=np.int64)
    values = np.array([r[1] for r in rows], dtype=np.int64)
    present = np.array([r[2] for r in rows], dtype=bool)
    n_orders = 7
    expected = [
        min((i for i, r in enumerate(rows) if r[0] == o and r[2]), default=-1)
        for o in range(n_orders)
    ]
    assert first_positions(codes, present, n_orders).tolist() == expected
    res = per_order(codes, values, present, n_orders, fill=-9)
    assert res.values.tolist() == [values[i] if i >= 0 else -9 for i in expected]
    conflicts = [c >= 0 and p and v != values[expected[c]] for c, v, p in rows]
    assert res.conflicts.tolist() == conflicts
    everything = per_order(codes.clip(0), values, np.ones(len(rows), bool), n_orders, fill=-9)
    firsts = first_positions(codes.clip(0), np.ones(len(rows), bool), n_orders)
    assert everything.conflicts.tolist() == [
        v != values[firsts[c]] for c, v in zip(codes.clip(0).tolist(), values.tolist(), strict=True)
    ]
