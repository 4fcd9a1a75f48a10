"""Request bodies: dicts built per batch from the columnar order table (layer 2, pure).

This is the only place event dicts exist.  ``BodyBuilder`` prepares plain Python lists once
(column slices, key tuples per "which fields are present" pattern), then ``event(i)`` builds
one event dict with no per-field ``None`` tests on the hot path: absent values are simply
not among the pattern's keys, so nothing absent is ever sent as null/""/[].
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator, Sequence
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

_FIELD_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9]*$")


def _patterns(
    columns: Sequence[tuple[str, np.ndarray]], n: int
) -> tuple[list[tuple[str, ...]], list[int], list[tuple[Any, ...]]]:
    """Per item: a pattern code (which keys are present) and the tuple of present values."""
    if not columns or n == 0:
        return [()], [0] * n, [()] * n
    present = np.stack([_present(v) for _, v in columns], axis=1)
    if present.all():  # one pattern: every key present (the common case)
        keys_all = tuple(k for k, _ in columns)
        return [keys_all], [0] * n, list(zip(*(v.tolist() for _, v in columns), strict=True))
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
    return np.where(np.isnan(values), None, values).astype(object)  # type: ignore[call-overload]


@functools.cache
def dict_maker(keys: tuple[str, ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """A fast ``tuple -> dict`` function for one fixed key tuple.

    A dict display is about twice as fast as ``dict(zip(keys, values))``, and this is the
    innermost loop of encoding.  Keys are the contract's field names (checked), never
    user data.
    """
    if not all(_FIELD_NAME.match(k) for k in keys):
        raise AssertionError(f"not schema field names: {keys!r}")
    items = ", ".join(f"{k!r}: t[{i}]" for i, k in enumerate(keys))
    return eval(f"lambda t: {{{items}}}")


class BodyBuilder:
    """Builds event dicts for orders of an :class:`OrderTable` (see module docstring)."""

    def __init__(self, table: OrderTable) -> None:
        n = table.n_orders
        self.activity_id = table.activity_id.tolist()
        self.time = table.time.tolist()
        commerce: list[tuple[str, np.ndarray]] = [
            (k, table.text[k]) for k in COMMERCE_STRING_FIELDS if k in table.text
        ]
        commerce += [
            (k, _money_object(table.money[k])) for k in COMMERCE_MONEY_FIELDS if k in table.money
        ]
        keys, self.c_code, self.c_vals = _patterns(commerce, n)
        self.c_make = [dict_maker(k) for k in keys]
        prods = table.products
        pcols = [(k, prods.columns[k]) for k in PRODUCT_FIELDS if k in prods.columns]
        keys, self.p_code, self.p_vals = _patterns(pcols, len(prods.row_pos))
        self.p_make = [dict_maker(k) for k in keys]
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
            makers = [dict_maker(k) if k else None for k in keys]
            self.addresses.append((makers, code, vals))

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
            for makers, code, vals in self.addresses:
                make = makers[code[i]]
                if make is not None:
                    a = make(vals[i])
                    if a not in addrs:
                        addrs.append(a)
            if addrs:
                ident["address"] = addrs
        if self.tcf is not None and self.tcf[i] is not None:
            ident["privacy"] = {"tcfConsentString": self.tcf[i]}
        return ident

    def products(self, i: int) -> list[dict[str, Any]]:
        """The products of order ``i`` (empty list when it has none)."""
        lo, hi = self.p_off[i], self.p_off[i + 1]
        if len(self.p_make) == 1:
            make = self.p_make[0]
            return [make(t) for t in self.p_vals[lo:hi]]
        pm = self.p_make
        return [pm[c](t) for c, t in zip(self.p_code[lo:hi], self.p_vals[lo:hi], strict=False)]

    def event(self, i: int) -> dict[str, Any]:
        """The full event of order ``i``: ``{"ev": {"id": ..., "payload": ...}}``."""
        commerce = self.c_make[self.c_code[i]](self.c_vals[i])
        if self.p_off[i + 1] > self.p_off[i]:
            commerce["products"] = self.products(i)
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
        event = self.event
        for start in range(0, len(orders), size):
            yield {"data": [event(i) for i in orders[start : start + size]]}


def encode(body: object) -> bytes:
    """JSON bytes for a request body (orjson; never NaN/Infinity: they are never built)."""
    return orjson.dumps(body)


def payload_hash(event: object) -> str:
    """A stable fingerprint of one event: SHA-256 of its canonical JSON (sorted keys).

    The ledger keeps it instead of the event, so a re-run can tell "already sent" from
    "changed since it was sent" without storing any personal data.
    """
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]
