"""An order's money: totals, tax, shipping, line amounts, products and currency (layer 2).

Rules (issue 11: every order is sent with exactly the right value and currency, or held
back with a reason):

- ``totalPrice``/``totalTax``/``totalShippingPrice`` are order-level: a value that differs
  between the rows of one order is an **error** naming the column (it looks like a per-line
  amount: map it as ``lineTotal``), never "the first value wins".
- ``lineTotal`` is a line's amount including its quantity: without a mapped order total the
  order's ``totalPrice`` is the sum of its lines' amounts; without a mapped unit price each
  product's ``unitPrice`` is amount / quantity, rounded to the currency.
- No value: with no order total, no unit price and no line amount mapped,
  :func:`require_value` raises a :class:`MappingError` listing the money-looking columns,
  unless the caller said the orders have no value (``mapping={"totalPrice": None}``).
- An order whose value cannot be established (its total empty and its lines silent) is held
  back (``missing_total``); an order with money but no currency is held back
  (``missing_currency``: pass ``currency=``).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import replace

import numpy as np
import pandas as pd

from ..errors import MappingError
from ..schema import COMMERCE_MONEY_FIELDS, LINE_FIELDS, LINE_TOTAL_FIELD, PRODUCTS_LIST_FIELD
from .context import Context
from .grouping import per_order
from .lines import Products, explode_products, normalise_lines
from .mapping import ColumnMapping, MappingSpec, normalise_name
from .money import check_totals, minor_units_of, round_money
from .presets import Preset
from .values import is_present, to_number

_MONEY_WORDS = (
    "total",
    "amount",
    "price",
    "cost",
    "value",
    "owed",
    "revenue",
    "sales",
    "subtotal",
    "importe",
    "monto",
    "precio",
    "preco",
    "valor",
    "betrag",
    "preis",
)


def require_value(
    cmap: ColumnMapping, spec: MappingSpec | None, columns: Sequence[Hashable]
) -> None:
    """Raise unless some column gives the orders a value, or the caller said there is none."""
    if any(f in cmap for f in ("totalPrice", "unitPrice", LINE_TOTAL_FIELD, PRODUCTS_LIST_FIELD)):
        return
    if spec is not None and "totalPrice" in spec and spec["totalPrice"] is None:
        return
    looks = [c for c in columns if any(w in normalise_name(c) for w in _MONEY_WORDS)]
    listed = ", ".join(repr(c) for c in looks) if looks else "none"
    unsure = "".join(
        f" {f}: several columns match ({', '.join(map(repr, cmap.ambiguous[f]))})."
        for f in ("totalPrice", "unitPrice", LINE_TOTAL_FIELD)
        if f in cmap.ambiguous
    )
    raise MappingError(
        "No column gives the orders a value: no order total, unit price or line amount is "
        f"mapped or detected (preset {cmap.preset!r}).{unsure} Money-looking columns: "
        f"{listed}. Map "
        "one, e.g. mapping={'totalPrice': '<order total column>'} or "
        "mapping={'lineTotal': '<line amount column>'}; or, if the orders really have no "
        "value, say so with mapping={'totalPrice': None}."
    )


def _per_line_message(name: str, col: object) -> str:
    return (
        f"{col!r} ({name}) differs between the rows of one order, so it is not an order-level "
        "amount: it looks like a per-line amount. The order is held back; map the column as "
        f"the line amount instead: mapping={{'lineTotal': {col!r}}}"
        + (f" (and {name!r} to an order-level column or None)" if name != "totalPrice" else "")
    )


def order_amounts(
    ctx: Context,
    pre: Preset,
    cur: np.ndarray,
    first_row: np.ndarray,
    conflicts: dict[str, np.ndarray],
    not_product: np.ndarray,
    shipping_line: np.ndarray,
    extra_line: np.ndarray,
) -> tuple[dict[str, np.ndarray], Products]:
    """Per order money (float arrays, NaN = absent) and the products, rounded per currency."""
    cmap = ctx.cmap
    money: dict[str, np.ndarray] = {}
    for name in COMMERCE_MONEY_FIELDS:
        if name not in cmap:
            continue
        col = cmap.columns(name)[0]
        nums, bad = to_number(ctx.series(col))
        ctx.error(bad, name, col, "invalid_number", "not a number")
        ctx.error(nums < 0, name, col, "negative_amount", "negative amount")
        money[name] = ctx.per_order(
            name,
            col,
            nums,
            ~np.isnan(nums),
            conflicts,
            fill=np.nan,
            severity="error",
            message=_per_line_message(name, col),
        )
    amount = None
    if LINE_TOTAL_FIELD in cmap:
        col = cmap.columns(LINE_TOTAL_FIELD)[0]
        amount, bad = to_number(ctx.series(col))
        ctx.error(bad, LINE_TOTAL_FIELD, col, "invalid_number", "line amount is not a number")
        ctx.error(
            amount < 0,
            LINE_TOTAL_FIELD,
            col,
            "negative_amount",
            "negative line amount (a refund or discount?); the order is held back",
        )
    products = _products(ctx, not_product, amount)
    owner = np.repeat(np.arange(len(products.offsets) - 1), products.counts())
    digits = minor_units_of(cur)  # per order
    products = replace(products, price=round_money(products.price, digits=digits[owner]))
    money = {k: round_money(v, digits=digits) for k, v in money.items()}
    shipping = _line_amounts(ctx, shipping_line, cur, amount)
    if shipping is not None and "totalShippingPrice" not in money:
        money["totalShippingPrice"] = shipping
    extra = _line_amounts(ctx, extra_line, cur, amount)
    if extra is not None:
        shipping = extra if shipping is None else np.nan_to_num(shipping) + extra
    # totals are checked/computed from the prices as sent, then rounded once more
    money = check_totals(
        ctx,
        products,
        money,
        cur,
        first_row,
        other_lines=shipping,
        discount=_order_discount(ctx, pre),
        line_amounts=None if amount is None else amount[products.row_pos],
    )
    money = {k: round_money(v, digits=digits) for k, v in money.items()}
    if "unitPrice" in products.columns:
        price = products.price
        unit = np.full(len(price), None, dtype=object)
        known = ~np.isnan(price)
        unit[known] = price[known]
        products.columns["unitPrice"] = unit
        products.floats["unitPrice"] = price
    return money, products


def check_value_and_currency(
    ctx: Context,
    money: dict[str, np.ndarray],
    products: Products,
    cur: np.ndarray,
    first_row: np.ndarray,
    value_expected: bool,
) -> None:
    """Hold back orders without a total (when orders have value) or without a currency."""
    n = ctx.n_orders
    total = money.get("totalPrice")
    if value_expected and total is not None:
        logged = ctx.log.error_positions("error")
        has_error = np.zeros(n, dtype=bool)
        codes = ctx.codes[logged]
        has_error[codes[codes >= 0]] = True
        ctx.order_issue(
            np.flatnonzero(np.isnan(total) & ~has_error),
            first_row,
            code="missing_total",
            severity="error",
            message="order has no total (its total cell is empty and its lines do not give "
            "one); the order is held back",
            name="totalPrice",
            col=ctx.cmap.columns("totalPrice")[0] if "totalPrice" in ctx.cmap else None,
        )
    has_money = np.zeros(n, dtype=bool)
    for vals in money.values():
        has_money |= ~np.isnan(vals)
    owner = np.repeat(np.arange(n), products.counts())
    priced = owner[~np.isnan(products.price)]
    has_money[priced] = True
    missing = np.flatnonzero(has_money & ~is_present(cur))
    cols = ctx.cmap.columns("currencyCode")
    ctx.order_issue(
        missing,
        first_row,
        code="missing_currency",
        severity="error",
        message=(
            "order has an amount but no currency"
            + (f" ({cols[0]!r} is empty)" if cols else " (no currency column)")
            + "; it is held back. Pass currency='EUR' (your shop's ISO 4217 code) or map a "
            "currency column"
        ),
        name="currencyCode",
        col=cols[0] if cols else None,
    )


def _order_discount(ctx: Context, pre: Preset) -> np.ndarray | None:
    """Per order, the discount the preset's discount column states (NaN when absent)."""
    col = next((c for c in pre.discount if c in ctx.df.columns), None)
    if col is None:
        return None
    nums, _ = to_number(ctx.series(col))
    return per_order(ctx.codes, nums, ~np.isnan(nums), ctx.n_orders, fill=np.nan).values


