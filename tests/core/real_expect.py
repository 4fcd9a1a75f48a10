"""What a careful person expects from each real export, worked out from the raw bytes with the
``csv`` module and ``Decimal`` only — never with seeka_nb (issue 11).

``expect(path)`` returns, per order (keyed by the activity ID it must be sent under): the
reason it is held back (an issue code, or ``None`` when it must be sent), its total to the
cent (``Decimal``, ``None`` when the export states no value), its currency, its UTC time and
its number of products.  ``CALLS`` is the call an analyst makes per file: a preset where one
exists, else the generic preset with a mapping only where auto-detection cannot know.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

#: The exports in ../shared/data/real (``real_data``) and real2 (``real2_data``).
REAL = [
    "shopify_orders_export_oks234.csv",
    "shopify_orders_export_paramxjyot_head.csv",
    "shopify_orders_export_bibiwatson_excel_resaved_head.csv",
    "tiendanube_ventas_Contak-cpu.csv",
    "uci_online_retail_FatymaHassan_head.csv",
    "woocommerce_api_orders_shoaibmt.csv",
]
REAL2 = [
    "shopify_pt_watersports_SuesteCreative.csv",
    "shopify_es_jewellery_AntiquaStore.csv",
    "etsy_sold_orders_2023_Epicrae.csv",
    "amazon_in_seller_sale_report_gkoshyk_head.csv",
    "amazon_ca_buyer_order_history_Jodi22K.csv",
    "online_retail_II_xq2005.csv",
]

#: The analyst's call per file: keyword arguments of ``df.seeka.to_events``.
CALLS: dict[str, dict[str, Any]] = {
    "shopify_orders_export_oks234.csv": {},
    "shopify_orders_export_paramxjyot_head.csv": {},
    # the spreadsheet-trimmed export has no money columns at all: say so
    "shopify_orders_export_bibiwatson_excel_resaved_head.csv": {
        "tz": "America/Toronto",
        "mapping": {"totalPrice": None},
    },
    "tiendanube_ventas_Contak-cpu.csv": {"tz": "America/Argentina/Buenos_Aires"},
    "uci_online_retail_FatymaHassan_head.csv": {"tz": "Europe/London"},
    "woocommerce_api_orders_shoaibmt.csv": {"tz": "America/New_York", "currency": "USD"},
    "shopify_pt_watersports_SuesteCreative.csv": {},
    "shopify_es_jewellery_AntiquaStore.csv": {},
    "etsy_sold_orders_2023_Epicrae.csv": {"tz": "America/New_York"},
    "amazon_in_seller_sale_report_gkoshyk_head.csv": {"tz": "Asia/Kolkata"},
    # the buyer's own history: no preset; Total Owed is the line amount paid
    "amazon_ca_buyer_order_history_Jodi22K.csv": {"mapping": {"lineTotal": "Total Owed"}},
    "online_retail_II_xq2005.csv": {"tz": "Europe/London"},
}
PRESETS = {
    "shopify_orders_export_oks234.csv": "shopify",
    "shopify_orders_export_paramxjyot_head.csv": "shopify",
    "shopify_orders_export_bibiwatson_excel_resaved_head.csv": "shopify",
    "tiendanube_ventas_Contak-cpu.csv": "tiendanube",
    "uci_online_retail_FatymaHassan_head.csv": "online_retail",
    "woocommerce_api_orders_shoaibmt.csv": "woocommerce",
    "shopify_pt_watersports_SuesteCreative.csv": "shopify",
    "shopify_es_jewellery_AntiquaStore.csv": "shopify",
    "etsy_sold_orders_2023_Epicrae.csv": "etsy",
    "amazon_in_seller_sale_report_gkoshyk_head.csv": "amazon_seller",
    "amazon_ca_buyer_order_history_Jodi22K.csv": "generic",
    "online_retail_II_xq2005.csv": "online_retail",
}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Order:
    reason: str | None  # issue code that holds it back; None = sent
    total: Decimal | None
    currency: str | None
    time: str
    products: int


def raw_rows(path: Path) -> list[dict[str, str]]:
    """The file as the csv module reads it (encoding and delimiter known per file)."""
    if path.name.startswith("tiendanube"):
        with path.open(encoding="latin-1", newline="") as fh:
            return list(csv.DictReader(fh, delimiter=";"))
    delimiter = "\t" if path.name.startswith("etsy") else ","
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=delimiter))


def group(rows: list[dict[str, str]], key: str) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        out[row[key].strip()].append(row)
    return dict(out)


def utc(text: str, fmt: str, tz: str | None = None) -> str:
    t = dt.datetime.strptime(text.strip(), fmt)
    if tz is not None:
        t = t.replace(tzinfo=ZoneInfo(tz))
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def money(text: str) -> Decimal:
    return Decimal(text.strip().lstrip("'"))


def first(rows: list[dict[str, str]], column: str) -> str:
    return next((r[column].strip() for r in rows if r[column].strip()), "")


def _shopify(rows: list[dict[str, str]], tz: str | None) -> dict[str, Order]:
    out = {}
    for name, rs in group(rows, "Name").items():
        fin = first(rs, "Financial Status").lower()
        total = money(first(rs, "Total")) if "Total" in rs[0] and first(rs, "Total") else None
        refunded = money(first(rs, "Refunded Amount") or "0")
        if first(rs, "Cancelled at"):
            reason: str | None = "cancelled"
        elif fin == "voided":
            reason = "voided"
        elif fin == "refunded" or (total is not None and total > 0 and refunded >= total):
            reason = "refunded"
        elif fin in ("pending", "authorized", "partially_paid", "unpaid"):
            reason = "pending"
        else:
            reason = None
        created = first(rs, "Created at")
        time = utc(created, "%d/%m/%Y %H:%M", tz) if tz else utc(created, "%Y-%m-%d %H:%M:%S %z")
        lines = [r for r in rs if r["Lineitem name"].strip().lower() != "tip"]
        key = first(rs, "Id") if "Id" in rs[0] and first(rs, "Id") else name
        out[key] = Order(reason, total, first(rs, "Currency"), time, len(lines))
    return out


def _woocommerce(rows: list[dict[str, str]]) -> dict[str, Order]:
    out = {}
    for oid, rs in group(rows, "Order ID").items():
        status = rs[0]["Status"].strip().lower()
        reason = {
            "failed": "failed",
            "cancelled": "cancelled",
            "trash": "cancelled",
            "refunded": "refunded",
            "pending": "pending",
            "on-hold": "pending",
            "draft": "pending",
            "checkout-draft": "pending",
        }.get(status)
        time = utc(rs[0]["Date Created"], "%Y-%m-%d %H:%M:%S", "America/New_York")
        out[oid] = Order(reason, money(rs[0]["Total Amount"]), "USD", time, len(rs))
    return out


def _tiendanube(rows: list[dict[str, str]]) -> dict[str, Order]:
    out = {}
    for _, rs in group(rows, "Número de orden").items():
        order, pay = first(rs, "Estado de la orden").lower(), first(rs, "Estado del pago").lower()
        if order.startswith("cancelad") or first(rs, "Fecha y hora de cancelación"):
            reason: str | None = "cancelled"
        else:
            reason = {"pendiente": "pending", "rechazado": "declined"}.get(pay)
            reason = "abandoned" if pay == "abandonado" else reason
        time = utc(first(rs, "Fecha"), "%d/%m/%Y %H:%M:%S", "America/Argentina/Buenos_Aires")
        products = sum(1 for r in rs if r["Nombre del producto"].strip())
        key = first(rs, "Identificador de la orden")
        out[key] = Order(reason, money(first(rs, "Total")), first(rs, "Moneda"), time, products)
    return out


def _online_retail(rows: list[dict[str, str]], header2: bool) -> dict[str, Order]:
    inv, price, fmt = (
        ("Invoice", "Price", "%m/%d/%Y %H:%M")
        if header2
        else (
            "InvoiceNo",
            "UnitPrice",
            "%m/%d/%y %H:%M",
        )
    )
    postage = {"POST", "DOT", "C2"}
    other = {"D", "M", "BANK CHARGES", "AMAZONFEE", "CRUK", "B", "S"}
    out = {}
    for key, rs in group(rows, inv).items():
        reason = "cancellation" if key.upper().startswith("C") else None
        counted = [r for r in rs if r["StockCode"].strip().upper() not in other]
        total = sum((money(r[price]) * int(r["Quantity"]) for r in counted), Decimal(0))
        products = sum(1 for r in counted if r["StockCode"].strip().upper() not in postage)
        time = utc(rs[0]["InvoiceDate"], fmt, "Europe/London")
        out[key] = Order(reason, total, "GBP", time, products)
    return out


def _etsy(rows: list[dict[str, str]], tz: str) -> dict[str, Order]:
    out = {}
    for row in rows:
        reason = None if not row["Status"].strip() else "unknown_status"
        time = utc(row["Sale Date"], "%m/%d/%Y", tz)
        out[row["Order ID"].strip()] = Order(
            reason, money(row["Order Total"]), row["Currency"].strip(), time, 0
        )
    return out


def _amazon_seller(rows: list[dict[str, str]], tz: str) -> dict[str, Order]:
    out = {}
    for oid, rs in group(rows, "Order ID").items():
        statuses = {r["Status"].strip().lower() for r in rs}
        if any(s == "cancelled" for s in statuses):
            reason: str | None = "cancelled"
        elif any("returned" in s or "rejected by buyer" in s for s in statuses):
            reason = "refunded"
        elif any(s.startswith("pending") for s in statuses):
            reason = "pending"
        else:
            reason = None
        amounts = [r["Amount"].strip() for r in rs]
        total = sum((money(a) for a in amounts if a), Decimal(0)) if all(amounts) else None
        time = utc(rs[0]["Date"], "%m-%d-%y", tz)
        out[oid] = Order(reason, total, first(rs, "currency") or None, time, len(rs))
    return out


def _amazon_buyer(rows: list[dict[str, str]]) -> dict[str, Order]:
    out = {}
    for oid, rs in group(rows, "Order ID").items():
        reason = "cancelled" if first(rs, "Order Status").lower() == "cancelled" else None
        total = sum((money(r["Total Owed"]) for r in rs), Decimal(0))
        stamp = first(rs, "Order Date").replace("Z", "+00:00")
        time = dt.datetime.fromisoformat(stamp).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        out[oid] = Order(reason, total, first(rs, "Currency"), time, len(rs))
    return out


def expect(path: Path) -> dict[str, Order]:
    """Every order of the file as it must come out (see the module docstring)."""
    rows = raw_rows(path)
    name = path.name
    tz = CALLS[name].get("tz")
    if name.startswith("shopify"):
        return _shopify(rows, tz)
    if name.startswith("woocommerce"):
        return _woocommerce(rows)
    if name.startswith("tiendanube"):
        return _tiendanube(rows)
    if name.startswith("uci_online_retail"):
        return _online_retail(rows, header2=False)
    if name.startswith("online_retail_II"):
        return _online_retail(rows, header2=True)
    if name.startswith("etsy"):
        return _etsy(rows, tz)
    if name.startswith("amazon_in_seller"):
        return _amazon_seller(rows, tz)
    if name.startswith("amazon_ca_buyer"):
        return _amazon_buyer(rows)
    raise AssertionError(f"no expectation for {name}")


def key_of(path: Path, name: str) -> str:
    """The activity ID of a Shopify order named ``#1001`` (its ``Id``); others: ``name``."""
    if not path.name.startswith("shopify"):
        return name
    rs = group(raw_rows(path), "Name")[name]
    return first(rs, "Id") if "Id" in rs[0] and first(rs, "Id") else name


def cents(value: Decimal | None) -> float | None:
    """A total as it must appear on the wire: rounded half-up to the cent."""
    return None if value is None else float(value.quantize(CENT, rounding=ROUND_HALF_UP))


def revenue(orders: dict[str, Order]) -> dict[str, float]:
    """Sum of the totals of the orders sent, per currency, to the cent."""
    out: dict[str, Decimal] = defaultdict(Decimal)
    for o in orders.values():
        if o.reason is None and o.total is not None:
            out[o.currency or ""] += o.total.quantize(CENT, rounding=ROUND_HALF_UP)
    return {c: float(v) for c, v in out.items()}


def held_back(orders: dict[str, Order]) -> dict[str, int]:
    """Orders held back, by reason."""
    out: dict[str, int] = defaultdict(int)
    for o in orders.values():
        if o.reason is not None:
            out[o.reason] += 1
    return dict(out)
