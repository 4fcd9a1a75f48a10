"""The six real exports in ../shared/data/real: counts, held-back reasons, revenue and named
orders, each checked against values computed here from the raw CSV with the csv module."""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from real_expect import CALLS

import seeka_nb

SHOPIFY_FILES = [
    "shopify_orders_export_oks234.csv",
    "shopify_orders_export_paramxjyot_head.csv",
    "shopify_orders_export_bibiwatson_excel_resaved_head.csv",
]


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The file as the csv module reads it (encoding and delimiter known per file)."""
    if path.name.startswith("tiendanube"):
        with path.open(encoding="latin-1", newline="") as fh:
            return list(csv.DictReader(fh, delimiter=";"))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def by_key(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        out[row[key].strip()].append(row)
    return dict(out)


def cents(value: Decimal, places: str = "0.01") -> float:
    return float(value.quantize(Decimal(places), rounding=ROUND_HALF_UP))


def convert(real_data: Path, name: str) -> seeka_nb.Events:
    df = seeka_nb.read_orders(real_data / name)
    return df.seeka.to_events(**CALLS[name])  # the analyst's call (real_expect.py)


def sent(events: seeka_nb.Events) -> dict[str, dict]:
    return {e["ev"]["payload"]["activityId"]: e["ev"] for e in events.to_list()}


def held_back(events: seeka_nb.Events) -> dict[str, int]:
    issues = events.issues
    held = issues[issues["severity"].isin(["error", "excluded"])]
    return {
        str(k): int(v)
        for k, v in held.groupby("code", observed=True)["activity_id"].nunique().items()
    }


# --- per file: orders, held back by reason, revenue per currency ---------------------------


@pytest.mark.parametrize("name", SHOPIFY_FILES)
def test_shopify_counts_reasons_and_revenue(real_data: Path, name: str) -> None:
    rows = raw_rows(real_data / name)
    orders = by_key(rows, "Name")
    cancelled = {n for n, rs in orders.items() if any(r["Cancelled at"].strip() for r in rs)}
    # fully refunded (by status or amount), voided and pending orders are held back too
    fin = {n: rs[0]["Financial Status"].strip() for n, rs in orders.items()}
    refunded = {
        n
        for n, rs in orders.items()
        if n not in cancelled
        and (
            fin[n] == "refunded"
            or (
                rs[0].get("Total")
                and Decimal(rs[0]["Refunded Amount"] or 0) >= Decimal(rs[0]["Total"]) > 0
            )
        )
    }
    pending = {n for n in orders if fin[n] == "pending" and n not in cancelled}
    not_sent = cancelled | refunded | pending
    events = convert(real_data, name)
    s = events.summary()
    assert s["rows"] == len(rows)
    assert s["orders"] == len(orders)
    assert s["to_send"] == len(orders) - len(not_sent)
    expected = {"cancelled": len(cancelled), "refunded": len(refunded), "pending": len(pending)}
    assert held_back(events) == {k: v for k, v in expected.items() if v}
    if "Total" in rows[0]:
        revenue: dict[str, Decimal] = defaultdict(Decimal)
        for n, rs in orders.items():
            if n not in not_sent:
                revenue[rs[0]["Currency"]] += Decimal(rs[0]["Total"])
        assert s["revenue"] == pytest.approx({c: float(v) for c, v in revenue.items()})
    else:  # the spreadsheet-trimmed variant has no totals and no prices
        assert s["revenue"] == {}
    # every sent order's products are exactly its non-tip line rows, in order
    ids = {n: (rs[0].get("Id") or n) for n, rs in orders.items()}
    got = sent(events)
    for n, rs in list(orders.items())[:200]:
        if n in not_sent:
            assert ids[n] not in got
            continue
        lines = [r for r in rs if r["Lineitem name"].strip().lower() != "tip"]
        names = [p.get("productName") for p in got[ids[n]]["payload"]["commerce"]["products"]]
        assert names == [r["Lineitem name"] for r in lines], n


def test_woocommerce_counts_reasons_and_revenue(real_data: Path) -> None:
    name = "woocommerce_api_orders_shoaibmt.csv"
    orders = by_key(raw_rows(real_data / name), "Order ID")
    reasons = {"failed": "failed", "refunded": "refunded", "cancelled": "cancelled"}
    excluded = {
        k: reasons[rs[0]["Status"]] for k, rs in orders.items() if rs[0]["Status"] in reasons
    }
    events = convert(real_data, name)
    s = events.summary()
    assert (s["orders"], s["to_send"]) == (len(orders), len(orders) - len(excluded))
    assert held_back(events) == {
        r: list(excluded.values()).count(r) for r in set(excluded.values())
    }
    expected = sum(Decimal(rs[0]["Total Amount"]) for k, rs in orders.items() if k not in excluded)
    assert s["revenue"] == pytest.approx({"USD": float(expected)})


def test_online_retail_counts_reasons_and_revenue(real_data: Path) -> None:
    name = "uci_online_retail_FatymaHassan_head.csv"
    invoices = by_key(raw_rows(real_data / name), "InvoiceNo")
    cancellations = {k for k in invoices if k.startswith("C")}
    other = {"D", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "B", "S"}
    events = convert(real_data, name)
    s = events.summary()
    assert (s["orders"], s["to_send"]) == (len(invoices), len(invoices) - len(cancellations))
    assert held_back(events) == {"cancellation": len(cancellations)}
    revenue = Decimal(0)
    for k, rs in invoices.items():
        if k not in cancellations:
            revenue += sum(
                (
                    Decimal(r["UnitPrice"]) * int(r["Quantity"])
                    for r in rs
                    if r["StockCode"] not in other
                ),
                Decimal(0),
            )
    assert s["revenue"]["GBP"] == pytest.approx(float(revenue), abs=0.01)


def test_tiendanube_counts_reasons_and_revenue(real_data: Path) -> None:
    name = "tiendanube_ventas_Contak-cpu.csv"
    orders = by_key(raw_rows(real_data / name), "Número de orden")
    events = convert(real_data, name)
    s = events.summary()
    assert (s["orders"], s["to_send"]) == (len(orders), len(orders))
    assert held_back(events) == {}
    revenue = sum(Decimal(rs[0]["Total"]) for rs in orders.values())
    assert s["revenue"] == pytest.approx({"ARS": float(revenue)})


# --- named orders, field by field ----------------------------------------------------------


def _utc(text: str, fmt: str, tz: str | None = None) -> str:
    t = dt.datetime.strptime(text, fmt)
    if tz is not None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_named_shopify_order(real_data: Path) -> None:
    name = "shopify_orders_export_oks234.csv"
    rs = by_key(raw_rows(real_data / name), "Name")["#1410"]
    ev = sent(convert(real_data, name))[rs[0]["Id"]]
    pay, ident = ev["payload"], ev["id"]
    assert pay["time"] == _utc(rs[0]["Created at"], "%Y-%m-%d %H:%M:%S %z")
    com = pay["commerce"]
    assert com["orderNumber"] == "#1410" and com["currencyCode"] == rs[0]["Currency"]
    assert com["totalPrice"] == float(rs[0]["Total"])
    assert [(p["sku"], p["unitPrice"], p["quantity"]) for p in com["products"]] == [
        (r["Lineitem sku"], float(r["Lineitem price"]), int(r["Lineitem quantity"])) for r in rs
    ]
    assert ident["email"] == [rs[0]["Email"].lower()]
    first, _, last = rs[0]["Billing Name"].partition(" ")
    assert (ident["firstName"], ident["lastName"]) == ([first], [last])
    address = ident["address"][0]
    assert address["locality"] == rs[0]["Billing City"]
    assert address["postcode"] == rs[0]["Billing Zip"].lstrip("'")
    assert address["countryCode"] == rs[0]["Billing Country"]


def test_named_online_retail_invoice(real_data: Path) -> None:
    name = "uci_online_retail_FatymaHassan_head.csv"
    rs = by_key(raw_rows(real_data / name), "InvoiceNo")["536365"]
    ev = sent(convert(real_data, name))["536365"]
    assert ev["payload"]["time"] == _utc(rs[0]["InvoiceDate"], "%m/%d/%y %H:%M", "Europe/London")
    com = ev["payload"]["commerce"]
    assert com["currencyCode"] == "GBP"
    assert com["customerIdentifier"] == rs[0]["CustomerID"]
    assert [(p["sku"], p["quantity"]) for p in com["products"]] == [
        (r["StockCode"], int(r["Quantity"])) for r in rs
    ]
    total = sum(Decimal(r["UnitPrice"]) * int(r["Quantity"]) for r in rs)
    assert com["totalPrice"] == cents(total)
    assert ev["id"]["address"] == [{"country": "United Kingdom", "countryCode": "GB"}]


def test_named_woocommerce_order(real_data: Path) -> None:
    name = "woocommerce_api_orders_shoaibmt.csv"
    rs = by_key(raw_rows(real_data / name), "Order ID")["88601"]
    ev = sent(convert(real_data, name))["88601"]
    assert ev["payload"]["time"] == _utc(
        rs[0]["Date Created"], "%Y-%m-%d %H:%M:%S", "America/New_York"
    )
    com = ev["payload"]["commerce"]
    assert com["totalPrice"] == float(rs[0]["Total Amount"])  # once, not per line
    assert [p["productIdentifier"] for p in com["products"]] == [int(r["Product ID"]) for r in rs]
    assert "customerIdentifier" not in com  # Customer ID 0 = guest
    assert ev["id"]["email"] == [rs[0]["Email"].lower()]


def test_named_tiendanube_order(real_data: Path) -> None:
    name = "tiendanube_ventas_Contak-cpu.csv"
    rs = by_key(raw_rows(real_data / name), "Número de orden")["4644"]
    ev = sent(convert(real_data, name))[rs[0]["Identificador de la orden"]]
    pay = ev["payload"]
    assert pay["time"] == _utc(
        rs[0]["Fecha"], "%d/%m/%Y %H:%M:%S", "America/Argentina/Buenos_Aires"
    )
    com = pay["commerce"]
    assert com["orderNumber"] == "4644" and com["currencyCode"] == "ARS"
    assert com["totalPrice"] == float(rs[0]["Total"])
    assert [p["productName"] for p in com["products"]] == [r["Nombre del producto"] for r in rs]
    assert ev["id"]["address"][0]["countryCode"] == "AR"
    assert ev["id"]["address"][0]["locality"] == rs[0]["Ciudad"]
