"""Money rules (issue 11, seeka_nb/core/amounts.py and money.py): one test per rule, plus
the assertions that catch the mutations the issue lists (half-even rounding, JPY frames,
values only on an order's second row, shipping lines over a mapped shipping, ``00``
phones, float postcodes, spurious ``float_identifier`` warnings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from helpers import codes, events_by_id, issue_rows

from seeka_nb.errors import MappingError


def commerce(events: object, activity_id: str) -> dict:
    return events_by_id(events)[activity_id]["payload"]["commerce"]


def lines(**columns: list[object]) -> pd.DataFrame:
    data: dict[str, list[object]] = {
        "order_id": ["A", "A", "B"],
        "created_at": ["2025-01-01T10:00:00Z"] * 3,
        "currency": ["CAD"] * 3,
    }
    data.update(columns)
    return pd.DataFrame(data)


# --- lineTotal ----------------------------------------------------------------------------


def test_per_line_amount_is_summed_into_the_order_total() -> None:
    df = lines(line_total=[45.19, 16.94, 5.0], sku=["x", "y", "z"], qty=[1, 3, 2])
    events = df.seeka.to_events({"lineTotal": "line_total"})
    a = commerce(events, "A")
    assert a["totalPrice"] == 62.13  # not 45.19, the first row's value
    # unit price = amount / quantity, rounded to the currency: 16.94 / 3 = 5.6466... -> 5.65
    assert [p["unitPrice"] for p in a["products"]] == [45.19, 5.65]
    assert commerce(events, "B")["totalPrice"] == 5.0
    assert "total_mismatch" not in codes(events)  # the sum is of the amounts, not unit × qty


@pytest.mark.parametrize(
    "name", ["Amount", "Line Total", "Item Total", "Total Owed", "Line Amount"]
)
def test_line_total_is_detected_from_amount_like_names(name: str) -> None:
    df = lines(**{name: [45.19, 16.94, 5.0]})
    events = df.seeka.to_events()
    assert events.mapping.columns("lineTotal") == (name,)
    assert commerce(events, "A")["totalPrice"] == 62.13


def test_an_export_whose_money_column_is_called_amount_gets_its_value() -> None:
    df = lines(Amount=[10.0, 20.0, 7.5], Qty=[1, 2, 1])
    events = df.seeka.to_events()
    assert events.summary()["revenue"] == {"CAD": 37.5}
    assert "total_unknown" not in codes(events)


def test_a_mapped_unit_price_is_kept_and_the_total_is_still_the_sum_of_line_amounts() -> None:
    df = lines(unit_price=[39.99, 14.99, 5.0], tax_incl=[45.19, 16.94, 5.0])
    events = df.seeka.to_events({"lineTotal": "tax_incl"})
    a = commerce(events, "A")
    assert a["totalPrice"] == 62.13
    assert [p["unitPrice"] for p in a["products"]] == [39.99, 14.99]


# --- order-level money that differs between rows ------------------------------------------


def test_conflicting_order_total_is_an_error_naming_the_column_and_lineTotal() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A", "A"],
            "created_at": ["2025-01-01T10:00:00Z"] * 2,
            "currency": ["CAD"] * 2,
            "line_total": [45.19, 16.94],
        }
    )
    events = df.seeka.to_events({"totalPrice": "line_total"})
    assert len(events) == 0  # never 45.19 for an order of 62.13
    row = events.issues[events.issues["code"] == "conflicting_value"].iloc[0]
    assert row["severity"] == "error" and row["column"] == "line_total"
    assert "lineTotal" in row["message"] and "first value" not in row["message"]
    fixed = df.seeka.to_events({"lineTotal": "line_total"})
    assert commerce(fixed, "A")["totalPrice"] == 62.13


@pytest.mark.parametrize("field", ["totalTax", "totalShippingPrice"])
def test_conflicting_tax_or_shipping_is_an_error(field: str) -> None:
    df = lines(total=[100.0, 100.0, 5.0], extra=[10.0, 12.0, 1.0])
    events = df.seeka.to_events({field: "extra"})
    assert events.activity_ids == ["B"]
    assert issue_rows(events, "conflicting_value") == [1]


def test_conflicting_time_is_an_error() -> None:
    df = lines(total=[10.0, None, 5.0])
    df["created_at"] = ["2025-01-01T10:00:00Z", "2025-01-02T10:00:00Z", "2025-01-01T10:00:00Z"]
    events = df.seeka.to_events()
    assert events.activity_ids == ["B"]
    row = events.issues[events.issues["code"] == "conflicting_value"].iloc[0]
    assert row["severity"] == "error" and "held back" in row["message"]


def test_conflicting_currency_is_an_error() -> None:
    df = lines(total=[10.0, None, 5.0], currency=["CAD", "USD", "CAD"])
    events = df.seeka.to_events()
    assert events.activity_ids == ["B"]
    assert "first value" not in events.issues["message"].iloc[0]


# --- no value, no currency ----------------------------------------------------------------


def test_no_value_is_a_mapping_error_listing_money_looking_columns() -> None:
    df = lines(cost_of_goods=[1, 2, 3], note=["a", "b", "c"])
    with pytest.raises(MappingError, match=r"no order total.*'cost_of_goods'") as info:
        df.seeka.to_events()
    assert "'note'" not in str(info.value) and "mapping={'totalPrice': None}" in str(info.value)


def test_orders_without_value_are_sent_when_the_caller_says_so() -> None:
    events = lines(note=["a", "b", "c"]).seeka.to_events({"totalPrice": None})
    assert events.activity_ids == ["A", "B"]
    assert "totalPrice" not in commerce(events, "A")
    assert "missing_currency" not in codes(events)


def test_no_currency_holds_the_order_back_and_says_to_pass_currency() -> None:
    df = lines(total=[10.0, None, 5.0], currency=["CAD", None, None])
    events = df.seeka.to_events()
    assert events.activity_ids == ["A"]
    row = events.issues[events.issues["code"] == "missing_currency"].iloc[0]
    assert row["severity"] == "error" and "currency=" in row["message"]
    assert df.seeka.to_events(currency="CAD").activity_ids == ["A", "B"]


def test_an_order_whose_total_cell_is_empty_is_held_back() -> None:
    events = lines(total=[10.0, None, None]).seeka.to_events()
    assert events.activity_ids == ["A"]
    assert issue_rows(events, "missing_total") == [2]


# --- mutation catchers (today's money and identity rules) ---------------------------------


def test_money_rounds_half_up_on_a_tie() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "created_at": ["2025-01-01T10:00:00Z"] * 2,
            "total": [2.125, 0.125],  # exact binary fractions: a real tie
            "price": [2.125, 0.125],
            "currency": ["USD", "USD"],
        }
    )
    events = df.seeka.to_events()
    assert commerce(events, "A")["totalPrice"] == 2.13  # half-even would give 2.12
    assert commerce(events, "B")["totalPrice"] == 0.13
    assert commerce(events, "A")["products"][0]["unitPrice"] == 2.13


def test_a_single_currency_jpy_frame_rounds_to_whole_yen() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A", "B"],
            "created_at": ["2025-01-01T10:00:00Z"] * 2,
            "total": [1234.56, 99.5],
            "price": [1234.56, 99.5],
            "currency": ["JPY", "JPY"],
        }
    )
    events = df.seeka.to_events()
    assert commerce(events, "A")["totalPrice"] == 1235
    assert commerce(events, "B")["totalPrice"] == 100
    assert commerce(events, "A")["products"][0]["unitPrice"] == 1235


def test_currency_and_total_only_on_an_orders_second_row() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A", "A"],
            "created_at": ["2025-01-01T10:00:00Z"] * 2,
            "sku": ["x", "y"],
            "total": [None, 30.0],
            "currency": [None, "EUR"],
        }
    )
    com = commerce(df.seeka.to_events(), "A")
    assert (com["totalPrice"], com["currencyCode"]) == (30.0, "EUR")
    assert [p.get("currencyCode") for p in com["products"]] == ["EUR", "EUR"]


def test_shipping_lines_never_override_a_mapped_total_shipping_price() -> None:
    df = pd.DataFrame(
        {
            "InvoiceNo": ["1", "1"],
            "StockCode": ["85123A", "POST"],
            "Description": ["Lantern", "POSTAGE"],
            "Quantity": [2, 1],
            "InvoiceDate": ["12/1/10 8:26"] * 2,
            "UnitPrice": [10.0, 18.0],
            "CustomerID": ["17850"] * 2,
            "Country": ["United Kingdom"] * 2,
            "Carriage": [15.0, None],
        }
    )
    ev = df.seeka.to_events(preset="online_retail", tz="Europe/London")
    assert commerce(ev, "1")["totalShippingPrice"] == 18.0  # from the POST line
    mapped = df.seeka.to_events(
        {"totalShippingPrice": "Carriage"}, preset="online_retail", tz="Europe/London"
    )
    assert commerce(mapped, "1")["totalShippingPrice"] == 15.0


def test_a_00_prefixed_phone_becomes_e164() -> None:
    df = lines(total=[1.0, None, 2.0], phone=["0044 20 7946 0958", None, "0044 20 7946 0958"])
    events = df.seeka.to_events()
    assert events_by_id(events)["A"]["id"]["phone"] == ["+442079460958"]


def test_a_float_postcode_is_sent_without_its_decimal() -> None:
    df = lines(total=[1.0, None, 2.0], zip=[2000.0, np.nan, 4000.0], country=["AU", None, "AU"])
    events = df.seeka.to_events()
    assert events_by_id(events)["A"]["id"]["address"][0]["postcode"] == "2000"
    text = lines(total=[1.0, None, 2.0], zip=["400081.0", None, "'02134"])
    evs = events_by_id(text.seeka.to_events())
    assert evs["A"]["id"]["address"][0]["postcode"] == "400081"
    assert evs["B"]["id"]["address"][0]["postcode"] == "02134"


def test_clean_float_ids_raise_no_float_identifier_warning() -> None:
    df = pd.DataFrame(
        {
            "order_id": [1001.0, 1002.0, np.nan],  # NaN upcast: what pandas does, not the data
            "created_at": ["2025-01-01T10:00:00Z"] * 3,
            "total": [1.0, 2.0, 3.0],
            "currency": ["USD"] * 3,
        }
    )
    events = df.seeka.to_events()
    assert events.activity_ids == ["1001", "1002"]
    assert "float_identifier" not in codes(events)
    text = df.assign(order_id=["1001.0", "1002", None])
    assert issue_rows(text.seeka.to_events(), "float_identifier") == [0]
