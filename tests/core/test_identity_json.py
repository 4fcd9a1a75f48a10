"""``ev.id`` objects written column by column are the dicts' JSON, or not written at all
(issue 17): ``identity_texts`` answers ``None`` for the unusual shapes, which the encoder
then writes from dicts."""

from __future__ import annotations

import random

import numpy as np
import orjson
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from test_properties import order_tables
from varied_frame import MAPPING, varied_frame

import seeka_nb
from seeka_nb.core.body import BodyBuilder
from seeka_nb.core.identity_json import identity_texts


def _table(df: pd.DataFrame, **kw: object):
    return df.seeka.to_events(**kw)._table


def _usual(table, orders: list[int]) -> bool:
    """Whether the chosen orders' identities have the shape identity_texts writes."""
    if len(table.addresses) > 1:
        return False
    values: list[object] = []
    for key in ("seekaPId", "tcfConsentString"):
        if key in table.text:
            values += table.text[key][orders].tolist()
    for column in table.addresses[0].values() if table.addresses else ():
        values += column[orders].tolist()
    for rag in table.lists.values():
        for i in orders:
            values += rag.values[rag.offsets[i] : rag.offsets[i + 1]].tolist()
            if rag.offsets[i + 1] - rag.offsets[i] > 1:
                return False
    return all(v is None or type(v) is str for v in values)


def _check(table, orders: list[int]) -> bool:
    """identity_texts of ``orders`` against the dicts; whether it wrote them."""
    got = identity_texts(table, np.asarray(orders, dtype=np.int64))
    assert (got is not None) == _usual(table, orders)
    if got is None:
        return False
    builder = BodyBuilder(table)
    assert got.tolist() == [orjson.dumps(builder.identity(i)).decode() for i in orders]
    return True


def _two_of_everything(df: pd.DataFrame) -> pd.DataFrame:
    """Every other order gets a second email and a second address set."""
    out = df.copy()
    out["email2"] = np.where(np.arange(len(df)) % 2 == 0, "second@example.com", None)
    out["city2"] = np.where(np.arange(len(df)) % 3 == 0, "Perth", None)
    return out


def test_the_varied_frame_is_written_column_by_column() -> None:
    table = _table(varied_frame(), mapping=MAPPING, tz="Australia/Sydney")
    assert table.addresses and "tcfConsentString" in table.text and table.lists
    assert _check(table, list(range(table.n_orders)))
    assert _check(table, [])


@settings(max_examples=30, deadline=None)
@given(st.randoms(use_true_random=False))
def test_any_selection_equals_the_dicts(rnd: random.Random) -> None:
    frame = varied_frame()
    wide = _two_of_everything(frame)
    mapping = {**MAPPING, "email": ["email", "email2"], "locality": ["city", "city2"]}
    both = mapping | {"locality": "city"}  # two emails, one address set
    for df, m in ((frame, MAPPING), (wide, mapping), (wide, both)):
        table = _table(df, mapping=m, tz="Australia/Sydney")
        orders = list(range(table.n_orders))
        rnd.shuffle(orders)
        _check(table, orders[: rnd.randint(0, len(orders))])


def test_unusual_identities_are_left_to_the_dicts() -> None:
    wide = _two_of_everything(varied_frame())
    two_sets = _table(
        wide,
        mapping={**MAPPING, "locality": ["city", "city2"]},
        tz="Australia/Sydney",
    )
    assert len(two_sets.addresses) == 2
    assert identity_texts(two_sets, np.arange(two_sets.n_orders)) is None
    two_emails = _table(wide, mapping={**MAPPING, "email": ["email", "email2"]}, tz="UTC")
    counts = np.diff(two_emails.lists["email"].offsets)
    several, single = np.flatnonzero(counts > 1), np.flatnonzero(counts <= 1)
    assert several.size and single.size
    assert identity_texts(two_emails, several[:1]) is None
    assert _check(two_emails, single.tolist())  # orders with one email each: written


@settings(max_examples=40, deadline=None)
@given(order_tables())
def test_generated_tables(df: pd.DataFrame) -> None:
    try:
        table = _table(df)
    except seeka_nb.SeekaError:
        return
    _check(table, list(range(table.n_orders)))


def test_orders_without_an_address_and_values_that_are_not_text() -> None:
    from dataclasses import replace

    table = _table(varied_frame(), mapping=MAPPING, tz="Australia/Sydney")
    (addr,) = table.addresses
    bare = {k: v.copy() for k, v in addr.items()}
    for v in bare.values():
        v[::3] = None  # every third order: no address field at all
    no_address = replace(table, addresses=(bare,))
    assert _check(no_address, list(range(table.n_orders)))
    assert '"address"' not in identity_texts(no_address, np.array([0]))[0]
    odd = {k: v.copy() for k, v in addr.items()}
    odd["postcode"][5] = 2000.0  # not text: the dicts write what orjson makes of it
    not_text = replace(table, addresses=(odd,))
    assert identity_texts(not_text, np.arange(table.n_orders)) is None
    assert _check(not_text, [4, 6])  # the other orders are still written


def test_list_values_that_json_escapes() -> None:
    from dataclasses import replace

    table = _table(varied_frame(), mapping=MAPPING, tz="Australia/Sydney")
    names = table.lists["firstName"]
    values = names.values.copy()
    odd_names = ['Jo "JJ" \\ Smith\t', "Zoë \u2028", "\x7f", "é", "x"]
    for i in range(0, len(values), 4):
        values[i] = odd_names[(i // 4) % len(odd_names)]
    odd = replace(table, lists={**table.lists, "firstName": replace(names, values=values)})
    assert _check(odd, list(range(table.n_orders)))
