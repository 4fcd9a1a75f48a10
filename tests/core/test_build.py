"""Conversion rules of df.seeka.to_events() (SEEKA_CONTRACT.md and issue 2)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import orjson
import pandas as pd
import pytest
from helpers import codes, events_by_id, find_absent_markers, issue_rows, line_items

from seeka_nb import ConfigurationError, ConsentError, Events, MappingError


def test_line_items_become_one_event_per_order_with_products_in_input_order() -> None:
    events = line_items().seeka.to_events()
    assert isinstance(events, Events)
    assert events.activity_ids == ["A1", "B2", "C3"]
    evs = events_by_id(events)
    assert [p["sku"] for p in evs["A1"]["payload"]["commerce"]["products"]] == ["S1", "S2"]
    assert evs["A1"]["payload"]["commerce"]["products"][1] == {
        "currencyCode": "AUD",
        "sku": "S2",
        "unitPrice": 2.5,
        "quantity": 4,
    }


def test_order_fields_fill_within_the_order_never_across_orders() -> None:
    evs = events_by_id(line_items().seeka.to_events())
    assert evs["A1"]["id"]["email"] == ["ann@example.com"]
    assert evs["B2"]["id"]["email"] == ["bob@example.org"]
    assert "email" not in evs["C3"]["id"]  # C3 has no customer: nothing borrowed from B2
    assert "phone" not in evs["C3"]["id"]


def test_rows_of_one_id_are_grouped_even_when_not_contiguous() -> None:
    df = line_items(order_id=["A1", "B2", "A1", "C3"], currency=["AUD", "USD", "AUD", "EUR"])
    df["created_at"] = ["2025-03-01T10:00:00Z", "2025-03-02T10:00:00Z"] * 2
    events = df.seeka.to_events()
    assert events.activity_ids == ["A1", "B2", "C3"]
    skus = [p["sku"] for p in events_by_id(events)["A1"]["payload"]["commerce"]["products"]]
    assert skus == ["S1", "S3"]
    assert "split_order" in set(events.duplicates()["kind"])


def test_one_row_per_order_without_products() -> None:
    df = pd.DataFrame(
        {
            "Order ID": [5, 6],
            "Order Date": ["2025-01-01T00:00:00Z"] * 2,
            "Total": [12.5, 3],
            "Currency": ["usd", "USD"],
        }
    )
    evs = events_by_id(df.seeka.to_events())
    assert evs["5"]["payload"]["commerce"] == {"currencyCode": "USD", "totalPrice": 12.5}
    assert evs["6"]["payload"]["commerce"]["totalPrice"] == 3


@pytest.mark.parametrize(
    "cell",
    [
        [{"sku": "X", "price": 2, "qty": 3}, {"name": "Y", "unit_price": 1.5, "quantity": 1}],
        '[{"sku": "X", "price": 2, "qty": 3}, {"name": "Y", "unit_price": 1.5, "quantity": 1}]',
    ],
)
def test_products_from_a_list_or_json_column(cell: object) -> None:
    df = pd.DataFrame({"order_id": ["1"], "time": ["2025-01-01T00:00:00Z"], "items": [cell]})
    evs = events_by_id(df.seeka.to_events(currency="EUR"))
    products = evs["1"]["payload"]["commerce"]["products"]
    assert products == [
        {"currencyCode": "EUR", "sku": "X", "unitPrice": 2.0, "quantity": 3},
        {"currencyCode": "EUR", "productName": "Y", "unitPrice": 1.5, "quantity": 1},
    ]
    assert evs["1"]["payload"]["commerce"]["totalPrice"] == 7.5


def test_bad_products_cell_is_an_error_row() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["1", "2"],
            "time": ["2025-01-01T00:00:00Z"] * 2,
            "products": ["not json", '[{"sku": "A"}]'],
        }
    )
    events = df.seeka.to_events()
    assert issue_rows(events, "invalid_products") == [0]
    assert events.activity_ids == ["2"]


def test_float_ids_lose_the_nan_upcast_suffix_and_spaces_are_trimmed() -> None:
    df = pd.DataFrame({"order_id": [12345.0, np.nan, 7.0], "time": ["2025-01-01T00:00:00Z"] * 3})
    events = df.seeka.to_events({"totalPrice": None})
    assert events.activity_ids == ["12345", "7"]
    assert issue_rows(events, "missing_activity_id") == [1]
    df2 = pd.DataFrame({"order_id": [" 1001 ", "1001.0"], "time": ["2025-01-01T00:00:00Z"] * 2})
    ev2 = df2.seeka.to_events({"totalPrice": None})
    assert ev2.activity_ids == ["1001"]
    assert issue_rows(ev2, "float_identifier") == [1]
    assert set(ev2.duplicates()["kind"]) == {"id_hazard"}


def test_identifier_strings_from_float_columns() -> None:
    df = line_items(order_number=[4515222587.0, np.nan, 2.0, 3.0])
    evs = events_by_id(df.seeka.to_events())
    assert evs["A1"]["payload"]["commerce"]["orderNumber"] == "4515222587"


def test_product_identifiers_are_integers() -> None:
    df = line_items(product_id=[12345.0, np.nan, "77", 3], variant_id=[1454854719669] * 4)
    evs = events_by_id(df.seeka.to_events())
    p = evs["A1"]["payload"]["commerce"]["products"]
    assert p[0]["productIdentifier"] == 12345 and type(p[0]["productIdentifier"]) is int
    assert "productIdentifier" not in p[1]
    assert p[1]["variantIdentifier"] == 1454854719669
    assert evs["B2"]["payload"]["commerce"]["products"][0]["productIdentifier"] == 77


def test_times_with_offsets_become_utc_z() -> None:
    evs = events_by_id(line_items().seeka.to_events())
    assert evs["A1"]["payload"]["time"] == "2025-03-01T10:00:00Z"
    assert evs["B2"]["payload"]["time"] == "2025-03-02T14:30:00Z"
    assert evs["C3"]["payload"]["time"] == "2025-03-03T13:59:59Z"


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_aware_datetime_columns_of_any_unit(unit: str) -> None:
    t = pd.Series(pd.to_datetime(["2025-06-01 12:00:00.900"]).tz_localize("Europe/Paris"))
    df = pd.DataFrame({"id": ["x"], "created_at": t.astype(f"datetime64[{unit}, Europe/Paris]")})
    evs = events_by_id(df.seeka.to_events({"activityId": "id", "totalPrice": None}))
    assert evs["x"]["payload"]["time"] == "2025-06-01T10:00:00Z"


def test_naive_times_need_tz_and_the_error_says_so() -> None:
    df = pd.DataFrame({"order_id": ["1"], "created_at": ["2025-01-05 10:11:12"]})
    with pytest.raises(ConfigurationError, match=r"created_at.*tz="):
        df.seeka.to_events({"totalPrice": None})
    evs = events_by_id(df.seeka.to_events({"totalPrice": None}, tz="America/New_York"))
    assert evs["1"]["payload"]["time"] == "2025-01-05T15:11:12Z"
    naive = pd.DataFrame({"order_id": ["1"], "created_at": pd.to_datetime(["2025-01-05 10:11"])})
    with pytest.raises(ConfigurationError, match="tz="):
        naive.seeka.to_events({"totalPrice": None})
    assert events_by_id(naive.seeka.to_events({"totalPrice": None}, tz="UTC"))["1"]["payload"][
        "time"
    ] == ("2025-01-05T10:11:00Z")


def test_unknown_time_zone_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="IANA"):
        line_items().seeka.to_events(tz="Mars/Olympus")


def test_dayfirst() -> None:
    df = pd.DataFrame({"order_id": ["1"], "fecha": ["03/02/2025 10:00"]})
    first = events_by_id(df.seeka.to_events({"totalPrice": None}, tz="UTC", dayfirst=True))
    assert first["1"]["payload"]["time"] == "2025-02-03T10:00:00Z"
    month = events_by_id(df.seeka.to_events({"totalPrice": None}, tz="UTC"))
    assert month["1"]["payload"]["time"] == "2025-03-02T10:00:00Z"


def test_daylight_saving_gaps_and_repeats_are_resolved_and_reported() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["gap", "fold", "ok"],
            "created_at": ["2025-03-30 02:30:00", "2025-10-26 02:30:00", "2025-07-01 12:00:00"],
        }
    )
    events = df.seeka.to_events({"totalPrice": None}, tz="Europe/Berlin")
    evs = events_by_id(events)
    assert evs["gap"]["payload"]["time"] == "2025-03-30T01:00:00Z"  # 03:00 CEST
    assert evs["fold"]["payload"]["time"] == "2025-10-26T00:30:00Z"  # first (CEST) 02:30
    assert evs["ok"]["payload"]["time"] == "2025-07-01T10:00:00Z"
    assert issue_rows(events, "nonexistent_local_time") == [0]
    assert issue_rows(events, "ambiguous_local_time") == [1]


def test_unparseable_time_holds_the_order_back() -> None:
    df = line_items(created_at=["2025-03-01T10:00:00Z", "2025-03-01T10:00:00Z", "soon", None])
    events = df.seeka.to_events()
    assert events.activity_ids == ["A1"]
    assert issue_rows(events, "invalid_time") == [2]
    assert issue_rows(events, "missing_time") == [2, 3]


def test_money_rounds_to_the_currency_minor_units() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["jp", "kw", "us"],
            "time": ["2025-01-01T00:00:00Z"] * 3,
            "currency": ["JPY", "KWD", "USD"],
            "price": [3980.4, 1.23456, 19.999],
            "qty": [1, 1, 1],
        }
    )
    evs = events_by_id(df.seeka.to_events())
    assert evs["jp"]["payload"]["commerce"]["totalPrice"] == 3980
    assert evs["kw"]["payload"]["commerce"]["products"][0]["unitPrice"] == 1.235
    assert evs["us"]["payload"]["commerce"]["totalPrice"] == 20.0


def test_total_is_the_sum_of_lines_when_not_mapped() -> None:
    evs = events_by_id(line_items().seeka.to_events())
    assert evs["A1"]["payload"]["commerce"]["totalPrice"] == 20.0
    assert evs["C3"]["payload"]["commerce"]["totalPrice"] == 10.0


def test_mapped_total_is_sent_as_given_and_a_mismatch_is_a_warning() -> None:
    df = line_items(total=[25.0, None, 99.99, 999.0], shipping=[5.0, None, 0, 0])
    events = df.seeka.to_events()
    evs = events_by_id(events)
    assert evs["A1"]["payload"]["commerce"]["totalPrice"] == 25.0  # 20 + 5 shipping: fine
    assert evs["C3"]["payload"]["commerce"]["totalPrice"] == 999.0
    assert issue_rows(events, "total_mismatch") == [3]
    assert set(events.issues.loc[events.issues.code == "total_mismatch", "severity"]) == {"warning"}


def test_money_strings_with_symbols_and_separators() -> None:
    df = line_items(price=["$1,234.50", "2,5", "€ 99.99", "(5)"])
    events = df.seeka.to_events()
    evs = events_by_id(events)
    assert evs["A1"]["payload"]["commerce"]["products"][0]["unitPrice"] == 1234.5
    assert evs["A1"]["payload"]["commerce"]["products"][1]["unitPrice"] == 2.5
    assert evs["B2"]["payload"]["commerce"]["products"][0]["unitPrice"] == 99.99
    assert issue_rows(events, "negative_price") == [3]


def test_one_currency_per_order() -> None:
    df = line_items(currency=["AUD", "USD", "USD", "EUR"])
    events = df.seeka.to_events()
    assert "A1" not in events.activity_ids
    bad = events.issues[events.issues.code == "conflicting_value"]
    assert bad[["row", "field", "severity"]].values.tolist() == [[1, "currencyCode", "error"]]


def test_invalid_currency_code_is_an_error_and_default_currency_fills_gaps() -> None:
    events = line_items(currency=["AUD", "AUD", "XXQ", None]).seeka.to_events(currency="NZD")
    assert issue_rows(events, "invalid_currency") == [2]
    evs = events_by_id(events)
    assert evs["C3"]["payload"]["commerce"]["currencyCode"] == "NZD"
    with pytest.raises(ConfigurationError, match="ISO 4217"):
        line_items().seeka.to_events(currency="dollars")


def test_no_currency_holds_back_every_order_with_money() -> None:
    df = line_items().drop(columns="currency")
    events = df.seeka.to_events()
    assert issue_rows(events, "missing_currency") == [0, 2, 3]
    assert len(events) == 0
    assert "currency=" in events.issues["message"].iloc[0]
    assert df.seeka.to_events(currency="USD").activity_ids == ["A1", "B2", "C3"]


def test_identity_normalisation() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["1", "1", "2"],
            "time": ["2025-01-01T00:00:00Z"] * 3,
            "email": [" Jane.Doe@GMAIL.com ", "jane.doe@gmail.com", "broken@"],
            "phone": ["0422 333 444", "'+61 422 333 444", "123"],
            "first_name": ["  Jane  ", None, "Bo"],
            "last_name": ["Doe", None, None],
            "dob": ["24/04/1991", None, "not a date"],
            "zip": ["'02134", None, "2000"],
            "country": ["AUS", None, "Australia"],
        }
    )
    events = df.seeka.to_events({"totalPrice": None}, dayfirst=True)
    evs = events_by_id(events)
    one = evs["1"]["id"]
    assert one["email"] == ["jane.doe@gmail.com"]
    assert one["phone"] == ["+61422333444"]
    assert one["firstName"] == ["Jane"] and one["lastName"] == ["Doe"]
    assert one["dob"] == ["1991-04-24"]
    assert one["address"] == [{"postcode": "02134", "country": "AUS", "countryCode": "AU"}]
    assert "email" not in evs["2"]["id"] and "phone" not in evs["2"]["id"]
    assert issue_rows(events, "invalid_email") == [2]
    assert issue_rows(events, "invalid_phone") == [2]
    assert issue_rows(events, "invalid_dob") == [2]
    messages = " ".join(events.issues["message"])
    assert "broken" not in messages and "123" not in messages  # no personal data quoted


def test_several_columns_feed_one_identity_field_in_priority_order() -> None:
    df = pd.DataFrame(
        {
            "id": ["1"],
            "time": ["2025-01-01T00:00:00Z"],
            "Phone": [None],
            "Billing Phone": ["+61 400 000 001"],
            "Shipping Phone": ["+61 400 000 002"],
            "cc": ["AU"],
        }
    )
    mapping = {
        "activityId": "id",
        "phone": ["Phone", "Billing Phone", "Shipping Phone"],
        "countryCode": "cc",
    }
    ev = events_by_id(df.seeka.to_events({**mapping, "totalPrice": None}))["1"]
    assert ev["id"]["phone"] == ["+61400000001", "+61400000002"]


def test_address_sets_from_parallel_column_lists() -> None:
    df = pd.DataFrame(
        {
            "id": ["1"],
            "time": ["2025-01-01T00:00:00Z"],
            "bill_city": ["Sydney"],
            "ship_city": ["Perth"],
            "bill_cc": ["AU"],
            "ship_cc": ["au"],
        }
    )
    mapping = {
        "activityId": "id",
        "locality": ["bill_city", "ship_city"],
        "countryCode": ["bill_cc", "ship_cc"],
    }
    ev = events_by_id(df.seeka.to_events({**mapping, "totalPrice": None}))["1"]
    assert ev["id"]["address"] == [
        {"locality": "Sydney", "countryCode": "AU"},
        {"locality": "Perth", "countryCode": "AU"},
    ]


def test_order_without_identity_is_a_warning_and_still_sent() -> None:
    events = line_items().seeka.to_events({"email": None, "phone": None, "country": None})
    assert set(issue_rows(events, "no_identity")) == {0, 2, 3}
    assert len(events) == 3


def test_seeka_pid_shape_is_a_warning() -> None:
    df = line_items(seekaPId=["sk.1.1709215400100.4182463348", None, "abc", None])
    events = df.seeka.to_events()
    assert issue_rows(events, "seeka_pid_shape") == [2]
    assert events_by_id(events)["B2"]["id"]["seekaPId"] == "abc"


# A valid TCF v2.2 string (policy 4, service-specific, disclosed vendors), made by the
# independent test encoder in tests/core/tc_encoder.py.
VALID_TC = "CQSbk4AQSbk4AAKADBENCWFgAMIAAAAAAAYgABuAAAAA.IABu"


def test_consent_parameter_and_column() -> None:
    events = line_items().seeka.to_events(consent=VALID_TC)
    assert all(e["ev"]["id"]["privacy"] == {"tcfConsentString": VALID_TC} for e in events.to_list())
    with pytest.raises(ConsentError, match="TCF"):
        line_items().seeka.to_events(consent="not a tc string!")
    df = line_items(tcf=[VALID_TC, None, "bad string!", None])
    ev2 = df.seeka.to_events()
    assert issue_rows(ev2, "consent_malformed") == [2]
    assert "B2" not in ev2.activity_ids


def test_outdated_consent_holds_the_order_back(reference_dir) -> None:
    vectors = json.loads((reference_dir / "tcf-vectors.json").read_text())["vectors"]
    old = vectors[0]["tc_string"]  # policy version 2: pre-TCF 2.2
    events = line_items(tcf=[old, None, VALID_TC, None]).seeka.to_events()
    assert issue_rows(events, "consent_policy_version") == [0]
    assert "A1" not in events.activity_ids and "B2" in events.activity_ids
    with pytest.raises(ConsentError, match="policy version"):
        line_items().seeka.to_events(consent=old)


def test_with_consent_fills_only_missing_by_default(reference_dir) -> None:
    vectors = json.loads((reference_dir / "tcf-vectors.json").read_text())["vectors"]
    other = vectors[1]["tc_string"]  # valid, with a warning
    events = line_items(tcf=[VALID_TC, None, None, None]).seeka.to_events()
    filled = events.with_consent(other)
    got = {
        e["ev"]["payload"]["activityId"]: e["ev"]["id"]["privacy"]["tcfConsentString"]
        for e in filled.to_list()
    }
    assert got == {"A1": VALID_TC, "B2": other, "C3": other}
    everyone = events.with_consent(other, only_missing=False)
    assert {e["ev"]["id"]["privacy"]["tcfConsentString"] for e in everyone.to_list()} == {other}
    assert "consent_vendor_list_version" in set(filled.issues["code"])
    assert "consent_vendor_list_version" not in set(events.issues["code"])  # a new object
    with pytest.raises(ConsentError):
        events.with_consent(vectors[0]["tc_string"])


def test_nothing_absent_is_ever_sent() -> None:
    df = line_items(email=[None] * 4, phone=["", " ", None, "nan?"], sku=["S1", None, "", "S4"])
    for event in df.seeka.to_events().to_list():
        assert find_absent_markers(event) == []


def test_the_users_frame_is_never_modified() -> None:
    df = line_items(order_id=[1.0, 1.0, np.nan, 3.0])
    df.attrs["mine"] = {"x": 1}
    before = df.copy(deep=True)
    dtypes = df.dtypes.copy()
    events = df.seeka.to_events()
    events.to_list(), events.duplicates(), events.to_frame()
    pd.testing.assert_frame_equal(df, before)
    assert df.dtypes.equals(dtypes) and df.attrs == {"mine": {"x": 1}}


def test_events_api() -> None:
    events = line_items().seeka.to_events()
    assert len(events) == 3
    parsed = orjson.loads(events.to_json())
    assert parsed == events.to_list()
    assert json.loads(events.preview(1))["data"] == next(events.batches())["data"][:1]
    frame = events.to_frame()
    assert list(frame["activity_id"]) == ["A1", "B2", "C3"]
    assert list(frame["n_products"]) == [2, 1, 1]
    assert list(frame["has_email"]) == [True, True, False]
    assert str(frame["time"].dt.tz) == "UTC"
    s = events.summary()
    assert s["orders"] == 3 and s["to_send"] == 3 and s["line_items"] == 4
    assert s["revenue"] == {"AUD": 20.0, "EUR": 10.0, "USD": 99.99}
    assert "3 orders to send" in repr(events)
    assert "<table" in events._repr_html_()


def test_to_frame_with_held_back_orders() -> None:
    df = line_items(price=[10.0, -1, 5, 5])
    frame = df.seeka.to_events().to_frame(include_held_back=True)
    assert dict(zip(frame["activity_id"], frame["status"], strict=True)) == {
        "A1": "error",
        "B2": "ok",
        "C3": "ok",
    }


def test_every_held_back_order_has_an_issue_saying_why() -> None:
    df = line_items(price=[10.0, -1, "x", 5], created_at=[None, None, None, "2025-01-01T00:00:00Z"])
    events = df.seeka.to_events()
    held = set(events.to_frame(include_held_back=True).query("status != 'ok'")["activity_id"])
    errors = set(events.issues.loc[events.issues.severity == "error", "activity_id"])
    assert held == {"A1", "B2"} and held <= errors


def test_datetime_date_objects_in_an_object_column() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["1"],
            "time": pd.Series(
                [dt.datetime(2025, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))],
                dtype=object,
            ),
        }
    )
    assert (
        events_by_id(df.seeka.to_events({"totalPrice": None}))["1"]["payload"]["time"]
        == "2025-01-01T10:00:00Z"
    )


def test_mapping_view() -> None:
    view = line_items(extra=[1, 2, 3, 4]).seeka.mapping()
    frame = view.to_frame()
    assert dict(zip(frame["field"], frame["columns"], strict=False))["unitPrice"] == "price"
    assert set(frame["source"]) == {"auto"}
    assert view.unused == ("extra",)
    assert "extra" in view._repr_html_() and "unitPrice" in repr(view)


def test_explicit_mapping_overrides_and_none_switches_off() -> None:
    df = line_items(other_price=[1.0, 1.0, 1.0, 1.0])
    view = df.seeka.mapping({"unitPrice": "other_price", "email": None})
    assert view.columns("unitPrice") == ("other_price",)
    assert view.source["unitPrice"] == "explicit"
    assert "email" not in view
    with pytest.raises(MappingError, match="did you mean 'unitPrice'"):
        df.seeka.mapping({"unitprice": "price"})
    with pytest.raises(MappingError, match="not in the DataFrame"):
        df.seeka.mapping({"unitPrice": "prise"})


def test_ambiguity_is_reported_never_resolved_silently() -> None:
    df = line_items(unit_price=[1, 2, 3, 4])  # "price" and "unit_price" both match
    with pytest.raises(MappingError, match=r"unitPrice: several columns.*'price', 'unit_price'"):
        df.seeka.to_events()  # an ambiguous price leaves the orders without a value
    events = df.seeka.to_events({"totalPrice": None})
    assert "unitPrice" not in events.mapping
    assert events.mapping.ambiguous["unitPrice"] == ("price", "unit_price")
    assert issue_rows(events, "ambiguous_column") == [None]
    two_ids = line_items(invoice_no=["x"] * 4)
    with pytest.raises(MappingError, match=r"several columns match.*order_id.*invoice_no"):
        two_ids.seeka.to_events()


def test_a_clean_table_reports_only_the_order_without_customer() -> None:
    events = line_items().seeka.to_events()
    assert codes(events) == {"no_identity"}
    assert issue_rows(events, "no_identity") == [3]


def test_identity_problems_are_reported_before_money_problems_of_the_same_row() -> None:
    """Identity lists are built last (a phone helper gets time), reported in their place."""
    df = pd.DataFrame(
        {
            "order_id": ["1", "2"],
            "time": ["2025-01-01T00:00:00Z"] * 2,
            "email": ["broken@", "a@b.com"],
            "phone": ["123", "+61422333444"],
            "price": ["abc", "3"],
            "currency": ["AUD", "AUD"],
        }
    )
    issues = df.seeka.to_events().issues
    assert issues.loc[issues["row"] == 0, "code"].tolist() == [
        "invalid_email",
        "invalid_phone",
        "invalid_number",
        "total_unknown",
        "no_identity",
    ]
