"""Time parsing and formatting helpers."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from seeka_nb.core.times import format_utc, infer_dayfirst, parse_times


@given(st.lists(st.integers(-2_208_988_800, 4_102_444_800), min_size=1, max_size=50))
def test_format_utc_matches_numpy_iso_text(seconds: list[int]) -> None:
    arr = np.array(seconds, dtype="datetime64[s]")
    expected = [f"{s}Z" for s in np.datetime_as_string(arr, unit="s")]
    assert format_utc(arr).tolist() == expected


_YEAR_0 = int(np.datetime64("0000-01-01T00:00:00", "s").astype(np.int64))
_YEAR_10000 = int(np.datetime64("10000-01-01T00:00:00", "s").astype(np.int64))


@given(
    st.lists(
        st.one_of(
            st.integers(_YEAR_0, _YEAR_10000 - 1),  # the arithmetic path, every year
            st.sampled_from([_YEAR_0, _YEAR_10000 - 1, -1, 0, 951_782_400, 1_709_251_199]),
            st.none(),
        ),
        min_size=1,
        max_size=60,
    ),
    st.sampled_from(["s", "ms", "us", "ns"]),
)
def test_format_utc_fast_path_is_numpy_text_in_every_year(
    seconds: list[int | None], unit: str
) -> None:
    arr = np.array(
        [np.datetime64("NaT", "s") if s is None else np.datetime64(s, "s") for s in seconds],
        dtype="datetime64[s]",
    )
    if unit == "ns":  # nanoseconds reach only 1677-2262
        arr = arr[np.isnat(arr) | ((arr > np.datetime64("1678")) & (arr < np.datetime64("2262")))]
    step = np.timedelta64(0 if unit == "s" else 1, unit)  # a fraction past the second
    sub = (arr.astype(f"datetime64[{unit}]") + step).astype(f"datetime64[{unit}]")
    expected = [
        None if np.isnat(v) else f"{np.datetime_as_string(v.astype('datetime64[s]'))}Z" for v in sub
    ]
    assert format_utc(sub).tolist() == expected


def test_format_utc_outside_years_0_to_9999_takes_numpy_text() -> None:
    for values in (
        ["-0001-12-31T23:59:59", "10000-01-01T00:00:00", "NaT"],
        ["0000-01-01T00:00:00", "9999-12-31T23:59:59"],
        ["-0001-12-31T23:59:59"],
        ["10000-01-01T00:00:00"],
    ):
        arr = np.array(values, "datetime64[s]")
        text = np.datetime_as_string(arr, unit="s")
        expected = [None if np.isnat(v) else f"{t}Z" for v, t in zip(arr, text, strict=True)]
        assert format_utc(arr).tolist() == expected


def test_format_utc_leaves_nat_out() -> None:
    arr = np.array(["2025-01-01T00:00:00", "NaT"], dtype="datetime64[s]")
    assert format_utc(arr).tolist() == ["2025-01-01T00:00:00Z", None]


def test_infer_dayfirst() -> None:
    assert infer_dayfirst(pd.Series(["31/12/2023 10:00", "01/02/2024"])) == (True, False)
    assert infer_dayfirst(pd.Series(["12/31/2023", "01/02/2024"])) == (False, False)
    assert infer_dayfirst(pd.Series(["01/02/2024", "03/04/2024"])) == (False, True)
    assert infer_dayfirst(pd.Series(["2024-01-02"])) == (False, False)


def test_parse_times_reports_what_it_guessed() -> None:
    times = parse_times(pd.Series(["01/02/2024 10:00"]), tz="UTC", dayfirst=None)
    assert times.order_guessed and not times.dayfirst
    assert times.utc[0] == np.datetime64("2024-01-02T10:00:00")
    decided = parse_times(
        pd.Series(["13/02/2024 10:00", "01/02/2024 10:00"]), tz="UTC", dayfirst=None
    )
    assert decided.dayfirst and not decided.order_guessed
    assert decided.utc[1] == np.datetime64("2024-02-01T10:00:00")
