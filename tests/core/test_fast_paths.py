"""Each fast path of the conversion agrees with the simple path it shortcuts (issue 17).

Generated inputs go through both; the results must be equal value for value (and codes
must still mean "equal value").  The whole-body and issues-table guards are elsewhere
(``test_body_bytes.py``, the real-export tests); these pin each shortcut on its own.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
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
