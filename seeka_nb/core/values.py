"""Columnar value normalisers: text, identifiers, numbers (layer 2, pure).

Every function takes a whole column and works on its *distinct* values (``pd.factorize``),
then broadcasts back by code, so a million line items with a few thousand distinct values
cost a few thousand conversions.  Results are numpy object arrays holding Python ``str``
(or ``None`` for missing) and float arrays with ``NaN`` for missing, plus boolean masks of
the rows whose value was present but unusable, for the issues report.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

_FLOAT_ID = re.compile(r"^[+-]?\d+\.0+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CURRENCY_SIGNS = re.compile(r"[\s$€£¥₹₩₽₺₫₪฿¢]|^(?:[A-Z]{3})\s*|\s*(?:[A-Z]{3})$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")
_THOUSANDS_DOT_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:\.\d{3})+,\d{1,2}$")


@dataclass(frozen=True)
class Text:
    """A normalised text column: ``values`` (object array of str/None) and ``bad``.

    ``bad`` marks rows whose value was present but could not become text (bytes that are
    not UTF-8, strings with lone surrogates, unsupported objects).
    """

    values: np.ndarray
    bad: np.ndarray


def map_distinct(
    column: pd.Series,
    convert: Callable[[pd.Index], tuple[np.ndarray, np.ndarray]],
    *,
    fill: object = None,
    dtype: type | str = object,
) -> tuple[np.ndarray, np.ndarray]:
    """Apply ``convert`` to the distinct non-missing values and broadcast back.

    ``convert(uniques) -> (values, bad)`` for the distinct values; missing input values
    give ``fill``/``False``.
    """
    codes, uniques = pd.factorize(column, use_na_sentinel=True)
    if len(uniques) == 0:
        n = len(column)
        return np.full(n, fill, dtype=dtype), np.zeros(n, dtype=bool)
    values, bad = convert(uniques)
    values = np.append(np.asarray(values, dtype=dtype), np.array([fill], dtype=dtype))
    bad = np.append(np.asarray(bad, dtype=bool), False)  # code -1 (missing) -> fill
    return values[codes], bad[codes]


def _one_text(value: object) -> tuple[str | None, bool]:
    """One distinct value to text; returns (text or None, unusable)."""
    if isinstance(value, str):
        text = value
    elif isinstance(value, bytes | bytearray):
        try:
            text = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None, True
    elif isinstance(value, bool | np.bool_):
        text = "true" if value else "false"
    elif isinstance(value, int | np.integer):
        text = str(int(value))
    elif isinstance(value, float | np.floating):
        v = float(value)
        if not math.isfinite(v):
            return None, True
        text = str(int(v)) if v.is_integer() and abs(v) < 2**63 else repr(v)
    elif isinstance(value, pd.Timestamp):
        text = value.isoformat()
    else:
        return None, True
    if _SURROGATE.search(text):
        return None, True
    text = text.strip()
    return (text or None), False


def _texts(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    pairs = [_one_text(v) for v in uniques]
    return np.array([p[0] for p in pairs], dtype=object), np.array([p[1] for p in pairs])


def to_text(column: pd.Series) -> Text:
    """Any column to trimmed text: numbers lose a ``.0`` NaN-upcast suffix; empty → None."""
    if pd.api.types.is_float_dtype(column.dtype) and not isinstance(
        column.dtype, pd.CategoricalDtype
    ):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        finite = np.isfinite(arr)
        integral = finite & (np.mod(arr, 1.0, where=finite, out=np.ones_like(arr)) == 0)
        integral &= np.abs(np.where(finite, arr, 0.0)) < 2**63
        out = np.full(arr.shape, None, dtype=object)
        out[integral] = arr[integral].astype(np.int64).astype(str).astype(object)
        other = finite & ~integral
        out[other] = [repr(float(v)) for v in arr[other]]
        return Text(out, ~finite & ~np.isnan(arr))
    values, bad = map_distinct(column, _texts)
    return Text(values, bad)


def identifier(column: pd.Series) -> tuple[Text, np.ndarray]:
    """Identifier strings (activityId, orderNumber...): text, plus rows fixed from ``"12.0"``.

    Returns the text and a mask of rows whose *text* value looked like ``"12345.0"`` and was
    shortened to ``"12345"`` (a float column would have been fixed silently: that is what
    NaN upcasting does, not what the data says).
    """
    text = to_text(column)
    vals = text.values
    present = is_present(vals)
    fixed = np.zeros(len(vals), dtype=bool)
    if present.any() and not pd.api.types.is_float_dtype(column.dtype):
        s = pd.Series(vals[present], dtype=object)
        hit = s.str.match(_FLOAT_ID.pattern).to_numpy(dtype=bool)
        if hit.any():
            idx = np.flatnonzero(present)[hit]
            vals = vals.copy()
            vals[idx] = s[hit].str.replace(r"\.0+$", "", regex=True).to_numpy(dtype=object)
            fixed[idx] = True
    return Text(vals, text.bad), fixed


def _numbers(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    out = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan
    )
    bad = np.zeros(len(uniques), dtype=bool)
    is_bool = np.array([isinstance(v, bool | np.bool_) for v in uniques], dtype=bool)
    out[is_bool] = np.nan
    bad[is_bool] = True
    for i in np.flatnonzero(np.isnan(out) & ~is_bool):
        v = uniques[i]
        if isinstance(v, bool | np.bool_):
            bad[i] = True
        elif isinstance(v, int | float | np.integer | np.floating):
            out[i] = float(v)
        elif isinstance(v, str):
            parsed = parse_number_text(v)
            if parsed is None:
                bad[i] = bool(v.strip())
            else:
                out[i] = parsed
        else:
            bad[i] = True
    return out, bad


def parse_number_text(text: str) -> float | None:
    """Parse money/quantity text: ``"1,234.50"``, ``"$12"``, ``"12,50"``, ``"'3"``."""
    t = text.strip().lstrip("'")
    if not t:
        return None
    t = _CURRENCY_SIGNS.sub("", t)
    if t.startswith("(") and t.endswith(")"):  # accounting negative
        t = "-" + t[1:-1]
    if _THOUSANDS_COMMA.match(t):
        t = t.replace(",", "")
    elif _THOUSANDS_DOT_DECIMAL_COMMA.match(t):
        t = t.replace(".", "").replace(",", ".")
    elif _DECIMAL_COMMA.match(t):
        t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def to_number(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Any column to float64 (NaN = missing) and a mask of present-but-unparseable rows.

    Infinite values count as unparseable.
    """
    dtype = column.dtype
    if (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    ):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr, bad_obj = map_distinct(column, _numbers, fill=np.nan, dtype=np.float64)
        inf = np.isinf(arr)
        arr[inf] = np.nan
        return arr, bad_obj | inf
    inf = np.isinf(arr)
    if inf.any():
        arr = arr.copy()
        arr[inf] = np.nan
    return arr, inf


def is_present(values: np.ndarray) -> np.ndarray:
    """Mask of non-missing entries of an object array of str/None."""
    return values != None  # noqa: E711


def truncate(values: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut strings longer than ``limit`` characters; returns (values, truncated mask)."""
    present = is_present(values)
    if not present.any():
        return values, np.zeros(len(values), dtype=bool)
    lengths = np.zeros(len(values), dtype=np.int64)
    lengths[present] = pd.Series(values[present], dtype=object).str.len().to_numpy()
    long = lengths > limit
    if long.any():
        values = values.copy()
        values[long] = [v[:limit] for v in values[long]]
    return values, long
