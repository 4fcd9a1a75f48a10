"""Every bad input gives a clear SeekaError or an issues row: never a pandas traceback,
never a silently dropped order."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import issue_rows, line_items

from seeka_nb import ConfigurationError, MappingError, SeekaError, ValidationError
from seeka_nb.schema import MAX_IDENTIFIER_LENGTH, MAX_TEXT_LENGTH


def test_missing_id_column_names_columns_and_the_fix() -> None:
    df = pd.DataFrame({"when": ["2025-01-01T00:00:00Z"], "amount": [3]})
    with pytest.raises(MappingError) as info:
        df.seeka.to_events()
    text = str(info.value)
    assert "activityId" in text and "'when'" in text and "mapping=" in text


def test_unknown_layout_lists_what_could_not_be_found() -> None:
    df = pd.DataFrame({"foo": [1], "bar": [2]})
    with pytest.raises(MappingError, match=r"activityId.*time.*\['foo', 'bar'\]"):
        df.seeka.to_events()


def test_empty_frame() -> None:
    df = line_items().iloc[0:0]
    with pytest.raises(ValidationError, match="no rows"):
        df.seeka.to_events()
    with pytest.raises(ValidationError, match="no columns"):
        pd.DataFrame(index=[1, 2]).seeka.to_events()


def test_not_a_dataframe() -> None:
    from seeka_nb.core.build import build_table

    with pytest.raises(ValidationError, match="DataFrame"):
        build_table([{"order_id": 1}])  # type: ignore[arg-type]


def test_all_nan_id_column() -> None:
    df = line_items(order_id=[np.nan] * 4)
    with pytest.raises(ValidationError, match=r"order_id.*no values"):
        df.seeka.to_events()


def test_all_nan_optional_column_is_reported() -> None:
    events = line_items(email=[np.nan] * 4).seeka.to_events()
    assert issue_rows(events, "empty_column") == [None]
    assert len(events) == 3


def test_mixed_types_in_columns() -> None:
    df = line_items(
        order_id=pd.Series([1, "1", 2.0, "C3"], dtype=object),
        price=pd.Series([10, "2.5", "abc", None], dtype=object),
        qty=pd.Series([1, "4", 1.0, True], dtype=object),
    )
    events = df.seeka.to_events({"currencyCode": None}, currency="USD")
    assert issue_rows(events, "invalid_number") == [2]
    assert issue_rows(events, "invalid_quantity") == [3]
    assert events.activity_ids == ["1"]  # "2" (bad price) and "C3" (bad qty) held back
    assert {
        p["unitPrice"] for p in events.to_list()[0]["ev"]["payload"]["commerce"]["products"]
    } == {10.0, 2.5}


def test_mixed_currencies_in_one_order() -> None:
    events = line_items(currency=["AUD", "NZD", "USD", "EUR"]).seeka.to_events()
    assert "A1" not in events.activity_ids
    assert events.issues.query("code == 'conflicting_value'")["severity"].tolist() == ["error"]


@pytest.mark.parametrize(
    ("price", "code", "severity"),
    [
        (-1.0, "negative_price", "error"),
        (np.inf, "invalid_number", "error"),
        (-np.inf, "invalid_number", "error"),
        (np.nan, "missing_price", "warning"),
    ],
)
def test_bad_prices(price: float, code: str, severity: str) -> None:
    events = line_items(price=[10.0, price, 5.0, 5.0]).seeka.to_events()
    rows = events.issues[events.issues.code == code]
    assert rows[["row", "severity"]].values.tolist() == [[1, severity]]
    assert "A1" not in events.activity_ids  # its value is not known: never sent


def test_missing_price_makes_the_computed_total_unknown_and_holds_the_order_back() -> None:
    events = line_items(price=[10.0, np.nan, 5.0, 5.0]).seeka.to_events()
    assert "A1" not in events.activity_ids
    issue = events.issues[events.issues.code == "total_unknown"]
    assert issue["row"].tolist() == [0] and issue["severity"].tolist() == ["error"]
    # with an order total mapped the lines' prices are not needed
    df = line_items(price=[10.0, np.nan, 5.0, 5.0], total=[20.0, None, 5.0, 10.0])
    assert df.seeka.to_events().activity_ids == ["A1", "B2", "C3"]


def test_negative_and_fractional_quantities() -> None:
    events = line_items(qty=[1, -2, 1.5, 0]).seeka.to_events()
    assert issue_rows(events, "negative_quantity") == [1]
    assert issue_rows(events, "invalid_quantity") == [2]
    assert issue_rows(events, "zero_quantity") == [3]
    assert events.activity_ids == ["C3"]


def test_huge_strings() -> None:
    huge = "x" * (MAX_TEXT_LENGTH * 50)
    df = line_items(sku=[huge, "S2", "S3", "S4"], order_id=["A1", "A1", "y" * 300, "C3"])
    events = df.seeka.to_events()
    product = events.to_list()[0]["ev"]["payload"]["commerce"]["products"][0]
    assert len(product["sku"]) == MAX_TEXT_LENGTH
    assert issue_rows(events, "text_truncated") == [0]
    assert issue_rows(events, "identifier_too_long") == [2]
    assert len("y" * 300) > MAX_IDENTIFIER_LENGTH and "y" * 300 not in events.activity_ids


def test_non_utf8_text() -> None:
    bad_bytes = b"caf\xe9"  # Latin-1 bytes, not UTF-8
    surrogate = b"caf\xe9".decode("utf-8", errors="surrogateescape")
    df = line_items(
        sku=pd.Series([bad_bytes, "S2", surrogate, "S4"], dtype=object),
        order_id=pd.Series(["A1", "A1", "B2", b"C3"], dtype=object),
    )
    events = df.seeka.to_events()
    assert issue_rows(events, "invalid_text") == [0, 2]
    assert events.activity_ids == ["A1", "B2", "C3"]  # bytes ID that is valid UTF-8 is fine
    for body in events.encoded_batches():
        body.decode("utf-8")  # every body encodes


def test_duplicate_column_names() -> None:
    df = pd.DataFrame(
        [["1", "2025-01-01T00:00:00Z", 1, 2]], columns=["order_id", "created_at", "price", "price"]
    )
    with pytest.raises(MappingError, match=r"\['price'\].*more than once"):
        df.seeka.to_events({"totalPrice": None})
    ok = pd.DataFrame(
        [["1", "2025-01-01T00:00:00Z", "a", "b"]],
        columns=["order_id", "created_at", "note", "note"],
    )
    # unused duplicates are harmless
    assert ok.seeka.to_events({"totalPrice": None}).activity_ids == ["1"]


def test_non_string_column_labels_and_index() -> None:
    df = line_items()
    df.index = pd.MultiIndex.from_tuples([("a", 1), ("a", 2), ("b", 1), ("c", 1)])
    df[7] = 1
    events = df.seeka.to_events()
    assert len(events) == 3
    bad = line_items(price=[1, -1, 1, 1])
    bad.index = ["r0", "r1", "r2", "r3"]
    assert issue_rows(bad.seeka.to_events(), "negative_price") == ["r1"]


def test_categorical_and_nullable_columns() -> None:
    df = line_items()
    df["currency"] = df["currency"].astype("category")
    df["qty"] = df["qty"].astype("Int64")
    df["price"] = df["price"].astype("Float64")
    df.loc[1, "qty"] = pd.NA
    events = df.seeka.to_events()
    assert issue_rows(events, "missing_quantity") == [1]
    assert issue_rows(events, "total_unknown") == [0]  # A1's total is not known
    assert events_currency(events) == ["USD", "EUR"]


def events_currency(events: object) -> list[str]:
    return [e["ev"]["payload"]["commerce"]["currencyCode"] for e in events.to_list()]


def test_every_error_is_a_seeka_error() -> None:
    for call in (
        lambda: pd.DataFrame({"a": [1]}).seeka.to_events(),
        lambda: line_items().seeka.to_events(preset="nope"),
        lambda: line_items().seeka.to_events(tz="Nowhere/Land"),
    ):
        with pytest.raises(SeekaError):
            call()
    with pytest.raises(ConfigurationError, match="Available"):
        line_items().seeka.to_events(preset="nope")


def test_batch_size_below_one() -> None:
    with pytest.raises(ConfigurationError):
        next(line_items().seeka.to_events().batches(0))
