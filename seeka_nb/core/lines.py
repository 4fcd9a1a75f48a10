"""Line items → the products of each order, columnar (layer 2, pure).

Handles both shapes of input: one row per line item (product columns mapped directly) and
one row per order with a ``products`` column holding a list of objects or a JSON array.
Values become their contract types (``productIdentifier``/``variantIdentifier`` integers,
``unitPrice`` a number, ``quantity`` an integer, the rest strings); problems go to the
issues log against the user's row.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field

import numpy as np
import orjson
import pandas as pd

from ..errors import MappingError
from ..schema import LINE_FIELDS, MAX_TEXT_LENGTH, PRODUCT_FIELD_TYPES, Severity
from .grouping import ragged
from .issues import IssueLog
from .mapping import SYNONYMS, normalise_name
from .values import to_number, to_text, truncate, with_none

TEXT_LINE_FIELDS = tuple(f for f in LINE_FIELDS if PRODUCT_FIELD_TYPES[f] == "string")
INT_ID_FIELDS = ("productIdentifier", "variantIdentifier")


@dataclass(frozen=True)
class Products:
    """Products grouped by order (CSR).  ``columns`` hold Python values or ``None``.

    ``price``/``quantity`` are float arrays aligned with the grouped products (NaN when
    missing) for totals; ``row_pos`` the user row each product came from.
    """

    columns: dict[str, np.ndarray]
    offsets: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    row_pos: np.ndarray
    quantity_mapped: bool
    #: For some string columns, their dictionary encoding: ``(codes, uniques)`` with
    #: ``columns[k][i] == uniques[codes[i]]`` (``codes[i] == -1``: ``None``; uniques
    #: distinct).  The body encoder then encodes each distinct value without hashing the
    #: column again.  Whoever replaces a column drops or replaces its entry.
    coded: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    #: For some columns of floats, the same values as a float array (``NaN``: ``None``).
    floats: dict[str, np.ndarray] = field(default_factory=dict)

    def counts(self) -> np.ndarray:
        """Products per order."""
        return np.diff(self.offsets)


def _whole(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of the floats that are whole numbers within 64 bits, and of the others that
    are present (not NaN)."""
    ok = ~np.isnan(values)
    with np.errstate(invalid="ignore"):
        whole = (np.trunc(values) == values) & (np.abs(values) < 2**63)  # NaN, ±inf: False
    return whole, ok & ~whole


