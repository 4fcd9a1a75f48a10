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
from typing import Any

import numpy as np
import pandas as pd

_FLOAT_ID = re.compile(r"^[+-]?\d+\.0+$")
_FLOAT_ID_LINE = re.compile(r"(?m)^[+-]?\d+\.0+$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_CURRENCY_SIGNS = re.compile(r"[\s$€£¥₹₩₽₺₫₪฿¢]|^(?:[A-Z]{3})\s*|\s*(?:[A-Z]{3})$")
_THOUSANDS_COMMA = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_DECIMAL_COMMA = re.compile(r"^-?\d+,\d{1,2}$")
_THOUSANDS_DOT_DECIMAL_COMMA = re.compile(r"^-?\d{1,3}(?:\.\d{3})+,\d{1,2}$")


@dataclass(frozen=True)
class Coded:
    """A dictionary-encoded column: ``codes`` per row into ``uniques`` (distinct values).

    ``codes[i] == -1`` means row ``i`` has no usable value; ``bad[i]`` that it had a value
    which could not be used (reported by the caller).  Normalisers work on ``uniques`` only
    and re-encode, so equal results share one code and row comparisons are integer ones.
    """

    codes: np.ndarray
    uniques: np.ndarray
    bad: np.ndarray

    @property
    def present(self) -> np.ndarray:
        """Rows with a usable value."""
        return self.codes >= 0

    def values(self) -> np.ndarray:
        """One value per row (object array, ``None`` where missing)."""
        return with_none(self.uniques)[self.codes]

    def at(self, codes: np.ndarray) -> np.ndarray:
        """Values for arbitrary codes (``-1`` → ``None``)."""
        return with_none(self.uniques)[codes]

    def mapped(
        self, convert: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]]
    ) -> tuple[Coded, np.ndarray]:
        """Apply ``convert(uniques) -> (new values with None for invalid, invalid mask)``.

        Returns the re-encoded column and the rows whose value ``convert`` rejected.
        """
        new, rejected = convert(self.uniques)
        coded = recode(self.codes, np.asarray(new, dtype=object), self.bad)
        return coded, np.append(np.asarray(rejected, dtype=bool), False)[self.codes]

    def coalesce(self, other: Coded) -> Coded:
        """Rows missing here take ``other``'s value (priority order of columns)."""
        merged = np.concatenate([self.uniques, other.uniques])
        shifted = np.where(other.codes >= 0, other.codes + len(self.uniques), -1)
        codes = np.where(self.codes >= 0, self.codes, shifted)
        return recode(codes, merged, self.bad | other.bad)


