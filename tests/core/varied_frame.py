"""A varied order table with a fixed seed, for the byte-for-byte and row-loop guards.

Products with and without SKUs/brands, identities complete, partial, invalid and absent,
consent strings on some orders, AUD/USD/EUR/JPY (and a lower-case ``jpy``), prices with
half-cent ties, unreadable times and unknown countries: every body pattern the encoder
knows.  Built from numpy's seeded generator only, so the same on every machine.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VALID_TC = "CQSbk4AQSbk4AAKADBENCWFgAMIAAAAAAAYgABuAAAAA.IABu"


def varied_frame(n_lines: int = 900, seed: int = 20261130) -> pd.DataFrame:
    """About ``n_lines // 3`` orders of one to several lines (see the module docstring)."""
    rng = np.random.default_rng(seed)
    n_orders = n_lines // 3
    order = np.sort(rng.integers(0, n_orders, n_lines))

    def pick(options: list, size: int = n_lines, p: list | None = None) -> np.ndarray:
        return np.array(options, dtype=object)[rng.choice(len(options), size=size, p=p)]

    per_order = lambda col: col[order]  # noqa: E731
    emails = pick(
        [
            "Ann@Example.com",
            "bob@example.org",
            " tést@gmail.com ",
            "a..b@example.com",
            None,
            "x.y+tag@sub.example.co.uk",
            "user@münchen.de",
            "",
        ],
        n_orders,
    )
    phones = pick(
        [
            "0412 345 678",
            "+1 415 555 2671",
            "+81 3-1234-5678",
            "+81 90 1234 5678",
            "12",
            None,
            "00 61 412 345 679",
            "'+61412345680",
        ],
        n_orders,
    )
    country = pick(
        ["AU", "US", "JP", "Japan", "GB", None, "Narnia"],
        n_orders,
        p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.08, 0.02],
    )
    currency = pick(
        ["AUD", "USD", "JPY", "jpy", "EUR", None, "XXX"],
        n_orders,
        p=[0.25, 0.2, 0.25, 0.05, 0.15, 0.05, 0.05],
    )
    tz = pick(["Z", "+10:00", "-05:00", ""], n_orders)
    secs = rng.integers(0, 365 * 86400, n_orders)
    base = pd.Timestamp("2025-01-01") + pd.to_timedelta(secs, unit="s")
    times = np.array([f"{b.isoformat()}{z}" for b, z in zip(base, tz, strict=True)], dtype=object)
    times[rng.random(n_orders) < 0.02] = "not a date"
    sku_n = rng.integers(0, 40, n_lines)
    price = np.round(rng.uniform(0, 300, n_lines), 2)
    price[rng.random(n_lines) < 0.2] += 0.005
    price[rng.random(n_lines) < 0.03] = np.nan
    return pd.DataFrame(
        {
            "order_id": (7000 + order).astype(str),
            "created_at": per_order(times),
            "email": per_order(emails),
            "phone": per_order(phones),
            "first_name": per_order(pick(["Ann", " Bob  Lee ", "Zoë", None, "李"], n_orders)),
            "last_name": per_order(pick(["Smith", "O'Neil", None], n_orders)),
            "address1": per_order(pick(["1 Main St", '2 "Quoted" Rd', None], n_orders)),
            "city": per_order(pick(["Sydney", "Tōkyō", None], n_orders)),
            "postcode": per_order(pick(["2000", "'02134", "400081.0", None], n_orders)),
            "country": per_order(country),
            "currency": per_order(currency),
            "tcf": per_order(pick([VALID_TC, None, None], n_orders)),
            "customer_id": per_order(pick(["C1", "C2", None, "C\u00e9\n3"], n_orders)),
            "payment": per_order(pick(["card", "PayPal", None], n_orders)),
            "sku": np.array([f"SKU-{s:03d}" if s % 7 else None for s in sku_n], dtype=object),
            "product_name": np.array([f"Product “{s}” ✓" for s in sku_n], dtype=object),
            "product_id": sku_n * 1001,
            "brand": pick(["Acme", None, "Ünï"]),
            "price": price,
            "qty": rng.integers(1, 5, n_lines),
            "tax": per_order(np.round(rng.uniform(0, 20, n_orders), 2)),
            "shipping": per_order(pick([0.0, 5.95, np.nan], n_orders)),
        }
    )


MAPPING = {
    "activityId": "order_id",
    "time": "created_at",
    "email": "email",
    "phone": "phone",
    "firstName": "first_name",
    "lastName": "last_name",
    "addressLine1": "address1",
    "locality": "city",
    "postcode": "postcode",
    "countryCode": "country",
    "currencyCode": "currency",
    "tcfConsentString": "tcf",
    "customerIdentifier": "customer_id",
    "paymentMethodName": "payment",
    "sku": "sku",
    "productName": "product_name",
    "productIdentifier": "product_id",
    "brandName": "brand",
    "unitPrice": "price",
    "quantity": "qty",
    "totalTax": "tax",
    "totalShippingPrice": "shipping",
}