def _line_amounts(
    ctx: Context, rows: np.ndarray, cur: np.ndarray, amount: np.ndarray | None
) -> np.ndarray | None:
    """Per order, the amount of the flagged lines (NaN where it has none)."""
    if not rows.any():
        return None
    if amount is None:
        if "unitPrice" not in ctx.cmap:
            return None
        price, _ = to_number(ctx.series(ctx.cmap.columns("unitPrice")[0]))
        qty = np.ones(ctx.n)
        if "quantity" in ctx.cmap:
            qty, _ = to_number(ctx.series(ctx.cmap.columns("quantity")[0]))
        amount = price * qty
    amount = np.where(rows, amount, 0.0)
    known = rows & ~np.isnan(amount)
    sel = ctx.codes >= 0
    total = np.bincount(
        ctx.codes[sel], weights=np.where(known, amount, 0.0)[sel], minlength=ctx.n_orders
    )
    has = np.bincount(ctx.codes[sel], weights=known[sel], minlength=ctx.n_orders) > 0
    return round_money(np.where(has, total, np.nan), cur)


def _products(ctx: Context, not_product: np.ndarray, amount: np.ndarray | None) -> Products:
    cmap = ctx.cmap
    if PRODUCTS_LIST_FIELD in cmap:
        col = cmap.columns(PRODUCTS_LIST_FIELD)[0]
        cols, pos = explode_products(ctx.series(col), col, ctx.log)
        names = {k: col for k in cols}
        order_of = ctx.codes[pos] if pos.size else pos
        return normalise_lines(cols, names, pos, order_of, ctx.n_orders, ctx.log)
    fields = [f for f in LINE_FIELDS if f in cmap]
    cols = {f: ctx.series(cmap.columns(f)[0]) for f in fields}
    names = {f: cmap.columns(f)[0] for f in fields}
    if amount is not None and "unitPrice" not in cmap:
        # unit price = line amount / quantity (unknown for a quantity of 0)
        qty = np.ones(ctx.n)
        if "quantity" in cmap:
            qty, _ = to_number(ctx.series(cmap.columns("quantity")[0]))
        with np.errstate(divide="ignore", invalid="ignore"):
            unit = np.where((qty > 0) & (amount >= 0), amount / qty, np.nan)
        cols["unitPrice"] = pd.Series(unit)
        names["unitPrice"] = cmap.columns(LINE_TOTAL_FIELD)[0]
    order_of = np.where(not_product, -1, ctx.codes)
    return normalise_lines(cols, names, np.arange(ctx.n), order_of, ctx.n_orders, ctx.log)