class _Unusable:
    """Stands in for cells that cannot be compared (lists, dicts...): always unusable."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<unusable cell>"


UNUSABLE = _Unusable()


def factorize(column: pd.Series) -> tuple[np.ndarray, pd.Index | np.ndarray]:
    """``pd.factorize`` that survives unhashable cells (they become :data:`UNUSABLE`) and
    values pandas cannot test for missingness (``Decimal('sNaN')``)."""
    try:
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
    except (TypeError, ArithmeticError, ValueError):
        cells = np.empty(len(column), dtype=object)
        cells[:] = [_hashable_or_unusable(v) for v in column.to_numpy(dtype=object)]
        codes, uniques = pd.factorize(pd.Series(cells, dtype=object), use_na_sentinel=True)
    return codes.astype(np.int64), uniques


def _hashable_or_unusable(value: Any) -> object:
    try:
        hash(value)
        pd.isna(value)
    except (TypeError, ArithmeticError, ValueError):
        return UNUSABLE
    return value


def with_none(uniques: np.ndarray) -> np.ndarray:
    """``uniques`` plus a trailing ``None``, so that indexing with ``-1`` gives ``None``."""
    out = np.empty(len(uniques) + 1, dtype=object)
    out[:-1] = uniques
    out[-1] = None
    return out


def recode(codes: np.ndarray, values: np.ndarray, bad: np.ndarray) -> Coded:
    """Re-encode ``values[codes]`` so that equal values share a code; ``None`` → ``-1``."""
    new_codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    table = np.append(new_codes.astype(np.int64), -1)
    return Coded(table[codes], np.asarray(uniques, dtype=object), bad)


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
    codes, uniques = factorize(column)
    if len(uniques) == 0:
        n = len(column)
        return np.full(n, fill, dtype=dtype), np.zeros(n, dtype=bool)
    values, bad = convert(uniques)  # type: ignore[arg-type]
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


def _texts(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if set(map(type, uniques)) <= {str}:  # the common case: vectorised
        u = pd.Series(uniques, dtype=object)
        bad = u.str.contains(_SURROGATE.pattern, regex=True).to_numpy(dtype=bool)
        text = u.str.strip().to_numpy(dtype=object, copy=True)
        text[bad | (text == "")] = None
        return text, bad
    pairs = [_one_text(v) for v in uniques]
    return np.array([p[0] for p in pairs], dtype=object), np.array([p[1] for p in pairs])


def to_text(column: pd.Series) -> Coded:
    """Any column to trimmed text: numbers lose a ``.0`` NaN-upcast suffix; empty → missing."""
    n = len(column)
    if pd.api.types.is_float_dtype(column.dtype) and not isinstance(
        column.dtype, pd.CategoricalDtype
    ):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
        codes, uniq = pd.factorize(arr, use_na_sentinel=True)
        finite = np.isfinite(uniq)
        integral = finite & (np.mod(uniq, 1.0, where=finite, out=np.ones_like(uniq)) == 0)
        integral &= np.abs(np.where(finite, uniq, 0.0)) < 2**63
        text = np.full(len(uniq), None, dtype=object)
        text[integral] = uniq[integral].astype(np.int64).astype(str).astype(object)
        text[finite & ~integral] = [repr(float(v)) for v in uniq[finite & ~integral]]
        bad = np.append(~finite, False)[codes]
        return recode(codes.astype(np.int64), text, bad)
    codes, uniques = factorize(column)
    if len(uniques) == 0:
        return Coded(codes, np.empty(0, dtype=object), np.zeros(n, dtype=bool))
    if isinstance(uniques.dtype, pd.StringDtype) and uniques.dtype.storage == "pyarrow":
        # Arrow strings are valid UTF-8 by construction: strip in C++, no surrogate check.
        u = pd.Series(uniques)
        stripped = u.str.strip()
        text = stripped.to_numpy(dtype=object, na_value=None)  # type: ignore[call-overload]
        empty = text == ""
        if not empty.any() and (stripped.str.len() == u.str.len()).all():
            # nothing was stripped or emptied: the values are still distinct, the codes
            # are what recode would give (most columns: skips hashing the values again)
            return Coded(codes, text, np.zeros(n, dtype=bool))
        text[empty] = None
        return recode(codes, text, np.zeros(n, dtype=bool))
    text, bad_u = _texts(np.asarray(uniques, dtype=object))
    return recode(codes, text, np.append(bad_u, False)[codes])


def identifier(column: pd.Series) -> tuple[Coded, np.ndarray]:
    """Identifier strings (activityId, orderNumber...): text, plus rows fixed from ``"12.0"``.

    Returns the text and a mask of rows whose *text* value looked like ``"12345.0"`` and was
    shortened to ``"12345"`` (a float column is fixed silently: that is what NaN upcasting
    does, not what the data says).
    """
    text = to_text(column)
    if pd.api.types.is_float_dtype(column.dtype):
        return text, np.zeros(len(text.codes), dtype=bool)
    return fix_float_ids(text)


def fix_float_ids(text: Coded) -> tuple[Coded, np.ndarray]:
    """``"12345.0"`` → ``"12345"`` in identifier text; returns (text, rows fixed)."""
    joined = "\n".join(text.uniques)
    if ".0" not in joined or not _FLOAT_ID_LINE.search(joined):
        # one scan of all values joined by newlines finds every value that is a whole line
        # like "12.0" (a value with a newline inside at worst takes the exact check below);
        # a plain substring search first rules out most columns
        return text, np.zeros(len(text.codes), dtype=bool)
    u = pd.Series(text.uniques, dtype=object)
    hit = u.str.match(_FLOAT_ID.pattern).to_numpy(dtype=bool)
    if not hit.any():
        return text, np.zeros(len(text.codes), dtype=bool)
    fixed_u = u.where(~hit, u.str.replace(r"\.0+$", "", regex=True)).to_numpy(dtype=object)
    return recode(text.codes, fixed_u, text.bad), np.append(hit, False)[text.codes]


_NOT_REAL = (bool, np.bool_, complex, np.complexfloating)  # never an amount or a count


def _numbers(uniques: pd.Index) -> tuple[np.ndarray, np.ndarray]:
    is_bool = np.array([isinstance(v, _NOT_REAL) for v in uniques], dtype=bool)
    values = pd.Series(uniques, dtype=object)
    if is_bool.any():
        values = values.where(~is_bool, None)
    out = pd.to_numeric(values, errors="coerce").to_numpy(
        dtype=np.float64, na_value=np.nan, copy=True
    )
    bad = np.zeros(len(uniques), dtype=bool)
    out[is_bool] = np.nan
    bad[is_bool] = True
    for i in np.flatnonzero(np.isnan(out) & ~is_bool):
        v = uniques[i]  # type: ignore[call-overload]
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

    Infinite values count as unparseable, and so do booleans and complex numbers (a
    complex amount has no single real value: never drop its imaginary part silently).
    """
    dtype = column.dtype
    if (
        pd.api.types.is_numeric_dtype(dtype)
        and not pd.api.types.is_bool_dtype(dtype)
        and not pd.api.types.is_complex_dtype(dtype)
        and not isinstance(dtype, pd.CategoricalDtype)
    ):
        arr = column.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        arr, bad_obj = map_distinct(column, _numbers, fill=np.nan, dtype=np.float64)
        if pd.api.types.is_object_dtype(dtype):  # factorize merges True with 1 (and 1+0j)
            is_bool = _not_real_cells(column.to_numpy(dtype=object))
            arr[is_bool] = np.nan
            bad_obj = bad_obj | is_bool
        inf = np.isinf(arr)
        arr[inf] = np.nan
        return arr, bad_obj | inf
    inf = np.isinf(arr)
    if inf.any():
        arr = arr.copy()
        arr[inf] = np.nan
    return arr, inf


