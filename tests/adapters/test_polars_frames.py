"""polars → pandas for the core: each polars type becomes what the pandas path holds for the
same data (text as read_orders returns it, numbers without copies), and LazyFrames are
collected in batches of a fixed number of rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seeka_nb.adapters.polars_frames import lazy_frames, to_pandas
from seeka_nb.core.pdcompat import PANDAS_3, is_text_column


def one(series: pl.Series) -> pd.Series:
    return to_pandas(series.to_frame())[series.name]


def assert_text(column: pd.Series, expected: list[str | None]) -> None:
    """Text as read_orders gives it: ``str`` dtype on pandas 3, object strings on 2.2, NaN."""
    assert is_text_column(column)
    if PANDAS_3:
        assert column.dtype == "str"
    else:
        assert column.dtype == object
    got = [None if (isinstance(v, float) and np.isnan(v)) else v for v in column.tolist()]
    assert got == expected
    missing = column.isna().to_numpy()
    assert all(isinstance(v, float) and np.isnan(v) for v in column.to_numpy()[missing])


def test_text_keeps_cells_and_treats_empty_as_missing() -> None:
    s = pl.Series("t", ["0412", "", None, " ", "+61 4", "NA"])
    assert_text(one(s), ["0412", None, None, " ", "+61 4", "NA"])


@pytest.mark.parametrize(
    "dtype", [pl.Categorical, pl.Enum(["AUD", "JPY"]), pl.String], ids=["cat", "enum", "str"]
)
def test_categories_become_their_text(dtype: pl.DataType) -> None:
    assert_text(one(pl.Series("c", ["AUD", None, "JPY"], dtype=dtype)), ["AUD", None, "JPY"])


def test_an_all_null_column_is_missing_text() -> None:
    assert_text(one(pl.Series("n", [None, None])), [None, None])


def test_integers_without_nulls_are_int64_without_a_copy() -> None:
    s = pl.Series("q", [1, 2, 3], dtype=pl.Int64)
    frame = pl.DataFrame([s])
    column = to_pandas(frame)["q"]
    assert column.dtype == np.int64 and column.tolist() == [1, 2, 3]
    assert np.shares_memory(column.to_numpy(), frame["q"].to_numpy())


@pytest.mark.parametrize("dtype", [pl.Int8, pl.Int16, pl.Int32, pl.UInt8, pl.UInt32, pl.UInt64])
def test_small_integers_widen_to_int64(dtype: pl.DataType) -> None:
    column = one(pl.Series("q", [0, 7, 100], dtype=dtype))
    assert column.dtype == np.int64 and column.tolist() == [0, 7, 100]


def test_integers_with_nulls_are_float64_with_nan_when_exact() -> None:
    column = one(pl.Series("q", [1, None, 2**53]))
    assert column.dtype == np.float64
    assert column.iloc[0] == 1.0 and np.isnan(column.iloc[1]) and column.iloc[2] == 2**53


def test_integers_a_float_cannot_hold_become_exact_text() -> None:
    big = 2**53 + 1  # 9007199254740993: float64 would make it ...992
    assert_text(one(pl.Series("id", [big, None])), [str(big), None])
    assert_text(one(pl.Series("id", [2**64 - 1, 1], dtype=pl.UInt64)), [str(2**64 - 1), "1"])


def test_floats_become_float64() -> None:
    column = one(pl.Series("p", [12.5, None, float("nan")], dtype=pl.Float32))
    assert column.dtype == np.float64
    assert column.iloc[0] == 12.5 and column.iloc[1:].isna().all()


def test_decimals_become_their_exact_text() -> None:
    s = pl.Series("p", [Decimal("12.50"), None, Decimal("0.10")], dtype=pl.Decimal(12, 2))
    assert_text(one(s), ["12.50", None, "0.10"])
    huge = pl.Series("id", [Decimal("12345678901234567890")], dtype=pl.Decimal(38, 0))
    assert_text(one(huge), ["12345678901234567890"])


def test_booleans_stay_booleans() -> None:
    assert one(pl.Series("b", [True, False])).tolist() == [True, False]
    column = one(pl.Series("b", [True, None]))
    assert column.dtype == object and column.iloc[0] is True and np.isnan(column.iloc[1])


def test_dates_and_datetimes_keep_their_instant_unit_and_zone() -> None:
    date = one(pl.Series("d", [dt.date(2024, 2, 29), None]))
    assert date.dtype == "datetime64[us]" and date.iloc[0] == pd.Timestamp("2024-02-29")
    assert pd.isna(date.iloc[1])
    for unit in ("ms", "us", "ns"):
        naive = one(pl.Series("t", [dt.datetime(2024, 1, 2, 3, 4, 5)], dtype=pl.Datetime(unit)))
        assert naive.dtype == f"datetime64[{unit}]"
        assert naive.iloc[0] == pd.Timestamp("2024-01-02 03:04:05")
    zoned = pl.Series("t", [dt.datetime(2024, 1, 2, 3, 4, 5)], dtype=pl.Datetime("us", "UTC"))
    zoned = zoned.dt.convert_time_zone("Australia/Sydney")
    column = one(zoned)
    assert str(column.dt.tz) == "Australia/Sydney"
    assert column.iloc[0] == pd.Timestamp("2024-01-02 03:04:05", tz="UTC")
    assert column.iloc[0].hour == 14  # the wall time in Sydney, UTC+11 in January


def test_other_types_become_python_objects() -> None:
    nested = pl.Series("p", [[{"sku": "A", "quantity": 2}], None])
    column = one(nested)
    assert column.dtype == object
    assert column.iloc[0] == [{"sku": "A", "quantity": 2}] and np.isnan(column.iloc[1])
    assert one(pl.Series("d", [dt.timedelta(days=1)])).iloc[0] == dt.timedelta(days=1)
    assert one(pl.Series("t", [dt.time(1, 2)])).iloc[0] == dt.time(1, 2)
    assert one(pl.Series("b", [b"x"])).iloc[0] == b"x"


def test_the_index_counts_rows_from_start() -> None:
    frame = pl.DataFrame({"a": ["x", "y"]})
    assert list(to_pandas(frame, start=10).index) == [10, 11]


class _OldLazy:
    """A LazyFrame of a polars without ``collect_batches``: only slices of the plan."""

    def __init__(self, lazy: pl.LazyFrame) -> None:
        self._lazy = lazy

    def slice(self, offset: int, length: int) -> pl.LazyFrame:
        return self._lazy.slice(offset, length)


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 60), st.integers(1, 17), st.booleans())
def test_lazy_frames_come_in_batches_of_rows_and_add_up(n: int, rows: int, old: bool) -> None:
    data = pl.DataFrame({"k": [f"o{i // 3}" for i in range(n)], "v": list(range(n))})
    lazy = data.lazy().with_columns(w=pl.col("v") * 2)
    frames = list(lazy_frames(_OldLazy(lazy) if old else lazy, rows))  # type: ignore[arg-type]
    assert [len(f) for f in frames] == [rows] * (n // rows) + ([n % rows] if n % rows else [])
    whole = pd.concat(frames) if frames else pd.DataFrame({"k": [], "v": [], "w": []})
    assert whole["v"].tolist() == list(range(n))
    assert whole["w"].tolist() == [2 * v for v in range(n)]
    assert list(whole.index) == list(range(n))  # row numbers run on across batches
