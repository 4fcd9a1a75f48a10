"""Request bodies: dicts built per batch from the columnar order table (layer 2, pure).

This is the only place event dicts exist.  ``BodyBuilder`` prepares plain Python lists once
(column slices, key tuples per "which fields are present" pattern), then ``event(i)`` builds
one event dict with no per-field ``None`` tests on the hot path: absent values are simply
not among the pattern's keys, so nothing absent is ever sent as null/""/[].
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import orjson

from ..schema import (
    ACTIVITY_NAME_ORDER,
    COMMERCE_MONEY_FIELDS,
    COMMERCE_STRING_FIELDS,
    IDENTITY_LIST_FIELDS,
    MAX_EVENTS_PER_REQUEST,
    PRODUCT_FIELDS,
)
from .build import OrderTable
from .values import is_present


def _patterns(
    columns: Sequence[tuple[str, np.ndarray]], n: int
) -> tuple[list[tuple[str, ...]], list[int], list[tuple[Any, ...]]]:
    """Per item: a pattern code (which keys are present) and the tuple of present values."""
    if not columns or n == 0:
        return [()], [0] * n, [()] * n
    present = np.stack([_present(v) for _, v in columns], axis=1)
    weights = 1 << np.arange(present.shape[1], dtype=np.int64)
    code = present.astype(np.int64) @ weights
    uniq, inverse = np.unique(code, return_inverse=True)
    keys: list[tuple[str, ...]] = []
    tuples = np.empty(n, dtype=object)
    for p, value in enumerate(uniq):
        idx = np.flatnonzero(inverse == p)
        chosen = [(k, v) for j, (k, v) in enumerate(columns) if value >> j & 1]
        keys.append(tuple(k for k, _ in chosen))
        tuples[idx] = np.fromiter(
            zip(*(v[idx].tolist() for _, v in chosen), strict=True)
            if chosen
            else (() for _ in idx),
            dtype=object,
            count=idx.size,
        )
    return keys, inverse.tolist(), tuples.tolist()


def _present(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind == "f":
        return ~np.isnan(values)
    return is_present(values)


def _money_object(values: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(values), None, values).astype(object)


class BodyBuilder:
    """Builds event dicts for orders of an :class:`OrderTable` (see module docstring)."""

    def __init__(self, table: OrderTable) -> None:
        n = table.n_orders
        self.activity_id = table.activity_id.tolist()
        self.time = table.time.tolist()
        commerce = [(k, table.text[k]) for k in COMMERCE_STRING_FIELDS if k in table.text]
        commerce += [
            (k, _money_object(table.money[k])) for k in COMMERCE_MONEY_FIELDS if k in table.money
        ]
        self.c_keys, self.c_code, self.c_vals = _patterns(commerce, n)
        prods = table.products
        pcols = [(k, prods.columns[k]) for k in PRODUCT_FIELDS if k in prods.columns]
        self.p_keys, self.p_code, self.p_vals = _patterns(pcols, len(prods.row_pos))
        self.p_off = prods.offsets.tolist()
        self.pid = table.text["seekaPId"].tolist() if "seekaPId" in table.text else None
        tcf = table.text.get("tcfConsentString")
        self.tcf = tcf.tolist() if tcf is not None else None
        self.lists = [
            (k, table.lists[k].values.tolist(), table.lists[k].offsets.tolist())
            for k in IDENTITY_LIST_FIELDS
            if k in table.lists
        ]
        self.addresses = []
        for addr in table.addresses:
            keys, code, vals = _patterns(list(addr.items()), n)
            self.addresses.append((keys, code, vals))

    def identity(self, i: int) -> dict[str, Any]:
        """The ``ev.id`` object of order ``i``."""
        ident: dict[str, Any] = {}
        if self.pid is not None and self.pid[i] is not None:
            ident["seekaPId"] = self.pid[i]
        for key, vals, off in self.lists:
            lo, hi = off[i], off[i + 1]
            if hi > lo:
                ident[key] = vals[lo:hi]
        if self.addresses:
            addrs: list[dict[str, Any]] = []
            for keys, code, vals in self.addresses:
                k = keys[code[i]]
                if k:
                    a = dict(zip(k, vals[i], strict=True))
                    if a not in addrs:
                        addrs.append(a)
            if addrs:
                ident["address"] = addrs
        if self.tcf is not None and self.tcf[i] is not None:
            ident["privacy"] = {"tcfConsentString": self.tcf[i]}
        return ident

    def event(self, i: int) -> dict[str, Any]:
        """The full event of order ``i``: ``{"ev": {"id": ..., "payload": ...}}``."""
        commerce = dict(zip(self.c_keys[self.c_code[i]], self.c_vals[i], strict=True))
        lo, hi = self.p_off[i], self.p_off[i + 1]
        if hi > lo:
            pk, pc, pv = self.p_keys, self.p_code, self.p_vals
            commerce["products"] = [
                dict(zip(pk[c], v, strict=True)) for c, v in zip(pc[lo:hi], pv[lo:hi], strict=True)
            ]
        return {
            "ev": {
                "id": self.identity(i),
                "payload": {
                    "activityName": ACTIVITY_NAME_ORDER,
                    "activityId": self.activity_id[i],
                    "time": self.time[i],
                    "commerce": commerce,
                },
            }
        }

    def bodies(self, orders: Sequence[int], size: int) -> Iterator[dict[str, Any]]:
        """Request bodies ``{"data": [...]}`` of at most ``size`` (≤ 20) events."""
        size = max(1, min(int(size), MAX_EVENTS_PER_REQUEST))
        for start in range(0, len(orders), size):
            yield {"data": [self.event(i) for i in orders[start : start + size]]}


def encode(body: object) -> bytes:
    """JSON bytes for a request body (orjson; never NaN/Infinity: they are never built)."""
    return orjson.dumps(body)
