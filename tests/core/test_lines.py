"""Line-item helpers of :mod:`seeka_nb.core.lines` checked against their plain definitions."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from seeka_nb.core.lines import _ints, _whole

_EDGES = [0.0, -0.0, 0.5, -0.5, 2.0**63, -(2.0**63), 2.0**63 - 1024, 2.0**52 + 0.5, 1e-300]


@given(st.lists(st.one_of(st.floats(), st.sampled_from(_EDGES)), max_size=40))
def test_whole_is_a_whole_number_within_64_bits(values: list[float]) -> None:
    arr = np.array(values, dtype=np.float64)
    whole, fraction = _whole(arr)
    for v, w, f in zip(values, whole.tolist(), fraction.tolist(), strict=True):
        expected = math.isfinite(v) and v == math.floor(v) and abs(v) < 2**63
        assert w == expected, v
        assert f == (not math.isnan(v) and not expected), v


def test_ints_are_python_ints_and_the_rest_is_bad() -> None:
    arr = np.array([3.0, -2.0, 0.5, np.nan, np.inf, 2.0**63])
    ints, bad = _ints(arr, np.zeros(len(arr), dtype=bool))
    assert ints.tolist() == [3, -2, None, None, None, None]
    assert all(type(v) is int for v in ints[:2])
    assert bad.tolist() == [False, False, True, False, True, True]
