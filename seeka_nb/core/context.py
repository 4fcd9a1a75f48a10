"""Per-conversion state and the small helpers every conversion step shares (layer 2, pure).

``Context`` holds the user's frame (read only), the resolved mapping, the issues log and the
row → order codes; its helpers read a field's columns as text, report masks of rows, and
fill order-level values within each order while reporting conflicts.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable

import numpy as np
import pandas as pd
import pycountry

from ..errors import ConfigurationError
from ..schema import LINE_FIELDS, PRODUCTS_LIST_FIELD
from .grouping import per_order, repeated_in_order
from .issues import IssueLog
from .mapping import ColumnMapping
from .times import format_utc
from .values import Coded, factorize, fix_float_ids, to_text


@functools.cache
def currencies() -> frozenset[str]:
    return frozenset(c.alpha_3 for c in pycountry.currencies)


def check_currency(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    code = str(value).strip().upper()
    if code not in currencies():
        raise ConfigurationError(f"{what}={value!r} is not an ISO 4217 code such as 'USD'.")
    return code


class Context:
    """Per-call state: the frame, the mapping, the issues log and row → order codes."""

    def __init__(self, df: pd.DataFrame, cmap: ColumnMapping, log: IssueLog) -> None:
        self.df, self.cmap, self.log = df, cmap, log
        self.n = len(df)
        self.codes = np.full(self.n, -1, dtype=np.int64)
        self.n_orders = 0
        self.conflict_values: dict[str, np.ndarray] = {}
        self.level_fields: dict[str, None] = {}  # order-level fields, in the order checked
        self.raw_text: Coded | None = None  # the last identifier column read, as written
        self._texts: dict[Hashable, Coded] = {}

    def series(self, col: Hashable) -> pd.Series:
        return self.df[col].reset_index(drop=True)

    def text_of(self, col: Hashable) -> Coded:
        """``to_text`` of a column, computed once per conversion (columns are read by
        several steps, and phones before orders are formed)."""
        if col not in self._texts:
            self._texts[col] = to_text(self.series(col))
        return self._texts[col]

    def text(self, name: str, *, ident: bool = False) -> tuple[Coded, Hashable]:
        """The field's text per row, coalescing its columns in priority order."""
        out: Coded | None = None
        cols = self.cmap.columns(name)
        for col in cols:
            if ident:
                self.raw_text = self.text_of(col)
                t, fixed = fix_float_ids(self.raw_text)
                self.warn(
                    fixed,
                    name,
                    col,
                    "float_identifier",
                    "identifier written as a decimal ('12345.0'); sent as '12345'",
                )
            else:
                t = self.text_of(col)
            self.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            out = t if out is None else out.coalesce(t)
        assert out is not None
        return out, cols[0]

    def warn(self, mask: np.ndarray, name: str, col: object, code: str, msg: str) -> None:
        self.log.add_mask(mask, code=code, severity="warning", message=msg, field=name, column=col)

    def error(self, mask: np.ndarray, name: str, col: object, code: str, msg: str) -> None:
        self.log.add_mask(mask, code=code, severity="error", message=msg, field=name, column=col)

    def order_issue(
        self,
        orders: np.ndarray,
        first_row: np.ndarray,
        *,
        code: str,
        severity: str,
        message: str,
        name: str | None,
        col: object,
    ) -> None:
        self.log.add(
            first_row[orders],
            code=code,
            severity=severity,  # type: ignore[arg-type]
            message=message,
            field=name,
            column=col,
        )

    def per_order(
        self,
        name: str,
        col: object,
        values: np.ndarray,
        present: np.ndarray,
        conflicts: dict[str, np.ndarray],
        *,
        fill: object = None,
        severity: str = "warning",
        shown: np.ndarray | None = None,
        message: str | None = None,
    ) -> np.ndarray:
        """One value per order from its first row that has one; conflicts reported.

        ``shown``: the per-row values to show in the duplicates report (default
        ``values``).  A conflict is a warning (the first value is sent) or, with
        ``severity="error"``, holds the order back; ``message`` replaces the default text.
        """
        res = per_order(self.codes, values, present, self.n_orders, fill=fill)
        self.level_fields[name] = None
        if res.conflicts.any():
            conflicts[name] = res.conflicts
            shown = values if shown is None else shown
            self.conflict_values[name] = format_utc(shown) if shown.dtype.kind == "M" else shown
            self.log.add_mask(
                res.conflicts,
                code="conflicting_value",
                severity=severity,  # type: ignore[arg-type]
                message=message or _conflict_message(name, col, severity),
                field=name,
                column=col,
            )
        return res.values

    def per_order_text(
        self,
        name: str,
        col: object,
        text: Coded,
        conflicts: dict[str, np.ndarray],
        *,
        severity: str = "warning",
    ) -> np.ndarray:
        """Per-order value of a text field (object array, ``None`` where absent)."""
        codes = self.per_order(
            name, col, text.codes, text.present, conflicts, fill=-1, severity=severity, shown=None
        )
        if name in self.conflict_values and self.conflict_values[name].dtype.kind == "i":
            self.conflict_values[name] = text.values()
        return text.at(codes)


def _conflict_message(name: str, col: object, severity: str) -> str:
    if severity == "error":
        return (
            f"{col!r} ({name}) differs between the rows of one order; the order is held "
            "back (which value is the order's is not known)"
        )
    return f"differs from the order's first {name}; the first value is sent"


def _currency_values(u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    up = pd.Series(u, dtype=object).str.upper().to_numpy(dtype=object, copy=True)
    ok = np.isin(up, np.array(sorted(currencies()), dtype=object))
    up[~ok] = None
    return up, ~ok


def currency_codes(ctx: Context, text: Coded, col: object) -> Coded:
    """ISO 4217 codes, upper-cased; unknown codes are errors against their rows."""
    out, bad = text.mapped(_currency_values)
    if bad.any():
        msgs = [f"{v!r} is not an ISO 4217 currency code" for v in text.values()[bad]]
        ctx.log.add(
            np.flatnonzero(bad),
            code="invalid_currency",
            severity="error",
            message=msgs,
            field="currencyCode",
            column=col,
        )
    return out


def line_dupes(ctx: Context) -> np.ndarray:
    """Rows of one order identical in every mapped line-item column (double counting?).

    Exports often leave order-level columns empty on an order's later rows, so only the
    line-item columns are compared; without any, all mapped columns are.
    """
    fields = [f for f in (*LINE_FIELDS, PRODUCTS_LIST_FIELD) if f in ctx.cmap]
    if not fields:
        fields = list(ctx.cmap.fields)
    used = list(dict.fromkeys(c for f in fields for c in ctx.cmap.columns(f)))
    codes = ctx.codes
    # A duplicate shares its order and its first column's value with another row: only
    # such rows (usually few) are compared on every column.
    first = factorize(ctx.series(used[0]))[0]
    rows = np.flatnonzero(repeated_in_order(codes, first))
    out = np.zeros(ctx.n, dtype=bool)
    if rows.size == 0:
        return out
    key = {"order": codes[rows], "c0": first[rows]}
    for i, col in enumerate(used[1:], start=1):
        key[f"c{i}"] = factorize(ctx.series(col).iloc[rows].reset_index(drop=True))[0]
    out[rows] = pd.DataFrame(key).duplicated(keep=False).to_numpy()
    return out
