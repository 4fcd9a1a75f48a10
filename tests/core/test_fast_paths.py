"""Each fast path of the conversion agrees with the simple path it shortcuts (issue 17).

Generated inputs go through both; the results must be equal value for value (and codes
must still mean "equal value").  The whole-body and issues-table guards are elsewhere
(``test_body_bytes.py``, the real-export tests); these pin each shortcut on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from test_properties import order_tables

import seeka_nb
from seeka_nb.core.fragments import tokens
from seeka_nb.core.values import Coded, to_text

texts = st.lists(
    st.one_of(
        st.none(),
        st.sampled_from(["a", " a", "a ", "", " ", "\t", "b", "A", "é", " é\n"]),
        st.text(max_size=6),
    ),
    max_size=40,
)


def _same_coding(c: Coded) -> None:
    """Codes are a proper dictionary encoding: distinct uniques, None never a unique."""
    u = c.uniques.tolist()
    assert len(set(u)) == len(u)
    assert None not in u and "" not in u


@settings(max_examples=300, deadline=None)
@given(texts)
def test_arrow_text_equals_the_object_path(values: list[str | None]) -> None:
    arrow = to_text(pd.Series(values, dtype="string[pyarrow]"))
    plain = to_text(pd.Series(values, dtype=object))
    assert arrow.values().tolist() == plain.values().tolist()
    assert arrow.bad.tolist() == plain.bad.tolist()
    _same_coding(arrow)


def _texts_of(coded: tuple[np.ndarray, np.ndarray]) -> list[str | None]:
    codes, texts = coded
    return [None if c < 0 else texts[c] for c in codes.tolist()]


@settings(max_examples=60, deadline=None)
@given(order_tables())
def test_product_hints_hold_the_column_values(df: pd.DataFrame) -> None:
    """``Products.coded``/``floats`` say exactly what the columns hold, and the encoder's
    tokens from them are the tokens of the columns."""
    try:
        table = df.seeka.to_events()._table
    except seeka_nb.SeekaError:
        return
    prods = table.products
    for key, (codes, uniques) in prods.coded.items():
        column = prods.columns[key].tolist()
        assert [None if c < 0 else uniques[c] for c in codes.tolist()] == column, key
        assert len(set(uniques.tolist())) == len(uniques)
        hinted = tokens(prods.columns[key], hint=(codes, uniques))
        assert _texts_of(hinted) == _texts_of(tokens(prods.columns[key])), key
    for key, floats in prods.floats.items():
        column = prods.columns[key].tolist()
        assert [None if np.isnan(f) else f for f in floats.tolist()] == column, key
        assert all(v is None or type(v) is float for v in column)
        hinted = tokens(prods.columns[key], hint=floats)
        assert _texts_of(hinted) == _texts_of(tokens(prods.columns[key])), key


def _line_dupes_simple(df: pd.DataFrame, table) -> np.ndarray:
    """The plain rule: every mapped line column compared on every row of an order."""
    from seeka_nb.core.build import prepare
    from seeka_nb.core.values import factorize
    from seeka_nb.schema import LINE_FIELDS, PRODUCTS_LIST_FIELD

    work = prepare(df, None, None)[0]
    cmap = table.mapping
    fields = [f for f in (*LINE_FIELDS, PRODUCTS_LIST_FIELD) if f in cmap]
    fields = fields or list(cmap.fields)
    used = list(dict.fromkeys(c for f in fields for c in cmap.columns(f)))
    key = {"order": table.row_order}
    for i, col in enumerate(used):
        key[f"c{i}"] = factorize(work[col].reset_index(drop=True))[0]
    return pd.DataFrame(key).duplicated(keep=False).to_numpy() & (table.row_order >= 0)


line_rows = st.lists(
    st.tuples(
        st.sampled_from(["A1", "A2", "A3", None]),
        st.sampled_from(["S1", "S2", " S1", None, 1, 1.0, True]),
        st.sampled_from([1.0, 2.0, None, float("nan"), "1"]),
        st.sampled_from([1, 2, None]),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=150, deadline=None)
@given(line_rows)
def test_duplicate_lines_as_the_plain_rule_finds_them(rows: list[tuple]) -> None:
    df = pd.DataFrame(
        {
            "order_id": pd.Series([r[0] for r in rows], dtype=object),
            "created_at": "2025-03-01T10:00:00Z",
            "email": "a@example.com",
            "currency": "AUD",
            "sku": pd.Series([r[1] for r in rows], dtype=object),
            "price": pd.Series([r[2] for r in rows], dtype=object),
            "qty": pd.Series([r[3] for r in rows], dtype=object),
        }
    )
    try:
        table = df.seeka.to_events()._table
    except seeka_nb.SeekaError:
        return
    assert table.line_dupes.tolist() == _line_dupes_simple(df, table).tolist()


@settings(max_examples=60, deadline=None)
@given(order_tables())
def test_duplicate_lines_on_generated_tables(df: pd.DataFrame) -> None:
    try:
        table = df.seeka.to_events()._table
    except seeka_nb.SeekaError:
        return
    assert table.line_dupes.tolist() == _line_dupes_simple(df, table).tolist()


def _same_partition(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return pd.factorize(a)[0].tolist() == pd.factorize(b)[0].tolist()


@settings(max_examples=60, deadline=None)
@given(order_tables())
def test_identity_codes_from_grouping_codes_equal_hashing_the_values(df: pd.DataFrame) -> None:
    from dataclasses import replace

    from seeka_nb.core.body import identity_codes
    from seeka_nb.core.grouping import Ragged

    try:
        table = df.seeka.to_events()._table
    except seeka_nb.SeekaError:
        return
    plain = replace(table, lists={k: Ragged(r.values, r.offsets) for k, r in table.lists.items()})
    assert _same_partition(identity_codes(table), identity_codes(plain))


def test_identity_codes_from_grouping_codes_on_repeated_customers() -> None:
    from dataclasses import replace

    from test_body_bytes import _events, _repeat_customers
    from varied_frame import varied_frame

    from seeka_nb.core.body import identity_codes
    from seeka_nb.core.grouping import Ragged

    table = _events(_repeat_customers(varied_frame()))._table
    assert all(r.codes is not None for r in table.lists.values())
    plain = replace(table, lists={k: Ragged(r.values, r.offsets) for k, r in table.lists.items()})
    fast = identity_codes(table)
    assert fast is not None
    assert _same_partition(fast, identity_codes(plain))


customers = st.lists(
    st.tuples(
        st.integers(0, 12),
        st.sampled_from(["a@example.com", "b@example.com", "c@example.com", None]),
        st.sampled_from(["Ann", "Bob", " Ann", None]),
        st.sampled_from(["Lee", "Kim", None]),
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(customers)
def test_identity_codes_from_grouping_codes_on_few_customers(rows: list[tuple]) -> None:
    """Few distinct customers, so that identities are shared and the codes are used."""
    from dataclasses import replace

    from seeka_nb.core.body import identity_codes
    from seeka_nb.core.grouping import Ragged

    df = pd.DataFrame(
        {
            "order_id": [f"A{r[0]}" for r in rows],
            "created_at": "2025-03-01T10:00:00Z",
            "email": pd.Series([r[1] for r in rows], dtype=object),
            "first_name": pd.Series([r[2] for r in rows], dtype=object),
            "last_name": pd.Series([r[3] for r in rows], dtype=object),
            "currency": "AUD",
            "sku": "S1",
            "price": 1.0,
        }
    )
    table = df.seeka.to_events()._table
    plain = replace(table, lists={k: Ragged(r.values, r.offsets) for k, r in table.lists.items()})
    assert _same_partition(identity_codes(table), identity_codes(plain))


any_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(['"', "\\", "\x00", "\x1f", "\x7f", "\u2028", "é", "/"]),
    ),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(any_text | st.none(), any_text), max_size=20))
@example([('a"b', "t")])
@example([("a", "t\\")])
@example([("a\x1f", "t")])
@example([("\u2028é/\x7f", "2025-01-01T00:00:00Z")])
@example([("A1", "2025-01-01T00:00:00Z"), (None, "2025-01-01T00:00:00Z")])
def test_id_and_time_piece_is_what_orjson_writes(pairs: list[tuple]) -> None:
    import orjson

    from seeka_nb.core.fragments import _id_and_time

    ids = np.array([a for a, _ in pairs], dtype=object)
    times = np.array([t for _, t in pairs], dtype=object)
    expected = [
        orjson.dumps(a).decode() + ',"time":' + orjson.dumps(t).decode() + ',"commerce":{'
        for a, t in pairs
    ]
    assert _id_and_time(ids, times).tolist() == expected


def test_id_and_time_refuses_what_orjson_refuses() -> None:
    import orjson

    from seeka_nb.core.fragments import _id_and_time

    bad = np.array(["A\ud800"], dtype=object)
    with pytest.raises(orjson.JSONEncodeError):
        _id_and_time(bad, np.array(["2025-01-01T00:00:00Z"], dtype=object))


@st.composite
def parts_lists(draw: st.DrawFn) -> tuple[int, list[tuple[np.ndarray, np.ndarray]]]:
    n = draw(st.integers(0, 30))
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        table = np.array(draw(st.lists(st.text(max_size=3), min_size=1, max_size=6)), dtype=object)
        idx = np.array(draw(st.lists(st.integers(0, len(table) - 1), min_size=n, max_size=n)))
        parts.append((idx.astype(np.int64), table))
    return n, parts


@settings(max_examples=200, deadline=None)
@given(parts_lists(), st.integers(1, 40))
def test_fused_parts_give_each_item_the_same_text(case: tuple, limit: int) -> None:
    from seeka_nb.core.fragments import fuse

    n, parts = case
    before = ["".join(t[i[r]] for i, t in parts) for r in range(n)]
    fused = fuse(parts, limit)
    assert ["".join(t[i[r]] for i, t in fused) for r in range(n)] == before
    assert all(len(t) <= max(limit, max(len(tt) for _, tt in parts)) for _, t in fused)
