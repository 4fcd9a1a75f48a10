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
from .grouping import per_order
from .issues import IssueLog
from .mapping import ColumnMapping
from .times import format_utc
from .values import identifier, is_present, to_text


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

    def series(self, col: Hashable) -> pd.Series:
        return self.df[col].reset_index(drop=True)

    def text(self, name: str, *, ident: bool = False) -> tuple[np.ndarray, Hashable]:
        """The field's text per row, coalescing its columns in priority order."""
        out: np.ndarray | None = None
        cols = self.cmap.columns(name)
        for col in cols:
            if ident:
                t, fixed = identifier(self.series(col))
                self.warn(
                    fixed,
                    name,
                    col,
                    "float_identifier",
                    "identifier written as a decimal ('12345.0'); sent as '12345'",
                )
            else:
                t = to_text(self.series(col))
            self.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            vals = t.values
            out = vals if out is None else np.where(is_present(out), out, vals)
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
    ) -> np.ndarray:
        res = per_order(self.codes, values, present, self.n_orders, fill=fill)
        if res.conflicts.any():
            conflicts[name] = res.conflicts
            self.conflict_values[name] = format_utc(values) if values.dtype.kind == "M" else values
            self.log.add_mask(
                res.conflicts,
                code="conflicting_value",
                severity=severity,  # type: ignore[arg-type]
                message=f"differs from the order's first {name}; the first value is used",
                field=name,
                column=col,
            )
        return res.values


def currency_codes(ctx: Context, vals: np.ndarray, col: object) -> np.ndarray:
    present = is_present(vals)
    out = vals.copy()
    if present.any():
        up = pd.Series(vals[present], dtype=object).str.upper().to_numpy(dtype=object)
        ok = np.isin(up, np.array(sorted(currencies()), dtype=object))
        idx = np.flatnonzero(present)
        out[idx] = np.where(ok, up, None)
        bad = np.zeros(ctx.n, dtype=bool)
        bad[idx[~ok]] = True
        msgs = [f"{v!r} is not an ISO 4217 currency code" for v in vals[bad]]
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
    """Rows identical to another row of the same order in every mapped column."""
    used = list(dict.fromkeys(c for cols in ctx.cmap.fields.values() for c in cols))
    sub = ctx.df[used].reset_index(drop=True)
    try:
        hashed = pd.util.hash_pandas_object(sub, index=False).to_numpy()
    except TypeError:  # unhashable cells (lists of products): compare their text
        hashed = pd.util.hash_pandas_object(sub.astype(str), index=False).to_numpy()
    key = pd.DataFrame({"o": ctx.codes, "h": hashed})
    dup = key.duplicated(keep=False).to_numpy() & (ctx.codes >= 0)
    return dup
