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
import pandas as pd

from ..schema import (
    ACTIVITY_NAME_ORDER,
    COMMERCE_MONEY_FIELDS,
    COMMERCE_STRING_FIELDS,
    IDENTITY_LIST_FIELDS,
    MAX_EVENTS_PER_REQUEST,
    PRODUCT_FIELDS,
)
from .build import OrderTable
from .fragments import FragmentEncoder
from .identity_json import identity_texts
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
        self._table = table
        self.pid = table.text["seekaPId"].tolist() if "seekaPId" in table.text else None
        tcf = table.text.get("tcfConsentString")
        self.tcf = tcf.tolist() if tcf is not None else None
        self.lists = [
            (k, table.lists[k].values.tolist(), table.lists[k].offsets.tolist())
            for k in IDENTITY_LIST_FIELDS
            if k in table.lists
        ]

    # Python lists of the per-order columns the dict path reads (not the fragment path)
    @functools.cached_property
    def activity_id(self) -> list[Any]:
        return self._table.activity_id.tolist()

    @functools.cached_property
    def time(self) -> list[Any]:
        return self._table.time.tolist()

    @functools.cached_property
    def p_off(self) -> list[int]:
        return self._table.products.offsets.tolist()

    @functools.cached_property
    def _addresses(self) -> list[tuple[list[Any], list[int], list[Any]]]:
        """Per address set: dict makers, pattern per order and value tuples."""
        out = []
        for addr in self._table.addresses:
            keys, code, vals = _patterns(list(addr.items()), self._table.n_orders)
            out.append(([dict_maker(k) if k else None for k in keys], code, vals))
        return out

    @functools.cached_property
    def _address_lists(self) -> list[list[tuple[str, list[Any]]]]:
        """Per address set, its fields as ``(key, Python list)`` (cheaper to index)."""
        return [[(k, v.tolist()) for k, v in addr.items()] for addr in self._table.addresses]

    @functools.cached_property
    def _commerce(self) -> tuple[list[Callable[..., dict[str, Any]]], list[int], list[Any]]:
        """Dict makers, pattern per order and value tuples of the commerce objects."""
        t = self._table
        commerce: list[tuple[str, np.ndarray]] = [
            (k, t.text[k]) for k in COMMERCE_STRING_FIELDS if k in t.text
        ]
        commerce += [(k, _money_object(t.money[k])) for k in COMMERCE_MONEY_FIELDS if k in t.money]
        keys, code, vals = _patterns(commerce, t.n_orders)
        return [dict_maker(k) for k in keys], code, vals

    @functools.cached_property
    def _products(self) -> tuple[list[Callable[..., dict[str, Any]]], list[int], list[Any]]:
        """Dict makers, pattern per product and value tuples of the products."""
        prods = self._table.products
        pcols = [(k, prods.columns[k]) for k in PRODUCT_FIELDS if k in prods.columns]
        keys, code, vals = _patterns(pcols, len(prods.row_pos))
        return [dict_maker(k) for k in keys], code, vals

    @functools.cached_property
    def _identity_codes(self) -> np.ndarray | None:
        """Per order, a code shared by orders whose identity object is the same (or
        ``None`` when few repeat or a value could not be keyed exactly)."""
        return identity_codes(self._table)

    def encoded_bodies(self, orders: Sequence[int], size: int) -> Iterator[bytes]:
        """The bodies of :meth:`bodies` as JSON bytes, the same bytes, put together from
        fragments encoded once per distinct value (:mod:`seeka_nb.core.fragments`)."""
        size = max(1, min(int(size), MAX_EVENTS_PER_REQUEST))
        return self._fragments.bodies(orders, size)

    @functools.cached_property
    def _fragments(self) -> FragmentEncoder:
        table = self._table
        return FragmentEncoder(
            table,
            self.one_identity,
            self._identity_codes,
            lambda orders: identity_texts(table, orders),
        )

    def identity(self, i: int) -> dict[str, Any]:
        """The ``ev.id`` object of order ``i``."""
        return self._identity(i, self._addresses)

    def one_identity(self, i: int) -> dict[str, Any]:
        """:meth:`identity`, without first preparing every order's addresses (cheaper
        when only the distinct identities are built)."""
        return self._identity(i, None)

    def _identity(self, i: int, address_sets: list | None) -> dict[str, Any]:
        ident: dict[str, Any] = {}
        if self.pid is not None and self.pid[i] is not None:
            ident["seekaPId"] = self.pid[i]
        for key, vals, off in self.lists:
            lo, hi = off[i], off[i + 1]
            if hi > lo:
                ident[key] = vals[lo:hi]
        if self._table.addresses:
            addrs: list[dict[str, Any]] = []
            if address_sets is None:  # straight from the columns (absent: None)
                for addr in self._address_lists:
                    a = {k: v[i] for k, v in addr if v[i] is not None}
                    if a and a not in addrs:
                        addrs.append(a)
            else:
                for makers, code, vals in address_sets:
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
        pm, p_code, p_vals = self._products
        if len(pm) == 1:
            make = pm[0]
            return [make(t) for t in p_vals[lo:hi]]
        return [pm[c](t) for c, t in zip(p_code[lo:hi], p_vals[lo:hi], strict=False)]

    def event(self, i: int) -> dict[str, Any]:
        """The full event of order ``i``: ``{"ev": {"id": ..., "payload": ...}}``."""
        c_make, c_code, c_vals = self._commerce
        commerce = c_make[c_code[i]](c_vals[i])
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

    def event_texts(self, orders: Sequence[int]) -> list[bytes]:
        """Each order's event as JSON: the bytes ``orjson.dumps`` gives for :meth:`event`,
        put together from fragments (no dict per event)."""
        return self._fragments.event_texts(orders)

    def bodies(self, orders: Sequence[int], size: int) -> Iterator[dict[str, Any]]:
        """Request bodies ``{"data": [...]}`` of at most ``size`` (≤ 20) events."""
        size = max(1, min(int(size), MAX_EVENTS_PER_REQUEST))
        event = self.event
        for start in range(0, len(orders), size):
            yield {"data": [event(i) for i in orders[start : start + size]]}


