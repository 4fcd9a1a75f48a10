"""Vectorised group helpers over (row → order code) arrays (layer 2, pure).

Orders are numbered ``0..n_orders-1`` in order of first appearance; ``codes[i]`` is row
``i``'s order (``-1``: the row belongs to no order).  These helpers reduce row values to
one per order without Python loops over rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_BIG = np.iinfo(np.int64).max


def in_row_order(order_codes: np.ndarray) -> bool:
    """Whether orders come one after the other (codes never decrease): each order's rows
    are then adjacent, which lets the helpers below skip sorting and hashing."""
    return bool((order_codes[1:] >= order_codes[:-1]).all())


def first_positions(codes: np.ndarray, present: np.ndarray, n_orders: int) -> np.ndarray:
    """Per order, the first row position where ``present`` holds (``-1`` if none)."""
    sel = np.flatnonzero(present & (codes >= 0))
    c = codes[sel]
    if in_row_order(c):  # the usual export: each order's first row is where c changes
        first = np.full(n_orders, -1, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, c[1:] != c[:-1]]) if c.size else c
        first[c[starts]] = sel[starts]
        return first
    first = np.full(n_orders, _BIG, dtype=np.int64)
    np.minimum.at(first, c, sel)
    first[first == _BIG] = -1
    return first


@dataclass(frozen=True)
class OrderValue:
    """One value per order (``values``), taken from the order's first row that has one.

    ``conflicts`` marks rows whose own present value differs from their order's value.
    """

    values: np.ndarray
    conflicts: np.ndarray


def per_order(
    codes: np.ndarray,
    values: np.ndarray,
    present: np.ndarray,
    n_orders: int,
    *,
    fill: object = None,
) -> OrderValue:
    """Fill an order-level value within each order (never across orders)."""
    first = first_positions(codes, present, n_orders)
    out = np.full(n_orders, fill, dtype=values.dtype)
    has = first >= 0
    out[has] = values[first[has]]
    sel = np.flatnonzero(present & (codes >= 0))
    if sel.size == len(values):  # every row has a value and an order: no gathering
        return OrderValue(out, np.asarray(values != out[codes], dtype=bool))
    conflicts = np.zeros(len(values), dtype=bool)
    if sel.size:
        conflicts[sel] = values[sel] != out[codes[sel]]
    return OrderValue(out, conflicts)


@dataclass(frozen=True)
class Ragged:
    """A ragged array in CSR form: order ``i`` owns ``values[offsets[i]:offsets[i+1]]``."""

    values: np.ndarray  # object or numeric array
    offsets: np.ndarray  # int64, length n_orders + 1
    #: optional, per value: a code, equal exactly for equal values (what they were
    #: grouped by), so that callers can compare values without hashing them again
    codes: np.ndarray | None = None

    def counts(self) -> np.ndarray:
        """Number of values per order."""
        return np.diff(self.offsets)


def ragged(order_of: np.ndarray, values: np.ndarray, n_orders: int) -> Ragged:
    """Group values by order (``0 <= order_of < n_orders``); within an order, keep their
    current relative order.  ``values`` is returned as it is when the rows already are
    grouped in order (the usual export: no sort, no copy)."""
    order_of = np.asarray(order_of, dtype=np.int64)
    offsets = np.zeros(n_orders + 1, dtype=np.int64)
    np.cumsum(np.bincount(order_of, minlength=n_orders), out=offsets[1:])
    if order_of.size and in_row_order(order_of):
        return Ragged(values, offsets)
    return Ragged(values[np.argsort(order_of, kind="stable")], offsets)


def distinct_per_order(
    order_of: np.ndarray, value_codes: np.ndarray, uniques: np.ndarray, n_orders: int
) -> Ragged:
    """Distinct values per order, in first-seen order (``order_of``/``value_codes`` aligned).

    The input's order is the priority: callers concatenate column 1's rows, then column
    2's..., so the first column's values come first.  ``uniques[value_codes]`` are values.

    Rows are put in order by a stable sort (cheap: they are mostly grouped already); a row
    whose value is its predecessor's in the same order is a repeat; only orders where the
    value changes between rows are checked exactly (by hashing their rows' pairs).
    """
    if value_codes.size == 0:
        return Ragged(np.empty(0, dtype=object), np.zeros(n_orders + 1, dtype=np.int64))
    idx = np.argsort(order_of, kind="stable")
    so, sv = order_of[idx], value_codes[idx]
    start = np.empty(len(so), dtype=bool)
    start[0] = True
    np.not_equal(so[1:], so[:-1], out=start[1:])
    keep = start.copy()
    keep[1:] |= sv[1:] != sv[:-1]
    changed = keep & ~start  # a value differing from the previous row of its order
    if changed.any():
        group = np.cumsum(start) - 1
        mixed = np.zeros(int(group[-1]) + 1, dtype=bool)
        mixed[group[changed]] = True
        sel = np.flatnonzero(keep & mixed[group])
        key = so[sel].astype(np.int64) * (len(uniques) + 1) + sv[sel]
        exact = np.zeros(len(sel), dtype=bool)
        exact[first_occurrences(key)] = True
        keep[sel] = exact
    rows = np.flatnonzero(keep)
    offsets = np.zeros(n_orders + 1, dtype=np.int64)
    np.cumsum(np.bincount(so[rows], minlength=n_orders), out=offsets[1:])
    return Ragged(uniques[sv[rows]], offsets, sv[rows].astype(np.int64, copy=False))


def first_occurrences(keys: np.ndarray) -> np.ndarray:
    """Positions of the first occurrence of each distinct key, ascending: what
    ``np.sort(np.unique(keys, return_index=True)[1])`` gives, by hashing instead of sorting.

    ``pd.factorize`` numbers keys in order of first appearance, so a position holds a
    first occurrence exactly where its code exceeds every code before it.
    """
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    codes = pd.factorize(keys)[0]
    top = np.maximum.accumulate(codes)
    new = np.empty(len(keys), dtype=bool)
    new[0] = True
    np.greater(top[1:], top[:-1], out=new[1:])
    return np.flatnonzero(new)


def sorted_unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(keys, return_inverse=True)`` for integer keys, by hashing (the distinct
    keys are sorted, not the rows)."""
    codes, uniq = pd.factorize(keys, sort=True)
    return np.asarray(uniq, dtype=keys.dtype), codes.astype(np.int64, copy=False)


def renumber(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of non-negative integer codes: codes numbered by first appearance
    and the original code of each.  Codes that already are (each one at most one more than
    every code before it, as ``pd.factorize`` of the column left them) are returned as they
    are, without hashing."""
    if len(codes) and codes[0] == 0:
        top = np.maximum.accumulate(codes)
        if (codes[1:] <= top[:-1] + 1).all():
            return codes.astype(np.int64, copy=False), np.arange(int(top[-1]) + 1)
    new, uniques = pd.factorize(codes)
    return new.astype(np.int64, copy=False), np.asarray(uniques)


#: Longest order (in rows) that :func:`repeated_in_order` compares by shifts, not hashing.
SHIFT_RUNS = 16


def repeated_in_order(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Rows of an order (``codes >= 0``) that share their ``values`` code (``-1``, no
    value, included) with another row of the same order: what hashing ``(order, value)``
    pairs gives.

    When every order's rows are adjacent (the usual export) and no order has more than
    :data:`SHIFT_RUNS` rows, each row is compared with the next few rows instead: a few
    vectorised comparisons, no hash table of a million pairs.
    """
    sel = np.flatnonzero(codes >= 0)
    c, v = codes[sel], values[sel]
    out = np.zeros(len(codes), dtype=bool)
    if sel.size < 2:
        return out
    longest = int(np.bincount(c).max())
    if longest <= SHIFT_RUNS and in_row_order(c):
        hit = np.zeros(len(c), dtype=bool)
        for d in range(1, longest):
            same = (c[d:] == c[:-d]) & (v[d:] == v[:-d])
            hit[d:] |= same
            hit[:-d] |= same
    else:
        pair = pd.factorize(c * (int(v.max(initial=-1)) + 2) + (v + 1))[0]
        hit = np.bincount(pair)[pair] > 1
    out[sel] = hit
    return out
