"""Money: rounding to the currency's minor units and checking order totals (layer 2, pure).

Totals follow SEEKA_CONTRACT.md: a mapped total is sent as given (a warning when it cannot be
reconciled with the lines, since tax, shipping, discounts and tips exist); without one the
total is the sum of the lines' amounts (``lineTotal``, else unit price × quantity), and an
order with a line whose amount is unknown is held back.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..schema import CURRENCY_MINOR_UNITS, DEFAULT_MINOR_UNITS

if TYPE_CHECKING:
    from .lines import Products


def minor_units_of(currencies: np.ndarray) -> np.ndarray:
    """Decimal places per entry of an object array of currency codes (2 when unknown)."""
    codes, uniques = pd.factorize(pd.Series(currencies, dtype=object), use_na_sentinel=True)
    table = np.array(
        [CURRENCY_MINOR_UNITS.get(c, DEFAULT_MINOR_UNITS) for c in uniques] + [DEFAULT_MINOR_UNITS],
        dtype=np.int64,
    )
    return table[codes]


def _half_up(values: np.ndarray, digits: int) -> np.ndarray:
    """Round half away from zero (shop arithmetic), robust to binary fractions (4.125)."""
    scale = 10.0**digits
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.round(np.abs(values) * scale, 6)  # 412.49999999999994 -> 412.5
        out = np.sign(values) * np.floor(scaled + 0.5) / scale
    # amounts so large that scaling overflows have no minor units left to round
    return np.where(np.isfinite(out) | ~np.isfinite(values), out, values)


def round_money(
    values: np.ndarray, currencies: np.ndarray | None = None, *, digits: np.ndarray | None = None
) -> np.ndarray:
    """Round each amount to its currency's minor units, half away from zero; NaN stays NaN.

    ``digits``: the currencies' :func:`minor_units_of`, when the caller already has them."""
    values = np.asarray(values, dtype=np.float64)
    if digits is None:
        assert currencies is not None
        digits = minor_units_of(currencies)
    if len(values) and (digits == digits[0]).all():
        out = _half_up(values, int(digits[0]))
    else:
        out = values.copy()
        for d in np.unique(digits):
            mask = digits == d
            out[mask] = _half_up(values[mask], int(d))
    out[out == 0] = 0.0  # no "-0.0" on the wire
    return out


def check_totals(
    ctx: object,
    products: Products,
    money: dict[str, np.ndarray],
    currencies: np.ndarray,
    first_row: np.ndarray,
    *,
    other_lines: np.ndarray | None = None,
    discount: np.ndarray | None = None,
    line_amounts: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    """Fill or check ``totalPrice`` against the lines; issues go to ``ctx``'s log.

    ``other_lines``: per order, the amount of lines that are not products but are part of
    the order (postage, tips): a computed total includes them.
    ``discount``: per order, an order discount the export states (only used to reconcile
    a mapped total with its lines: total = lines − discount + shipping + tax, each term
    optional).
    ``line_amounts``: per product, the line's amount as the export states it (``lineTotal``);
    when given it replaces unit price × quantity.
    """
    n_orders = len(first_row)
    counts = products.counts()
    owner = np.repeat(np.arange(n_orders), counts)
    line_total = products.price * products.quantity if line_amounts is None else line_amounts
    unknown_line = np.isnan(line_total)
    sums = np.bincount(owner, weights=np.where(unknown_line, 0.0, line_total), minlength=n_orders)
    if other_lines is not None:
        sums = sums + np.nan_to_num(other_lines)
    unknown = np.bincount(owner, weights=unknown_line, minlength=n_orders) > 0
    has_lines = counts > 0
    if other_lines is not None:
        has_lines = has_lines | ~np.isnan(other_lines)
    computable = has_lines & ~unknown
    tol = 0.5 * 10.0 ** -minor_units_of(currencies) + 1e-9
    out = dict(money)
    log_issue = ctx.order_issue  # type: ignore[attr-defined]
    if "totalPrice" in money:
        total = money["totalPrice"].copy()
        fill = np.isnan(total) & computable
        total[fill] = sums[fill]
        log_issue(
            np.flatnonzero(fill),
            first_row,
            code="total_computed",
            severity="warning",
            message="order has no total; the sum of its lines is sent",
            name="totalPrice",
            col=None,
        )
        ship = np.nan_to_num(money.get("totalShippingPrice", np.zeros(n_orders)))
        tax = np.nan_to_num(money.get("totalTax", np.zeros(n_orders)))
        bases = [sums] if discount is None else [sums, sums - np.nan_to_num(discount)]
        cands = np.stack([b + extra for b in bases for extra in (0, ship, tax, ship + tax)])
        gap = np.min(np.abs(cands - total), axis=0)
        check = computable & ~fill & ~np.isnan(total)
        bad = np.flatnonzero(check & (gap > tol))
        msgs = [
            f"total {total[i]:g} differs from the lines' sum {sums[i]:g} (with shipping "
            f"and tax as mapped); sent as given"
            for i in bad
        ]
        log_issue(
            bad,
            first_row,
            code="total_mismatch",
            severity="warning",
            message=msgs,
            name="totalPrice",
            col=None,
        )
        out["totalPrice"] = total
    elif has_lines.any() and "unitPrice" not in products.columns:
        ctx.log.add(  # type: ignore[attr-defined]
            [-1],
            code="total_unknown",
            severity="warning",
            field="totalPrice",
            message="no total and no unit price column is mapped: events are sent "
            "without totalPrice. Map a total or a unit price column to send one",
        )
    elif has_lines.any():
        out["totalPrice"] = np.where(computable, sums, np.nan)
        log_issue(
            np.flatnonzero(has_lines & unknown),
            first_row,
            code="total_unknown",
            severity="error",
            name="totalPrice",
            col=None,
            message="a line has no price, amount or quantity, so the order's total is "
            "unknown; the order is held back (map a total column, or fill the line)",
        )
    return out