def _not_real_cells(cells: np.ndarray) -> np.ndarray:
    """Rows holding a bool or complex value (by their type: ``True`` equals ``1``).

    One pass in C takes every cell's type, then each *distinct* type is checked once.
    """
    kinds, types = pd.factorize(np.fromiter(map(type, cells), dtype=object, count=len(cells)))
    bad = np.array([issubclass(t, _NOT_REAL) for t in types], dtype=bool)
    return np.append(bad, False)[kinds]


def str_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """``(codes, uniques)`` of an object array holding only ``str`` and ``None`` (``-1``:
    ``None``; uniques distinct), else ``None``."""
    if not set(map(type, values)) <= {str, type(None)}:
        return None
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    return codes.astype(np.int64, copy=False), np.asarray(uniques, dtype=object)


def is_present(values: np.ndarray) -> np.ndarray:
    """Mask of non-missing entries of an object array of str/None."""
    return values != None  # noqa: E711 - elementwise on an object array


def truncate(text: Coded, limit: int) -> tuple[Coded, np.ndarray]:
    """Cut strings longer than ``limit`` characters; returns (text, truncated rows)."""
    u = text.uniques
    if len(u) == 0:
        return text, np.zeros(len(text.codes), dtype=bool)
    long = pd.Series(u, dtype=object).str.len().to_numpy() > limit
    if not long.any():
        return text, np.zeros(len(text.codes), dtype=bool)
    cut = u.copy()
    cut[long] = [v[:limit] for v in u[long]]
    return recode(text.codes, cut, text.bad), np.append(long, False)[text.codes]
