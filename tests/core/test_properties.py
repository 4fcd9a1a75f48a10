"""Property tests: batching, counting and encoding invariants over generated order tables."""

from __future__ import annotations

import numpy as np
import orjson
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

import seeka_nb  # noqa: F401
from seeka_nb.adapters.sandbox import check_body, only_errors
from seeka_nb.core.body import encode
from seeka_nb.schema import MAX_EVENTS_PER_REQUEST

ids = st.one_of(
    st.integers(0, 60).map(str),
    st.integers(0, 60).map(float),
    st.sampled_from(["", " ", None, "#7", " 7 ", "7.0"]),
)
texts = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["a@b.co", "+61400000001"]))


@st.composite
def order_tables(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(1, 80))
    return pd.DataFrame(
        {
            "order_id": pd.Series(draw(st.lists(ids, min_size=n, max_size=n)), dtype=object),
            "created_at": draw(
                st.lists(
                    st.one_of(
                        st.datetimes(timezones=st.just(__import__("datetime").UTC)).map(
                            lambda d: d.isoformat()
                        ),
                        st.sampled_from(["", "garbage", None]),
                    ),
                    min_size=n,
                    max_size=n,
                )
            ),
            "email": draw(st.lists(texts, min_size=n, max_size=n)),
            "phone": draw(st.lists(texts, min_size=n, max_size=n)),
            "currency": draw(
                st.lists(st.sampled_from(["AUD", "JPY", "usd", None, "??"]), min_size=n, max_size=n)
            ),
            "sku": draw(st.lists(texts, min_size=n, max_size=n)),
            "price": draw(
                st.lists(
                    st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=32), st.none()),
                    min_size=n,
                    max_size=n,
                )
            ),
            "qty": draw(st.lists(st.one_of(st.integers(-2, 5), st.none()), min_size=n, max_size=n)),
        }
    )


@settings(max_examples=60, deadline=None)
@given(order_tables(), st.integers(1, 40))
def test_every_sendable_order_is_in_exactly_one_batch(df: pd.DataFrame, size: int) -> None:
    if df["order_id"].map(lambda v: v is None or str(v).strip() in ("", "nan")).all():
        return  # an all-empty ID column is a ValidationError, tested elsewhere
    events = df.seeka.to_events()
    bodies = list(events.batches(size))
    sent = [e["ev"]["payload"]["activityId"] for b in bodies for e in b["data"]]
    assert sorted(sent) == sorted(events.activity_ids)
    assert len(sent) == len(set(sent)) == len(events)
    assert all(0 < len(b["data"]) <= min(size, MAX_EVENTS_PER_REQUEST) for b in bodies)
    # counts add up: every order has exactly one status; every row is in an order or reported
    s = events.summary()
    assert s["to_send"] + s["held_back_error"] + s["held_back_excluded"] == s["orders"]
    no_id_rows = set(events.issues.loc[events.issues.code == "missing_activity_id", "row"])
    assert s["rows_without_id"] == len(no_id_rows)
    frame = events.to_frame(include_held_back=True)
    assert frame["n_rows"].sum() + s["rows_without_id"] == len(df)
    for body in bodies:
        assert orjson.loads(encode(body)) == body  # JSON round trip, no NaN/inf possible
        assert only_errors(check_body(body)) == []  # the sandbox's contract check agrees


@settings(max_examples=30, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 30), st.floats(0, 1e6), st.integers(1, 9)),
        min_size=1,
        max_size=200,
    )
)
def test_totals_are_the_rounded_sums_of_their_lines(lines: list[tuple[int, float, int]]) -> None:
    df = pd.DataFrame(lines, columns=["order_id", "price", "qty"])
    df["time"] = "2025-01-01T00:00:00Z"
    df["currency"] = "USD"
    events = df.seeka.to_events()
    from decimal import ROUND_HALF_UP, Decimal

    def cents(x: float) -> Decimal:
        return Decimal(repr(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)

    line = [cents(p) * q for p, q in zip(df["price"], df["qty"], strict=True)]
    sums: dict[str, Decimal] = {}
    for oid, amount in zip(df["order_id"].astype(str), line, strict=True):
        sums[oid] = sums.get(oid, Decimal(0)) + amount
    expected = {
        k: float(v.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)) for k, v in sums.items()
    }
    got = {
        e["ev"]["payload"]["activityId"]: e["ev"]["payload"]["commerce"]["totalPrice"]
        for e in events.to_list()
    }
    assert got.keys() == expected.keys()
    for key, value in got.items():
        assert np.isclose(value, expected[key], rtol=0, atol=1e-6), key