def _str_codes(values: np.ndarray, present: np.ndarray) -> np.ndarray | None:
    """Codes of the present values (-1 where absent); ``None`` unless every present
    value is a ``str`` (so equal codes mean equal JSON)."""
    codes, uniques = pd.factorize(values[present])
    if (codes < 0).any() or not set(map(type, uniques)) <= {str}:
        return None
    out = np.full(len(values), -1, dtype=np.int64)
    out[present] = codes
    return out


def identity_codes(table: OrderTable) -> np.ndarray | None:
    """Per order, a code equal for orders whose ``ev.id`` objects are equal.

    Keyed on exactly what :meth:`BodyBuilder.identity` reads: profile ID and consent string
    (present when not ``None``), each identity array (an order with several values gets
    a code of its own), each address field (present when :func:`is_present`).  ``None``
    when a value is not text, or when fewer than a third of the orders share one.
    """
    n = table.n_orders
    parts: list[np.ndarray | None] = []
    for key in ("seekaPId", "tcfConsentString"):
        v = table.text.get(key)
        if v is not None:
            parts.append(_str_codes(v, np.asarray(v != None, dtype=bool)))  # noqa: E711
    own = np.zeros(n, dtype=bool)
    for key in IDENTITY_LIST_FIELDS:
        rag = table.lists.get(key)
        if rag is None:
            continue
        counts = rag.counts()
        own |= counts > 1
        first = np.where(counts > 0, rag.offsets[:-1], 0)
        if rag.codes is not None and set(map(type, rag.values)) <= {str}:
            # the codes the values were grouped by: equal codes, equal strings
            known = rag.codes[first] if len(rag.codes) else np.full(n, -1, dtype=np.int64)
            parts.append(np.where(counts > 0, known, -1))
            continue
        vals = rag.values[first] if len(rag.values) else np.full(n, None, dtype=object)
        parts.append(_str_codes(vals, counts > 0))
    for addr in table.addresses:
        for v in addr.values():
            parts.append(_str_codes(v, _present(v)))
    if any(p is None for p in parts):
        return None
    if not parts:
        return np.zeros(n, dtype=np.int64)
    codes = np.zeros(n, dtype=np.int64)
    for p in parts:  # one code per distinct combination (hashing, not sorting rows)
        assert p is not None
        combined = codes * (int(p.max(initial=-1)) + 2) + (p + 1)
        codes = pd.factorize(combined)[0].astype(np.int64)
    codes[own] = codes.max(initial=0) + 1 + np.flatnonzero(own)
    if len(pd.unique(codes)) * 3 > 2 * n:  # few orders share an identity: no gain
        return None
    return codes


def encode(body: object) -> bytes:
    """JSON bytes for a request body (orjson; never NaN/Infinity: they are never built)."""
    return orjson.dumps(body)


#: How a payload hash over the event's JSON as sent begins (see :func:`event_hash`).
HASH_V2 = "v2:"


def payload_hash(event: object) -> str:
    """The first fingerprint of an event (v1): SHA-256 of its canonical JSON (sorted keys).

    Ledgers written before :func:`event_hash` hold these; :func:`same_payload` still
    compares with them, so an upgrade does not make every order look changed.
    """
    return hashlib.sha256(orjson.dumps(event, option=orjson.OPT_SORT_KEYS)).hexdigest()[:32]


def event_hash(text: bytes) -> str:
    """A stable fingerprint of one event (v2): ``v2:`` + SHA-256 of its JSON exactly as it
    is sent (``text``: :meth:`BodyBuilder.event_texts`), first 32 hex digits.

    The ledger keeps it instead of the event, so a re-run can tell "already sent" from
    "changed since it was sent" without storing any personal data.  Hashing the bytes
    being sent costs no second encoding; if the bytes of an unchanged event ever change
    (a new field order), the hash gets a new version and :func:`same_payload` learns to
    compare with this one.
    """
    return HASH_V2 + hashlib.sha256(text).hexdigest()[:32]


def same_payload(previous: str, text: bytes) -> bool:
    """Whether ``previous`` (a hash from the ledger, v1 or v2) fingerprints the event
    whose JSON is ``text``."""
    if previous.startswith(HASH_V2):
        return previous == event_hash(text)
    return previous == payload_hash(orjson.loads(text))


#: A request body is its events' JSON texts between these two.
BODY_START, BODY_END = b'{"data":[', b"]}"


def join_events(texts: Sequence[bytes]) -> bytes:
    """The request body of events given as JSON texts: the bytes :func:`encode` gives for
    ``{"data": [the events as dicts]}``."""
    return BODY_START + b",".join(texts) + BODY_END
