"""The ``ev.id`` objects of orders as JSON text, column by column (layer 2, pure).

:func:`identity_texts` gives, for chosen orders, exactly the text ``orjson.dumps`` writes
for :meth:`seeka_nb.core.body.BodyBuilder.identity` of each, without a dict per order:
profile ID, address and consent values are encoded once per distinct value
(:func:`~.fragments.tokens`), identity arrays once per chosen order (the orders asked for
are distinct identities: hashing their emails would find almost no repeats), and the
fields are put together with :func:`~.fragments.keyed_parts`, as the bodies' other
fragments are.

It covers the usual identities: at most one value per identity array and order, at most
one address set, and text (or nothing) in every field.  Anything else (two emails in one
order, several address sets, a value that is not a ``str``) gives ``None``, and the
caller encodes dicts (``tests/core/test_body_bytes.py`` compares both with the dicts).
"""

from __future__ import annotations

import numpy as np
import orjson

from ..schema import IDENTITY_LIST_FIELDS
from .fragments import Part, keyed_parts, plain_strings, tokens
from .table import OrderTable

_TEXT_OR_NONE = {str, type(None)}


def identity_texts(table: OrderTable, orders: np.ndarray) -> np.ndarray | None:
    """Per order of ``orders``, its ``ev.id`` JSON text (object array), or ``None`` when
    an identity is not of the usual shape (module docstring)."""
    n = len(orders)
    fields: list[tuple[str, Part]] = []
    pid = table.text.get("seekaPId")
    if pid is not None:
        part = _text_part(pid[orders])
        if part is None:
            return None
        fields.append(("seekaPId", part))
    for key in IDENTITY_LIST_FIELDS:
        rag = table.lists.get(key)
        if rag is None:
            continue
        counts = np.diff(rag.offsets)[orders]
        if (counts > 1).any():
            return None
        one = counts == 1
        values = np.full(n, None, dtype=object)
        values[one] = rag.values[rag.offsets[orders[one]]]
        part = _text_part(values, "[", "]", distinct=False)
        if part is None:
            return None
        fields.append((key, part))
    if len(table.addresses) > 1:
        return None
    for addr in table.addresses:
        inner: list[tuple[str, Part]] = []
        for key, column in addr.items():
            part = _text_part(column[orders])
            if part is None:
                return None
            inner.append((key, part))
        pieces, has_any = keyed_parts(inner, n)
        texts = _wrap(_rows(pieces, n), "[{", "}]")
        fields.append(("address", (np.where(has_any, np.arange(n), -1), texts)))
    tcf = table.text.get("tcfConsentString")
    if tcf is not None:
        part = _text_part(tcf[orders], '{"tcfConsentString":', "}")
        if part is None:
            return None
        fields.append(("privacy", part))
    return _wrap(_rows(keyed_parts(fields, n)[0], n), "{", "}")


def _text_part(
    values: np.ndarray, before: str = "", after: str = "", *, distinct: bool = True
) -> Part | None:
    """The JSON texts of ``str`` values (``None``: absent), each between ``before`` and
    ``after``; ``None`` when another kind of value is present.  ``distinct=False`` writes
    each item's own text instead of hashing the values (when most are distinct anyway:
    the chosen orders are distinct identities)."""
    items = values.tolist()
    if not set(map(type, items)) <= _TEXT_OR_NONE:
        return None
    if distinct:
        codes, texts = tokens(values)
        return codes, _wrap(texts, before, after) if before or after else texts
    codes = np.where(np.asarray(values != None, dtype=bool), np.arange(len(items)), -1)  # noqa: E711
    present = [v for v in items if v is not None]
    out = np.empty(len(items), dtype=object)
    if plain_strings(present):  # the usual case: no escaping
        out[:] = ["" if v is None else f'{before}"{v}"{after}' for v in items]
    else:
        out[:] = ["" if v is None else before + orjson.dumps(v).decode() + after for v in items]
    return codes, out


def _rows(parts: list[Part], n: int) -> np.ndarray:
    """Per item, its parts' texts put together."""
    if not parts:
        return np.full(n, "", dtype=object)
    columns = [table[idx].tolist() for idx, table in parts]
    out = np.empty(n, dtype=object)
    out[:] = ["".join(row) for row in zip(*columns, strict=True)]
    return out


def _wrap(texts: np.ndarray, before: str, after: str) -> np.ndarray:
    out = np.empty(len(texts), dtype=object)
    out[:] = [before + t + after for t in texts.tolist()]
    return out
