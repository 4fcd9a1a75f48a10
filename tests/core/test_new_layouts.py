"""The layouts issue 11 adds: ``etsy``, ``amazon_seller`` and the Online Retail II header of
``online_retail`` (small frames in their layouts; the real files are in test_real_money)."""

from __future__ import annotations

import pandas as pd
from helpers import events_by_id

import seeka_nb
from seeka_nb.core.presets import detect_preset


def etsy_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Sale Date": ["12/31/2023", "1/2/2023"],
            "Order ID": ["3159107009", "3166878950"],
            "Buyer User ID": ["vv1r2md43svs3b5x", "f34jbrdkyyuolp81"],
            "First Name": ["Rado", "Rendo"],
            "Last Name": ["Quinvar", "Linbelzel"],
            "Number of Items": [1, 2],
            "Street 1": ["815 W 47do", "7522 Dencor"],
            "Ship City": ["ANCHORAGE", "Toronto"],
            "Ship State": ["AK", "ON"],
            "Ship Zipcode": ["6084", "M5V 2T6"],
            "Ship Country": ["United States", "Canada"],
            "Currency": ["USD", "USD"],
            "Order Value": [17, 34],
            "Shipping": [4.13, 4.13],
            "Sales Tax": [0, 0],
            "Order Total": [16.88, 31.26],
            "Status": [None, None],
            "Order Net": [16.12, 28.44],
            "Adjusted Order Total": [0, 0],
        }
    )


def test_etsy_preset_is_recognised_and_converts_order_level_rows() -> None:
    df = etsy_frame()
    assert detect_preset(df.columns) == "etsy"
    assert df.seeka.mapping(preset="generic").columns("time") == ("Sale Date",)
    events = df.seeka.to_events(preset="etsy", tz="America/New_York")
    ev = events_by_id(events)["3159107009"]
    assert ev["payload"]["time"] == "2023-12-31T05:00:00Z"  # midnight in the shop's zone
    com = ev["payload"]["commerce"]
    assert (com["totalPrice"], com["currencyCode"]) == (16.88, "USD")
    assert "products" not in com
    assert com["customerIdentifier"] == "vv1r2md43svs3b5x"


def test_etsy_us_zips_that_lost_their_leading_zero_are_padded() -> None:
    events = etsy_frame().seeka.to_events(preset="etsy", tz="America/New_York")
    evs = events_by_id(events)
    assert evs["3159107009"]["id"]["address"][0]["postcode"] == "06084"
    assert evs["3166878950"]["id"]["address"][0]["postcode"] == "M5V 2T6"  # not US: kept


def test_etsy_needs_a_time_zone() -> None:
    try:
        etsy_frame().seeka.to_events(preset="etsy")
    except seeka_nb.ConfigurationError as exc:
        assert "tz=" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("date-only Sale Date accepted without tz")


def amazon_seller_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "index": [0, 1, 2, 3],
            "Order ID": ["405-1", "171-2", "171-2", "408-3"],
            "Date": ["04-30-22"] * 4,
            "Status": ["Cancelled", "Shipped", "Shipped - Delivered to Buyer", "Shipped"],
            "Fulfilment": ["Merchant"] * 4,
            "Sales Channel ": ["Amazon.in"] * 4,
            "ship-service-level": ["Standard"] * 4,
            "Style": ["SET389", "JNE3781", "J0230", "SET1"],
            "SKU": ["SET389-S", "JNE3781-XL", "J0230-M", "SET1-L"],
            "Category": ["Set", "kurta", "kurta", "Set"],
            "Size": ["S", "XL", "M", "L"],
            "Courier Status": [None, "Shipped", "Shipped", "Shipped"],
            "Qty": [0, 2, 1, 1],
            "currency": [None, "INR", "INR", "INR"],
            "Amount": [None, 812.0, 399.0, 0.125],
            "ship-city": ["MUMBAI", "BENGALURU", "BENGALURU", "PUNE"],
            "ship-state": ["MAHARASHTRA", "KARNATAKA", "KARNATAKA", "MAHARASHTRA"],
            "ship-postal-code": ["400081.0", "560085.0", "560085.0", "411001.0"],
            "ship-country": ["IN"] * 4,
        }
    )


def test_amazon_seller_amount_is_a_line_amount_and_cancelled_rows_are_held_back() -> None:
    df = amazon_seller_frame()
    assert detect_preset(df.columns) == "amazon_seller"
    events = df.seeka.to_events(preset="amazon_seller", tz="Asia/Kolkata")
    assert events.activity_ids == ["171-2", "408-3"]
    held = events.issues[events.issues["severity"] == "excluded"]
    assert held[["activity_id", "code"]].values.tolist() == [["405-1", "cancelled"]]
    com = events_by_id(events)["171-2"]["payload"]["commerce"]
    assert com["totalPrice"] == 1211.0  # 812 (2 units) + 399, not the first line's 812
    assert [(p["sku"], p["unitPrice"], p["quantity"]) for p in com["products"]] == [
        ("JNE3781-XL", 406.0, 2),
        ("J0230-M", 399.0, 1),
    ]
    assert events_by_id(events)["408-3"]["payload"]["commerce"]["totalPrice"] == 0.13  # half up
    address = events_by_id(events)["171-2"]["id"]["address"][0]
    assert address["postcode"] == "560085" and address["countryCode"] == "IN"
    assert events_by_id(events)["171-2"]["payload"]["time"] == "2022-04-29T18:30:00Z"


def online_retail_ii_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Invoice": ["536368", "536367", "536368", "C536379"],
            "StockCode": ["22960", "84879", "POST", "D"],
            "Description": ["JAM MAKING SET", "ALARM CLOCK", "POSTAGE", "Discount"],
            "Quantity": [6, 32, 1, -1],
            "InvoiceDate": [
                "12/1/2010 08:34",
                "12/1/2010 08:34",
                "12/1/2010 08:34",
                "12/1/2010 09:41",
            ],
            "Price": [4.25, 1.69, 18.0, 27.5],
            "Customer ID": ["13047", "13047", "13047", "14527"],
            "Country": ["United Kingdom"] * 4,
        }
    )


def test_online_retail_ii_header_is_recognised_by_preset_and_read_orders(tmp_path) -> None:
    df = online_retail_ii_frame()
    assert detect_preset(df.columns) == "online_retail"
    path = tmp_path / "online_retail_II.csv"
    df.to_csv(path, index=False)
    read = seeka_nb.read_orders(path)
    assert read.attrs["seeka_nb"]["preset"] == "online_retail"
    events = read.seeka.to_events(tz="Europe/London")
    assert events.activity_ids == ["536368", "536367"]
    com = events_by_id(events)["536368"]["payload"]["commerce"]
    assert com["totalPrice"] == 43.5 and com["totalShippingPrice"] == 18.0  # 6 × 4.25 + 18
    assert com["customerIdentifier"] == "13047" and com["currencyCode"] == "GBP"
    # 12/1/2010 is month-first: 1 December (GMT in winter)
    assert events_by_id(events)["536368"]["payload"]["time"] == "2010-12-01T08:34:00Z"
    held = events.issues[events.issues["severity"] == "excluded"]
    assert held["code"].tolist() == ["cancellation"]
