"""What a partition of a frame tells about the whole frame (layer 2, pure).

A partitioned frame (Dask) is converted one partition at a time, but some answers depend on
the whole frame: the day/month order of numeric dates, which mapped columns hold values
anywhere, and which orders have rows in several partitions.  :func:`frame_facts` returns
those facts for one partition, small (no rows), cheaply: the day/month evidence is looked
for only in values whose first characters can start a numeric date, and the order key is
normalised on its distinct values.

:func:`order_key` is the spelling-insensitive form of the order key (``1001``, ``1001.0``,
``#1001`` and `` 1001 `` meet, as ``id_hazard`` needs); :func:`row_key_hashes` its 64-bit
hash per row.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import MappingError
from .times import _NUMERIC_DATE
from .values import to_text

#: A numeric date's first characters, once the value is stripped: the first three characters
#: of any value ``_NUMERIC_DATE`` matches (stripped, it starts with a digit) match this.
_DATE_START = re.compile(r"\d{1,2}[/.\-]")


@dataclass(frozen=True)
class FrameFacts:
    """What a partition tells about the whole frame (small: no rows)."""

    n_rows: int
    filled: frozenset[Hashable]  # mapped columns with at least one value
    day_first: bool = False  # some numeric date has a first number above 12
    month_first: bool = False  # some numeric date has a second number above 12
    numeric_dates: bool = False  # some value looks like 03/02/2025
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))


def check_columns(df: pd.DataFrame, expected: Sequence[Hashable] | None) -> None:
    """Refuse a partition whose columns are not the first partition's."""
    if expected is not None and list(df.columns) != list(expected):
        missing = [c for c in expected if c not in df.columns]
        extra = [c for c in df.columns if c not in expected]
        raise MappingError(
            "A partition's columns differ from the first partition's, so it would be read "
            f"with a different column mapping (missing {missing}, extra {extra}). Give every "
            "partition the same columns (e.g. ddf[columns]) and try again."
        )


def frame_facts(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    time_column: Hashable | None,
    expected: Sequence[Hashable] | None = None,
    key: Hashable | None = None,
    row_keys: np.ndarray | None = None,
) -> FrameFacts:
    """The facts of one partition (``columns``: the mapped columns to check for values;
    ``expected``: the first partition's columns, which every partition must have; ``key``:
    the order key column, whose distinct :func:`row_key_hashes` are returned; ``row_keys``:
    those hashes when the caller already has them)."""
    check_columns(df, expected)
    filled = []
    for col in columns:
        if col in df.columns:
            try:
                if not bool(df[col].isna().all()):
                    filled.append(col)
            except (TypeError, ArithmeticError, ValueError):  # cells pandas cannot test
                filled.append(col)
    day = month = numeric = False
    if time_column is not None and time_column in df.columns and len(df):
        numeric, day, month = date_evidence(df[time_column])
    keys = np.empty(0, dtype=np.uint64)
    if row_keys is None and key is not None and key in df.columns:
        row_keys = row_key_hashes(df[key])
    if row_keys is not None:
        keys = distinct(row_keys[row_keys != NO_KEY])
    return FrameFacts(len(df), frozenset(filled), day, month, numeric, keys)


def distinct(values: np.ndarray) -> np.ndarray:
    """The sorted distinct values of an array of hashes (faster than ``np.unique``)."""
    return np.sort(pd.unique(values))


