"""One test per quirk of the real exports, named after it (issue 3)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

from test_real_exports import _utc, by_key, convert, raw_rows, sent

import seeka_nb

OKS = "shopify_orders_export_oks234.csv"
PARAM = "shopify_orders_export_paramxjyot_head.csv"
BIBI = "shopify_orders_export_bibiwatson_excel_resaved_head.csv"
UCI = "uci_online_retail_FatymaHassan_head.csv"
WOO = "woocommerce_api_orders_shoaibmt.csv"
TN = "tiendanube_ventas_Contak-cpu.csv"


def test_line_items_spread_over_rows_with_order_fields_on_the_first_row_only(
    real_data: Path,
) -> None:
    orders = by_key(raw_rows(real_data / OKS), "Name")
    multi = {n: rs for n, rs in orders.items() if len(rs) > 1 and not rs[1]["Total"]}
    assert len(multi) > 50  # the quirk is really there
    got = sent(convert(real_data, OKS))
    for rs in multi.values():
        if rs[0]["Cancelled at"] or rs[0]["Financial Status"] == "refunded":
            continue
        ev = got[rs[0]["Id"]]
        assert len(ev["payload"]["commerce"]["products"]) == len(rs)
        assert ev["payload"]["commerce"]["totalPrice"] == float(rs[0]["Total"])


def test_continuation_rows_never_pick_up_another_orders_customer(real_data: Path) -> None:
    orders = by_key(raw_rows(real_data / PARAM), "Name")
    got = sent(convert(real_data, PARAM))
    checked = 0
    for rs in orders.values():
        ev = got.get(rs[0]["Id"])
        if ev is None:
            continue
        own = {r["Email"].strip().lower() for r in rs if r["Email"].strip()}
        assert set(ev["id"].get("email", [])) == own
        checked += 1
    assert checked > 1000


def test_utc_offsets_that_change_with_daylight_saving(real_data: Path) -> None:
    rows = raw_rows(real_data / OKS)
    winter = next(r for r in rows if r["Created at"].endswith("-0500") and r["Id"])
    summer = next(r for r in rows if r["Created at"].endswith("-0400") and r["Id"])
    got = sent(convert(real_data, OKS))
    for row in (winter, summer):
        assert got[row["Id"]]["payload"]["time"] == _utc(row["Created at"], "%Y-%m-%d %H:%M:%S %z")
    # the same wall clock hour is a different UTC hour in winter and in summer
    assert winter["Created at"][-5:] != summer["Created at"][-5:]


def test_shopify_order_across_a_dst_change_converts_to_the_right_instant(
    real_data: Path,
) -> None:
    # The spreadsheet re-save lost the offsets; the file spans Jan-Dec 2023 in Toronto, so
    # the same local clock is UTC-5 in winter and UTC-4 in summer.
    rows = raw_rows(real_data / BIBI)
    by_name = {
        ev["payload"]["commerce"]["orderNumber"]: ev
        for ev in sent(convert(real_data, BIBI)).values()
    }
    zone = ZoneInfo("America/Toronto")
    offsets = set()
    for row in rows:
        if not row["Created at"] or row["Name"] not in by_name:
            continue
        local = dt.datetime.strptime(row["Created at"], "%d/%m/%Y %H:%M").replace(tzinfo=zone)
        offsets.add(local.utcoffset())
        expected = local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert by_name[row["Name"]]["payload"]["time"] == expected, row["Name"]
    assert offsets == {dt.timedelta(hours=-5), dt.timedelta(hours=-4)}
    assert by_name["#4087"]["payload"]["time"] == "2024-01-01T03:36:00Z"  # 31/12 22:36 EST


def test_naive_times_without_tz_are_refused_with_advice(real_data: Path) -> None:
    df = seeka_nb.read_orders(real_data / BIBI)
    try:
        df.seeka.to_events({"totalPrice": None})
    except seeka_nb.ConfigurationError as exc:
        assert "Created at" in str(exc) and "tz=" in str(exc)
    else:  # pragma: no cover - the test fails below
        raise AssertionError("naive times were accepted without tz")


def test_day_first_dates(real_data: Path) -> None:
    rs = by_key(raw_rows(real_data / TN), "Número de orden")["4647"]
    ev = sent(convert(real_data, TN))[rs[0]["Identificador de la orden"]]
    assert rs[0]["Fecha"].startswith("30/09/2025")
    assert ev["payload"]["time"].startswith("2025-10-01T02:51")  # 23:51 in Buenos Aires


def test_month_first_dates(real_data: Path) -> None:
    ev = sent(convert(real_data, UCI))["536365"]
    assert ev["payload"]["time"] == "2010-12-01T08:26:00Z"  # 12/1/10 8:26, GMT in winter


def test_c_prefixed_cancellations_with_negative_quantities(real_data: Path) -> None:
    invoices = by_key(raw_rows(real_data / UCI), "InvoiceNo")
    cancellations = [k for k in invoices if k.startswith("C")]
    assert cancellations and all(int(r["Quantity"]) < 0 for k in cancellations for r in invoices[k])
    events = convert(real_data, UCI)
    assert not set(cancellations) & set(events.activity_ids)
    reasons = events.issues[events.issues["activity_id"].isin(cancellations)]
    assert set(reasons["code"]) == {"cancellation"}  # no negative purchase, no noise
    assert set(reasons["severity"]) == {"excluded"}


def test_orders_without_a_customer_are_warnings_not_crashes(real_data: Path) -> None:
    invoices = by_key(raw_rows(real_data / UCI), "InvoiceNo")
    anonymous = {
        k
        for k, rs in invoices.items()
        if not k.startswith("C") and not any(r["CustomerID"] for r in rs)
    }
    events = convert(real_data, UCI)
    flagged = set(events.issues.loc[events.issues["code"] == "no_identity", "activity_id"])
    assert anonymous and flagged == anonymous
    assert anonymous <= set(events.activity_ids)  # still sent


def test_order_total_repeated_on_every_line_is_not_summed(real_data: Path) -> None:
    orders = by_key(raw_rows(real_data / WOO), "Order ID")
    repeated = {k: rs for k, rs in orders.items() if len(rs) > 1}
    assert repeated
    got = sent(convert(real_data, WOO))
    for k, rs in repeated.items():
        if k in got:
            assert got[k]["payload"]["commerce"]["totalPrice"] == float(rs[0]["Total Amount"])


def test_tips_as_line_items_are_not_products_but_count_in_the_total(real_data: Path) -> None:
    orders = by_key(raw_rows(real_data / PARAM), "Name")
    tipped = {
        n: rs
        for n, rs in orders.items()
        if any(r["Lineitem name"] == "Tip" for r in rs) and not rs[0]["Cancelled at"]
    }
    assert tipped
    events = convert(real_data, PARAM)
    got = sent(events)
    for rs in tipped.values():
        products = got[rs[0]["Id"]]["payload"]["commerce"]["products"]
        assert "Tip" not in [p["productName"] for p in products]
    ids = {rs[0]["Id"] for rs in tipped.values()}
    mismatches = events.issues[events.issues["code"] == "total_mismatch"]
    assert not ids & set(mismatches["activity_id"])  # tips reconcile the totals


def test_postage_as_line_items_becomes_shipping(real_data: Path) -> None:
    invoices = by_key(raw_rows(real_data / UCI), "InvoiceNo")
    posted = {
        k: rs
        for k, rs in invoices.items()
        if not k.startswith("C") and any(r["StockCode"] == "POST" for r in rs)
    }
    assert posted
    got = sent(convert(real_data, UCI))
    for k, rs in posted.items():
        com = got[k]["payload"]["commerce"]
        postage = sum(
            float(r["UnitPrice"]) * int(r["Quantity"]) for r in rs if r["StockCode"] == "POST"
        )
        assert com["totalShippingPrice"] == round(postage, 2)
        assert "POST" not in [p["sku"] for p in com["products"]]


def test_several_discount_codes_in_one_cell(real_data: Path) -> None:
    orders = by_key(raw_rows(real_data / OKS), "Name")
    multi = {n: rs for n, rs in orders.items() if " + " in rs[0]["Discount Code"]}
    assert multi
    events = convert(real_data, OKS)
    got = sent(events)
    for rs in multi.values():
        if rs[0]["Cancelled at"] or rs[0]["Financial Status"] == "refunded":
            continue
        assert got[rs[0]["Id"]]["payload"]["commerce"]["totalPrice"] == float(rs[0]["Total"])
    assert events.issues[events.issues["code"] == "total_mismatch"].empty


def test_latin1_text_with_semicolon_delimiters(real_data: Path) -> None:
    df = seeka_nb.read_orders(real_data / TN)
    assert df.attrs["seeka_nb"]["delimiter"] == ";"
    assert "Número de orden" in df.columns
    names = {
        p["productName"]
        for ev in sent(convert(real_data, TN)).values()
        for p in ev["payload"]["commerce"]["products"]
    }
    assert "Serum Anticaída Skinfinity - Formula Original" in names


def test_spreadsheet_resave_with_crlf_and_bare_lf_inside_cells(real_data: Path) -> None:
    raw = (real_data / BIBI).read_bytes()
    assert b"\r\n" in raw and raw.count(b"\n") > raw.count(b"\r\n")
    rows = raw_rows(real_data / BIBI)
    events = convert(real_data, BIBI)
    assert events.summary()["rows"] == len(rows)
    assert events.summary()["orders"] == len(by_key(rows, "Name"))


def test_zips_keep_leading_zeros(real_data: Path) -> None:
    rows = raw_rows(real_data / PARAM)
    row = next(
        r for r in rows if r["Billing Zip"].startswith("'0") and r["Id"] and not r["Cancelled at"]
    )
    ev = sent(convert(real_data, PARAM))[row["Id"]]
    assert ev["id"]["address"][0]["postcode"] == row["Billing Zip"][1:]
    assert ev["id"]["address"][0]["postcode"].startswith("0")


def test_unknown_layout_lists_columns_and_missing_fields(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("colour;size\nred;M\n", encoding="utf-8")
    df = seeka_nb.read_orders(path)
    try:
        df.seeka.to_events()
    except seeka_nb.MappingError as exc:
        text = str(exc)
        assert "activityId" in text and "time" in text and "'colour'" in text
    else:  # pragma: no cover
        raise AssertionError("an unknown layout converted")
