"""Fragments: each value's JSON text is what orjson writes for it inside a body (issue 17).

The body-level guards are in ``test_body_bytes.py``; these pin the value encodings where a
"same value" shortcut would be wrong: ``-0.0`` equals ``0.0``, ``True`` equals ``1``,
``1.0`` equals ``1``, yet orjson writes each differently.
"""

from __future__ import annotations

import numpy as np
import orjson
import pytest

from seeka_nb.core.fragments import field_parts, fuse, tokens


def _texts_per_item(values: np.ndarray) -> list[str | None]:
    codes, texts = tokens(values)
    return [None if c < 0 else texts[c] for c in codes.tolist()]


def _orjson_per_item(values: list) -> list[str | None]:
    absent = lambda v: v is None or (isinstance(v, float) and np.isnan(v))  # noqa: E731
    return [None if absent(v) else orjson.dumps(v).decode() for v in values]


@pytest.mark.parametrize(
    "values",
    [
        np.array([0.0, -0.0, 1e16, 1.5e-7, np.nan, 12.1, 0.0, -0.0, 2.5]),
        np.array([1, True, None, 1.0, "1", False, 0], dtype=object),
        np.array([3, None, 3, -7, 2**62], dtype=object),
        np.array([1, True, 0, False, None, 1], dtype=object),
        np.array([2.0, None, -0.0, 0.0, 2.0], dtype=object),
        np.array(["a", None, "é\n", 'q"', "a"], dtype=object),
    ],
)
def test_each_value_is_written_as_orjson_writes_it(values: np.ndarray) -> None:
    assert _texts_per_item(values) == _orjson_per_item(values.tolist())


@pytest.mark.parametrize("case", ["exactly_limit", "one_more_at_the_end", "many_early"])
def test_fuse_decides_on_every_item_not_a_prefix(case: str) -> None:
    """Many possible combinations (hashed), more items than the prefix check reads: two
    parts fuse exactly when all the items have at most ``limit`` distinct combinations,
    and the next part goes on from the right one."""
    n, limit = 100, 20
    a = np.array([f"a{i}" for i in range(300)], dtype=object)
    b = np.array([f"b{i}" for i in range(300)], dtype=object)
    c = np.array(["c0", "c1"], dtype=object)
    ia = np.arange(n, dtype=np.int64) % 20
    ib = ia * 7
    if case == "one_more_at_the_end":
        ib[-1] += 1  # a 21st combination, past the prefix
    elif case == "many_early":
        ib = np.arange(n, dtype=np.int64) * 3  # 100 combinations, 40 in the prefix
    ic = np.zeros(n, dtype=np.int64)
    fused = fuse([(ia, a), (ib, b), (ic, c)], limit)
    assert len(fused) == (1 if case == "exactly_limit" else 3)
    assert ["".join(t[i[r]] for i, t in fused) for r in range(n)] == [
        a[ia[r]] + b[ib[r]] + c[ic[r]] for r in range(n)
    ]


def test_fields_after_the_first_present_one_get_a_comma() -> None:
    a = np.array(["x", None, None], dtype=object)
    b = np.array([1.5, 2.5, np.nan])
    parts, any_present = field_parts([("a", a), ("b", b)], 3)
    texts = [["".join(t[i] for i, t in ((p[0][r], p[1]) for p in parts))] for r in range(3)]
    assert texts == [['"a":"x","b":1.5'], ['"b":2.5'], [""]]
    assert any_present.tolist() == [True, True, False]
    ((idx, table),) = fuse(parts, limit=10)
    assert [table[i] for i in idx.tolist()] == ['"a":"x","b":1.5', '"b":2.5', ""]


def test_a_prefix_with_too_many_combinations_spares_hashing_the_rest() -> None:
    from seeka_nb.core.fragments import _surely_more

    many = np.arange(100, dtype=np.int64) * 3
    assert _surely_more(many, 90_000, 20)  # 40 distinct among the first 40
    assert not _surely_more(np.arange(100, dtype=np.int64) % 20, 90_000, 20)
    assert not _surely_more(many, 300, 20)  # few possible keys: flags, no hashing to spare