def repeated(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """The values found in two or more of ``arrays`` (each holding distinct values)."""
    if not arrays:
        return np.empty(0, dtype=np.uint64)
    every = np.sort(np.concatenate(arrays))
    return distinct(every[1:][every[1:] == every[:-1]])


def date_evidence(column: pd.Series) -> tuple[bool, bool, bool]:
    """``(numeric dates, some first number > 12, some second number > 12)`` of a time
    column, read as :func:`seeka_nb.core.times.infer_dayfirst` reads it (trimmed text of
    the distinct values)."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        return False, False, False
    if isinstance(column.dtype, pd.StringDtype):
        # Only values whose first three characters can start a numeric date (or that start
        # with a blank, which trimming removes) are read: ISO times never are.
        heads = column.str.slice(0, 3)
        starts = pd.unique(heads.dropna().to_numpy(dtype=object))
        maybe = [h for h in starts if not h or h[0].isspace() or _DATE_START.match(h)]
        if not maybe:
            return False, False, False
        column = column[heads.isin(maybe).to_numpy(dtype=bool)]
    uniques = pd.Series(pd.unique(column.to_numpy(dtype=object)), dtype=object)
    text = pd.Series(to_text(uniques).values(), dtype=object).dropna().astype(str)
    parts = text.str.extract(_NUMERIC_DATE).dropna()
    if parts.empty:
        return False, False, False
    return True, bool((parts[0].astype(int) > 12).any()), bool((parts[1].astype(int) > 12).any())


def resolve_dayfirst(facts: Sequence[FrameFacts]) -> tuple[bool, bool]:
    """``(dayfirst, guessed)`` for the whole frame, as :func:`~seeka_nb.core.times.
    infer_dayfirst` decides on one frame."""
    if not any(f.numeric_dates for f in facts):
        return False, False
    day = any(f.day_first for f in facts)
    month = any(f.month_first for f in facts)
    if day != month:
        return day, False
    return False, True


def _canonical(text: pd.Series) -> pd.Series:
    return (
        text.fillna("")
        .astype(str)
        .str.strip()
        .str.lower()
        .str.lstrip("#")
        .str.replace(r"\.0+$", "", regex=True)
    )


def order_key(column: pd.Series) -> np.ndarray:
    """The order key as text, insensitive to the spellings ``id_hazard`` reports
    (case, blanks, a leading ``#``, a ``.0`` suffix); ``""`` where a row has none."""
    coded = to_text(column.reset_index(drop=True))
    canon = _canonical(pd.Series(coded.uniques, dtype=object)).to_numpy(dtype=object)
    return np.append(canon, "").astype(object)[coded.codes]


#: The hash :func:`row_key_hashes` gives rows without an order key.
NO_KEY = np.uint64(0)


def key_hashes(keys: np.ndarray, *, categorize: bool = True) -> np.ndarray:
    """64-bit hashes of :func:`order_key` values, one per value (``""``: :data:`NO_KEY`;
    a real key never hashes to it: such a hash is moved by one); ``categorize=False`` when
    the values are mostly distinct."""
    keys = np.asarray(keys, dtype=object)
    hashes = pd.util.hash_array(keys, categorize=categorize)
    hashes[hashes == NO_KEY] = np.uint64(1)
    hashes[keys == ""] = NO_KEY
    return hashes


def row_key_hashes(column: pd.Series) -> np.ndarray:
    """:func:`key_hashes` of :func:`order_key`, one per row, computed on distinct values.

    On Arrow strings the key is normalised in C++ (Arrow's idea of blanks and lower case,
    which may differ from Python's on rare characters): it still brings every row of one
    order together (equal IDs give equal keys; the ID is trimmed by Arrow too), and ID
    spellings that it would leave apart are compared across chunks by
    :mod:`seeka_nb.core.hazards`."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        codes, uniques = pd.factorize(column, use_na_sentinel=True)
        canon = (
            pd.Series(uniques, dtype=dtype)
            .str.strip()
            .str.lower()
            .str.lstrip("#")
            .str.replace(r"\.0+$", "", regex=True)
            .to_numpy(dtype=object, na_value="")
        )
        return key_hashes(np.append(canon, ""), categorize=False)[codes]
    coded = to_text(column.reset_index(drop=True))
    canon = _canonical(pd.Series(coded.uniques, dtype=object)).to_numpy(dtype=object)
    return key_hashes(np.append(canon, ""), categorize=False)[coded.codes]
