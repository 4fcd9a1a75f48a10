"""Request bodies as JSON text put together from encoded fragments, column by column
(layer 2, pure).

``FragmentEncoder.bodies`` gives exactly the bytes ``orjson.dumps`` gives for
:meth:`seeka_nb.core.body.BodyBuilder.bodies` (tests compare, byte for byte), without a
dict per event or per product:

- every column is turned into JSON text once per *distinct* value (:func:`tokens`: orjson
  itself encodes each value, so escaping and number formatting are orjson's), and each
  field becomes ``"key":value`` text, after a comma unless it is its object's first
  present field (:func:`field_pieces`); absent values are simply no text;
- each ``ev.id`` object is encoded once per distinct identity
  (:func:`seeka_nb.core.body.identity_codes`), else once per order;
- a block of bodies is one flat list of these texts, placed with numpy (an order's fixed
  pieces, then its products' pieces), and each body is one ``"".join`` of its slice.

The only per-item Python left is C-level: ``map(orjson.dumps, ...)`` over distinct values.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeAlias

import numpy as np
import orjson
import pandas as pd

from ..schema import (
    ACTIVITY_NAME_ORDER,
    COMMERCE_MONEY_FIELDS,
    COMMERCE_STRING_FIELDS,
    PRODUCT_FIELDS,
)
from .lines import Products
from .table import OrderTable

#: Bodies put together per block (bounds the flat list: ~10,000 events).
BLOCK_BODIES = 512

_NONE = type(None)
_HEAD = '{"ev":{"id":'
_PAYLOAD = ',"payload":{"activityName":' + orjson.dumps(ACTIVITY_NAME_ORDER).decode()
_PAYLOAD += ',"activityId":'


def _texts(values: Sequence[Any]) -> np.ndarray:
    """orjson's text for each value (object array of ``str``)."""
    out = np.empty(len(values), dtype=object)
    out[:] = [b.decode() for b in map(orjson.dumps, values)]
    return out


#: Characters orjson does not write as they are (escaped, or an error for surrogates).
_NOT_AS_IS = re.compile(r'[\x00-\x1f"\\\ud800-\udfff]')


def plain_strings(items: list[Any]) -> bool:
    """Whether every item is a ``str`` that orjson writes as ``"`` + item + ``"``."""
    return set(map(type, items)) <= {str} and not _NOT_AS_IS.search("".join(items))


def _id_and_time(activity_id: np.ndarray, time: np.ndarray) -> np.ndarray:
    """Per order: ``<activityId JSON>,"time":<time JSON>,"commerce":{`` (one piece)."""
    ids, times = activity_id.tolist(), time.tolist()
    if plain_strings(ids) and plain_strings(times):  # the usual case: no escaping
        pieces = [f'"{a}","time":"{t}","commerce":{{' for a, t in zip(ids, times, strict=True)]
    else:
        pieces = [
            f'{a},"time":{t},"commerce":{{'
            for a, t in zip(_texts(ids).tolist(), _texts(times).tolist(), strict=True)
        ]
    out = np.empty(len(pieces), dtype=object)
    out[:] = pieces
    return out