def _ints(values: np.ndarray, bad: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Whole floats → Python ints (object array); fractional ones are bad."""
    out = np.full(len(values), None, dtype=object)
    whole, fraction = _whole(values)
    out[whole] = values[whole].astype(np.int64).tolist()
    return out, bad | fraction


def normalise_lines(
    cols: dict[str, pd.Series],
    columns: dict[str, Hashable],
    row_pos: np.ndarray,
    order_of: np.ndarray,
    n_orders: int,
    log: IssueLog,
) -> Products:
    """Normalise line columns (aligned with ``row_pos``/``order_of``) into Products.

    Rows whose product fields are all empty are not products.
    """
    m = len(row_pos)
    out: dict[str, np.ndarray] = {}
    coded_out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    present_any = np.zeros(m, dtype=bool)
    price = np.full(m, np.nan)
    qty = np.full(m, np.nan)
    for name, series in cols.items():
        col = columns.get(name, name)
        kind = PRODUCT_FIELD_TYPES[name]
        if kind == "string":
            text = to_text(series)
            coded, long = truncate(text, MAX_TEXT_LENGTH)
            vals = coded.values()
            _warn(
                log,
                row_pos,
                text.bad,
                name,
                col,
                "invalid_text",
                "not valid text (e.g. bytes that are not UTF-8); left out",
            )
            _warn(
                log,
                row_pos,
                long,
                name,
                col,
                "text_truncated",
                f"longer than {MAX_TEXT_LENGTH} characters; truncated",
            )
            out[name] = vals
            coded_out[name] = (coded.codes, coded.uniques)
            present_any |= coded.present | text.bad
            continue
        nums, bad = to_number(series)
        present_any |= ~np.isnan(nums) | bad
        if name in INT_ID_FIELDS:
            ints, bad_id = _ints(nums, bad)
            _warn(
                log,
                row_pos,
                bad_id,
                name,
                col,
                "invalid_identifier",
                "not a whole number (Seeka takes numeric product/variant IDs); left out",
            )
            out[name] = ints
        elif name == "unitPrice":
            _err(log, row_pos, bad, name, col, "invalid_number", "not a number")
            _err(
                log,
                row_pos,
                nums < 0,
                name,
                col,
                "negative_price",
                "negative unit price; refunds and discounts are not products",
            )
            price = nums
        else:  # quantity (its Python ints are made once, for the grouped products below)
            bad_q = bad | _whole(nums)[1]
            _err(
                log,
                row_pos,
                bad_q,
                name,
                col,
                "invalid_quantity",
                "quantity must be a whole number",
            )
            _err(
                log,
                row_pos,
                nums < 0,
                name,
                col,
                "negative_quantity",
                "negative quantity (a return or cancellation?); the order is held back",
            )
            _warn(log, row_pos, nums == 0, name, col, "zero_quantity", "quantity is 0")
            qty = np.where(bad_q, np.nan, nums)
    is_product = present_any & (order_of >= 0)
    if "unitPrice" in cols:
        _warn(
            log,
            row_pos,
            is_product & np.isnan(price) & ~_bad_rows(log, row_pos),
            "unitPrice",
            columns.get("unitPrice"),
            "missing_price",
            "line item without a unit price; product sent without unitPrice",
        )
    if "quantity" in cols:
        _warn(
            log,
            row_pos,
            is_product & np.isnan(qty),
            "quantity",
            columns.get("quantity"),
            "missing_quantity",
            "line item without a quantity; product sent without it",
        )
    else:
        qty = np.ones(m)
    keep = np.flatnonzero(is_product)
    grouped = ragged(order_of[keep], keep, n_orders)
    take = grouped.values
    if len(keep) == m and take is keep:  # every row a product, rows grouped: arrays as made
        price_t, qty_t = price, qty
        columns_out = dict(out)
        coded_take = dict(coded_out)
    else:
        price_t, qty_t = price[take], qty[take]
        columns_out = {k: v[take] for k, v in out.items()}
        coded_take = {k: (c[take], u) for k, (c, u) in coded_out.items()}
    floats: dict[str, np.ndarray] = {}
    if "unitPrice" in cols:
        # the caller rounds the prices and makes their Python floats (order_amounts)
        floats["unitPrice"] = columns_out["unitPrice"] = price_t
    if "quantity" in cols:
        q = qty_t
        okq = ~np.isnan(q)
        whole = q[okq].astype(np.int64)
        found, uniq = pd.factorize(whole)
        codes = np.full(len(q), -1, dtype=np.int64)
        codes[okq] = found
        uniques = np.empty(len(uniq), dtype=object)
        uniques[:] = np.asarray(uniq).tolist()
        columns_out["quantity"] = with_none(uniques)[codes]
        coded_take["quantity"] = (codes, uniques)
    return Products(
        columns_out,
        grouped.offsets,
        price_t,
        qty_t,
        row_pos[take],
        "quantity" in cols,
        coded_take,
        floats,
    )


def _bad_rows(log: IssueLog, row_pos: np.ndarray) -> np.ndarray:
    err = log.error_positions()
    return np.isin(row_pos, err)


def _report(severity: Severity) -> Callable[..., None]:
    def report(
        log: IssueLog,
        row_pos: np.ndarray,
        mask: np.ndarray,
        name: str,
        col: object,
        code: str,
        message: str,
    ) -> None:
        log.add(
            np.unique(row_pos[mask]),
            code=code,
            severity=severity,
            message=message,
            field=name,
            column=col,
        )

    return report


_warn = _report("warning")
_err = _report("error")


_ITEM_KEYS: dict[str, str] = {}
for _field in LINE_FIELDS:
    for _rank in SYNONYMS.get(_field, ()):
        for _n in _rank:
            _ITEM_KEYS.setdefault(_n, _field)
    _ITEM_KEYS[normalise_name(_field)] = _field
# Keys natural inside a product object that would be too vague as column names.
_ITEM_KEYS.update(
    {
        "name": "productName",
        "id": "productIdentifier",
        "variant": "variantName",
        "productvariantid": "variantIdentifier",
    }
)


def explode_products(
    column: pd.Series, column_name: Hashable, log: IssueLog
) -> tuple[dict[str, pd.Series], np.ndarray]:
    """A column of product lists (Python lists of dicts, or JSON arrays) → line columns.

    Returns the line columns (aligned with the returned row positions).  Unreadable cells
    are errors against their row; keys are matched to product fields by name.
    """
    positions: list[int] = []
    items: list[dict[str, object]] = []
    bad: list[int] = []
    values = column.to_numpy(dtype=object)
    for pos, cell in enumerate(values):  # parsing user JSON is per cell by nature
        if cell is None or (isinstance(cell, float) and np.isnan(cell)):
            continue
        if isinstance(cell, str | bytes):
            if not cell.strip():
                continue
            try:
                cell = orjson.loads(cell)
            except orjson.JSONDecodeError:
                bad.append(pos)
                continue
        if isinstance(cell, dict):
            cell = [cell]
        if not isinstance(cell, list | tuple) or not all(isinstance(i, dict) for i in cell):
            bad.append(pos)
            continue
        for item in cell:
            positions.append(pos)
            items.append({_ITEM_KEYS.get(normalise_name(k), "?"): v for k, v in item.items()})
    log.add(
        bad,
        code="invalid_products",
        severity="error",
        field="products",
        column=column_name,
        message="products cell is not a list of objects (or a JSON array of them)",
    )
    frame = pd.DataFrame.from_records(items) if items else pd.DataFrame()
    cols = {k: frame[k] for k in frame.columns if k in LINE_FIELDS}
    if not cols and items:
        raise MappingError(
            f"Column {column_name!r} holds product objects, but none of their keys is a "
            f"product field ({', '.join(LINE_FIELDS)})."
        )
    return cols, np.asarray(positions, dtype=np.int64)