def _float_tokens(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Distinct by bit pattern: -0.0 and 0.0 are equal but orjson writes them differently.
    codes, uniq = pd.factorize(np.ascontiguousarray(values, dtype=np.float64).view(np.int64))
    codes = codes.astype(np.int64)
    codes[np.isnan(values)] = -1
    floats = np.asarray(uniq).view(np.float64).tolist()
    text = orjson.dumps(floats).decode()[1:-1].split(",") if floats else []
    out = np.empty(len(text), dtype=object)
    out[:] = text
    return codes, out


#: What the table already knows of a column (see ``Products.coded``/``Products.floats``):
#: its dictionary encoding ``(codes, uniques)``, or its values as floats (NaN: ``None``).
Hint: TypeAlias = tuple[np.ndarray, np.ndarray] | np.ndarray | None


def tokens(
    values: np.ndarray, *, distinct: bool = True, hint: Hint = None
) -> tuple[np.ndarray, np.ndarray]:
    """Per item a code into JSON texts (``-1`` where absent: ``None``, or NaN in a float
    array) and the texts.  Values are encoded once per distinct value when they are all
    ``str``, all ``int`` or all ``float`` (or ``distinct=False``: once per item).

    ``hint`` (the same values, already encoded) skips hashing the column again: the
    result is the same (``tests/core/test_fast_paths.py`` compares)."""
    n = len(values)
    if distinct and isinstance(hint, tuple):
        codes, uniques = hint
        kinds = set(map(type, uniques))
        if kinds <= {str} or kinds <= {int}:
            return np.asarray(codes, dtype=np.int64), _texts(uniques.tolist())
    elif distinct and isinstance(hint, np.ndarray) and hint.dtype.kind == "f":
        return _float_tokens(hint)
    if values.dtype.kind == "f":
        return _float_tokens(values)
    values = np.asarray(values, dtype=object)
    kinds = set(map(type, values))
    if distinct and kinds <= {str, _NONE}:
        codes, uniq = pd.factorize(values, use_na_sentinel=True)
        return codes.astype(np.int64), _texts(np.asarray(uniq, dtype=object).tolist())
    present = values != None  # noqa: E711 - elementwise
    if distinct and kinds <= {int, _NONE} and present.any():
        try:
            ints = values[present].astype(np.int64)
        except OverflowError:  # beyond 64 bits: orjson refuses them anyway, as the dicts
            ints = None
        if ints is not None:
            codes = np.full(n, -1, dtype=np.int64)
            found, uniq = pd.factorize(ints)
            codes[present] = found
            return codes, _texts(np.asarray(uniq).tolist())
    if distinct and kinds <= {float, _NONE}:
        floats = np.full(n, np.nan)
        floats[present] = values[present].astype(np.float64)
        if not np.isnan(floats[present]).any():  # a NaN *value* is not absent: see below
            return _float_tokens(floats)
    codes = np.where(present, np.arange(n), -1).astype(np.int64)
    return codes, _texts(values.tolist())  # any other mix: orjson per item, as the dicts


Part = tuple[np.ndarray, np.ndarray]  # per item an index into a table of texts, the table


def field_parts(
    columns: Sequence[tuple[str, np.ndarray]], n: int, hints: Mapping[str, Hint] | None = None
) -> tuple[list[Part], np.ndarray]:
    """Per field, per item: ``"key":value`` text (after a comma unless it is the item's
    first present field; ``""`` where absent), as a :data:`Part`.  Also: which items have
    any field.  ``hints``: per field, what :func:`tokens` may use."""
    hints = hints or {}
    return keyed_parts([(k, tokens(v, hint=hints.get(k))) for k, v in columns], n)


def keyed_parts(fields: Sequence[tuple[str, Part]], n: int) -> tuple[list[Part], np.ndarray]:
    """:func:`field_parts` from each field's JSON value texts already made (a
    :data:`Part`: per item a code into them, ``-1`` where absent)."""
    if not fields:
        return [], np.zeros(n, dtype=bool)
    present = np.stack([c >= 0 for _, (c, _) in fields], axis=1)
    first = np.argmax(present, axis=1)
    parts: list[Part] = []
    for j, (key, (codes, texts)) in enumerate(fields):
        m = len(texts)
        label = orjson.dumps(key).decode() + ":"
        table = np.full(2 * m + 1, "", dtype=object)
        is_first = (first == j) & (codes >= 0)
        if (~is_first & (codes >= 0)).any():
            table[:m] = [f",{label}{t}" for t in texts.tolist()]
        if is_first.any():
            table[m : 2 * m] = [label + t for t in texts.tolist()]
        parts.append((np.where(codes < 0, 2 * m, codes + m * is_first), table))
    return parts, np.asarray(present.any(axis=1), dtype=bool)


def _hashed(keys: np.ndarray, size: int) -> bool:
    """Whether :func:`_combinations` hashes ``keys`` (too many possible keys for a table
    of flags)."""
    return size > max(4 * len(keys), 1 << 16)


def _surely_more(keys: np.ndarray, size: int, limit: int) -> bool:
    """Whether ``keys`` certainly hold more than ``limit`` distinct values, judged from a
    prefix of ``2 * limit`` items (a prefix never has more than the whole): a quarter or
    less of the work of hashing them all, spent only where that hashing would be needed."""
    if not _hashed(keys, size) or len(keys) <= 4 * limit:
        return False
    return len(pd.unique(keys[: 2 * limit])) > limit


def _combinations(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per item a code and the distinct keys (``0 <= keys < size``), codes into them.
    Few possible keys: marked in a table of ``size`` flags (no hashing); else hashed."""
    if _hashed(keys, size):
        codes, combos = pd.factorize(keys)
        return codes, np.asarray(combos, dtype=np.int64)
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    rank = np.cumsum(seen) - 1
    return rank[keys], np.flatnonzero(seen)


def constant_part(choice: np.ndarray, texts: Sequence[str]) -> Part:
    """A part choosing among a few fixed texts (``choice``: an index per item)."""
    table = np.empty(len(texts), dtype=object)
    table[:] = list(texts)
    return np.asarray(choice, dtype=np.int64), table


def fuse(parts: list[Part], limit: int) -> list[Part]:
    """Adjacent parts whose combinations number at most ``limit`` become one part (its
    texts put together once per distinct combination): fewer pieces to join per item."""
    out: list[Part] = []
    idx, table = parts[0]
    for nxt_idx, nxt_table in parts[1:]:
        keys = idx.astype(np.int64) * len(nxt_table) + nxt_idx
        size = len(table) * len(nxt_table)
        if _surely_more(keys, size, limit):
            out.append((idx, table))
            idx, table = nxt_idx, nxt_table
            continue
        codes, combos = _combinations(keys, size)
        if len(combos) <= limit:
            a, b = np.divmod(np.asarray(combos, dtype=np.int64), len(nxt_table))
            idx, table = codes.astype(np.int64), table[a] + nxt_table[b]
        else:
            out.append((idx, table))
            idx, table = nxt_idx, nxt_table
    out.append((idx, table))
    return out


class OrderParts:
    """The fragments of a table's bodies that do not depend on identities: per order its
    activity ID, time and commerce fields, per product its fields.

    :class:`FragmentEncoder` makes them when it first encodes; a conversion may make them
    earlier (while a phone validator works in another process), and the table carries
    them.  They are used only for the very arrays they were made from (:meth:`fits`): a
    table derived with other commerce values or products makes its own.
    """

    def __init__(
        self,
        activity_id: np.ndarray,
        time: np.ndarray,
        text: Mapping[str, np.ndarray],
        money: Mapping[str, np.ndarray],
        products: Products,
    ) -> None:
        self._sources = _sources(activity_id, time, text, money, products)
        n = len(activity_id)
        every = np.arange(n, dtype=np.int64)
        commerce = [(k, text[k]) for k in COMMERCE_STRING_FIELDS if k in text]
        commerce += [(k, money[k]) for k in COMMERCE_MONEY_FIELDS if k in money]
        c_parts, has_commerce = field_parts(commerce, n)
        self.p_off = products.offsets
        self.has_products = np.diff(products.offsets) > 0
        opener = np.where(self.has_products, np.where(has_commerce, 1, 2), 0)
        limit = max(4096, n // 8)
        self.order_parts = [
            (every, _id_and_time(activity_id, time)),
            *fuse([*c_parts, constant_part(opener, ["", ',"products":[', '"products":['])], limit),
        ]
        n_items = len(products.row_pos)
        pcols = [(k, products.columns[k]) for k in PRODUCT_FIELDS if k in products.columns]
        p_parts, _ = field_parts(pcols, n_items, {**products.coded, **products.floats})
        rank = np.arange(n_items) - np.repeat(products.offsets[:-1], np.diff(products.offsets))
        self.product_parts = fuse(
            [constant_part(rank > 0, ["{", "},{"]), *p_parts], max(4096, n_items // 8)
        )

    @classmethod
    def of(cls, table: OrderTable) -> OrderParts:
        """The table's own parts when they fit it, else new ones."""
        made = table.order_parts
        if isinstance(made, OrderParts) and made.fits(table):
            return made
        return cls(table.activity_id, table.time, table.text, table.money, table.products)

    def fits(self, table: OrderTable) -> bool:
        """Whether these parts were made from exactly ``table``'s arrays."""
        now = _sources(table.activity_id, table.time, table.text, table.money, table.products)
        return len(now) == len(self._sources) and all(
            a is b for a, b in zip(now, self._sources, strict=True)
        )


def _sources(
    activity_id: np.ndarray,
    time: np.ndarray,
    text: Mapping[str, np.ndarray],
    money: Mapping[str, np.ndarray],
    products: Products,
) -> tuple[object, ...]:
    """The objects :class:`OrderParts` reads (compared by identity)."""
    return (
        activity_id,
        time,
        products,
        *(text.get(k) for k in COMMERCE_STRING_FIELDS),
        *(money.get(k) for k in COMMERCE_MONEY_FIELDS),
    )


class FragmentEncoder:
    """Encodes the bodies of an :class:`OrderTable` from fragments (module docstring)."""

    def __init__(
        self,
        table: OrderTable,
        identity: Callable[[int], dict[str, Any]],
        identity_codes: np.ndarray | None,
        identity_texts: Callable[[np.ndarray], np.ndarray | None] | None = None,
    ) -> None:
        self._identity = identity
        self._identity_texts = identity_texts
        self._id_codes = identity_codes
        size = 0 if identity_codes is None else int(identity_codes.max(initial=-1)) + 1
        self._id_texts = np.full(size, None, dtype=object)
        parts = OrderParts.of(table)
        self.p_off, self.has_products = parts.p_off, parts.has_products
        self.order_parts, self.product_parts = parts.order_parts, parts.product_parts

    def _fill_identities(self, orders: np.ndarray) -> None:
        """Encode the ``ev.id`` text of each distinct identity among ``orders`` not encoded
        yet (one pass over all of them: no per-block hashing)."""
        codes, texts = self._id_codes, self._id_texts
        assert codes is not None
        keys = codes[orders]
        need = np.unique(keys)
        need = need[texts[need] == None]  # noqa: E711 - elementwise
        if need.size:
            texts[need] = self._heads(_first_orders(keys, orders, need))

    def _identities(self, block: np.ndarray) -> np.ndarray:
        """Per order of ``block``: its event's text up to the activity ID, with the ``ev.id``
        JSON (encoded once per distinct identity, by :meth:`bodies`, else per order)."""
        if self._id_codes is not None:
            return self._id_texts[self._id_codes[block]]
        return self._heads(block)

    def _heads(self, orders: np.ndarray) -> np.ndarray:
        """Per order: its event's text up to the activity ID (column by column when
        ``identity_texts`` can, else a dict per order)."""
        texts = None if self._identity_texts is None else self._identity_texts(orders)
        made: list[str] = (
            [orjson.dumps(self._identity(i)).decode() for i in orders.tolist()]
            if texts is None
            else texts.tolist()
        )
        out = np.empty(len(orders), dtype=object)
        out[:] = [_HEAD + t + _PAYLOAD for t in made]
        return out

    def bodies(self, orders: Sequence[int], size: int) -> Iterator[bytes]:
        """Bodies of ``size`` events (the last may be shorter), as :meth:`BodyBuilder.bodies`."""
        chosen = np.asarray(orders, dtype=np.int64)
        if self._id_codes is not None:
            self._fill_identities(chosen)
        step = size * BLOCK_BODIES
        for b0 in range(0, len(chosen), step):
            yield from self._block(chosen[b0 : b0 + step], size)

    def event_texts(self, orders: Sequence[int]) -> list[bytes]:
        """Each order's event as JSON bytes: its one-event body without the body's start
        and end (``{"data":[`` and ``]}``)."""
        head, tail = len(_PREFIX[0]), -len(_TAIL[1]) + len(_TAIL[0])
        return [body[head:tail] for body in self.bodies(orders, 1)]

    def _block(self, block: np.ndarray, size: int) -> Iterator[bytes]:
        n = len(block)
        k, m = len(self.order_parts), len(self.product_parts)
        lo, hi = self.p_off[block], self.p_off[block + 1]
        n_prod = hi - lo
        fixed = 2 + k  # pieces of an order before its products
        start = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(fixed + n_prod * m + 1, out=start[1:])
        at = start[:-1]
        flat = np.empty(int(start[-1]), dtype=object)
        seat = np.arange(n) % size
        flat[at] = _PREFIX[(seat > 0).astype(np.int64)]
        flat[at + 1] = self._identities(block)
        for j, (idx, table) in enumerate(self.order_parts):
            flat[at + 2 + j] = table[idx[block]]
        total = int(n_prod.sum())
        if total:
            owner = np.repeat(np.arange(n), n_prod)
            rank = np.arange(total) - np.repeat(start_of(n_prod), n_prod)
            items = np.repeat(lo, n_prod) + rank
            base = at[owner] + fixed + rank * m
            for f, (idx, table) in enumerate(self.product_parts):
                flat[base + f] = table[idx[items]]
        last = (seat == size - 1) | (np.arange(n) == n - 1)
        flat[start[1:] - 1] = _TAIL[self.has_products[block] * 2 + last]
        pieces = flat.tolist()
        bounds = start[np.r_[0:n:size, n]].tolist()
        join = "".join
        for a, b in itertools.pairwise(bounds):
            yield join(pieces[a:b]).encode()


_PREFIX = np.array(['{"data":[', ","], dtype=object)
_TAIL = np.array(["}}}}", "}}}}]}", "}]}}}}", "}]}}}}]}"], dtype=object)


def _first_orders(keys: np.ndarray, block: np.ndarray, need: np.ndarray) -> np.ndarray:
    """For each key in ``need`` (sorted, all in ``keys``), an order of ``block`` with it."""
    order = np.argsort(keys, kind="stable")
    pos = np.searchsorted(keys[order], need)
    return block[order[pos]]


def start_of(counts: np.ndarray) -> np.ndarray:
    """Exclusive running sum: where each group starts."""
    out = np.zeros(len(counts), dtype=np.int64)
    np.cumsum(counts[:-1], out=out[1:])
    return out
