"""Benchmark: 1,000,000 line items → validated events → every request body encoded.

Run by hand:  python benchmarks/bench_to_events.py [--lines 1000000] [--ref-lines 100000]
              [--profile 25]

Prints the time of ``df.seeka.to_events()`` and of encoding all bodies, peak RSS, and the
rate against a straightforward row-loop converter measured in the same run on a slice.
Also the CPU seconds of this process and of the phone helper process (``PhonePool``), and
the load average before and after: on a shared machine a load above the number of cores
inflates every timing (the ratio, measured in the same run, less so).  ``--profile N``
runs the conversion and the encoding once more under cProfile and prints the top ``N``
functions by own time.  Targets (issue 17, 2 cores): ≤ 3.0 s for 1M lines, ≥ 25× the
row-loop rate, peak RSS ≤ 1.5 GB.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import time

import numpy as np
import orjson
import pandas as pd
import phonenumbers

import seeka_nb  # noqa: F401  (registers df.seeka)


def _valid_phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Australian mobile numbers that phonenumbers accepts as valid (not timed)."""
    out: list[str] = []
    while len(out) < n:
        for v in rng.integers(0, 10**8, 2 * n):
            text = f"+61 4{v // 10**6:02d} {v // 1000 % 1000:03d} {v % 1000:03d}"
            if phonenumbers.is_valid_number(phonenumbers.parse(text)):
                out.append(text)
                if len(out) == n:
                    break
    return np.array(out, dtype=object)


def make_orders(n_lines: int, seed: int = 7) -> pd.DataFrame:
    """Synthetic line items: ~3 lines per order, 50k customers with emails and phones."""
    rng = np.random.default_rng(seed)
    n_orders = n_lines // 3
    n_customers = 50_000
    per_order = rng.integers(1, 6, size=n_orders)
    per_order = np.maximum(1, (per_order * n_lines / per_order.sum()).round().astype(int))
    order = np.repeat(np.arange(n_orders), per_order)[:n_lines]
    if order.size < n_lines:
        order = np.concatenate([order, np.full(n_lines - order.size, n_orders - 1)])
    cust = rng.integers(0, n_customers, size=n_orders)[order]
    base = np.datetime64("2024-01-01T00:00:00") + rng.integers(0, 365 * 86400, n_orders)[order]
    phones = _valid_phones(rng, n_customers)
    sku = rng.integers(0, 5_000, n_lines)
    return pd.DataFrame(
        {
            "order_id": (100_000 + order).astype(str),
            "created_at": pd.to_datetime(base).tz_localize("UTC"),
            "email": pd.array(
                [f"customer{c}@example.com" for c in range(n_customers)], dtype="str"
            )[cust],
            "phone": pd.array(phones, dtype="str")[cust],
            "first_name": pd.array([f"First{c % 997}" for c in range(n_customers)], dtype="str")[
                cust
            ],
            "country": "AU",
            "currency": "AUD",
            "sku": pd.array([f"SKU-{s:05d}" for s in range(5_000)], dtype="str")[sku],
            "product_name": pd.array([f"Product {s}" for s in range(5_000)], dtype="str")[sku],
            "price": np.round(rng.uniform(1, 200, n_lines), 2),
            "qty": rng.integers(1, 5, n_lines),
        }
    )


def row_loop_reference(df: pd.DataFrame) -> list[bytes]:
    """What a careful analyst writes by hand: one dict per row, grouped, then encoded."""
    orders: dict[str, dict] = {}
    for _, row in df.iterrows():
        oid = str(row["order_id"]).strip()
        ev = orders.get(oid)
        if ev is None:
            ident = {"email": [row["email"].strip().lower()]}
            p = phonenumbers.parse(row["phone"], row["country"])
            if phonenumbers.is_valid_number(p):
                ident["phone"] = [
                    phonenumbers.format_number(p, phonenumbers.PhoneNumberFormat.E164)
                ]
            ident["firstName"] = [row["first_name"].strip()]
            ident["address"] = [{"countryCode": row["country"]}]
            ev = {
                "ev": {
                    "id": ident,
                    "payload": {
                        "activityName": "Order",
                        "activityId": oid,
                        "time": row["created_at"].tz_convert("UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "commerce": {
                            "currencyCode": row["currency"],
                            "totalPrice": 0.0,
                            "products": [],
                        },
                    },
                }
            }
            orders[oid] = ev
        com = ev["ev"]["payload"]["commerce"]
        com["products"].append(
            {
                "currencyCode": row["currency"],
                "sku": row["sku"],
                "productName": row["product_name"],
                "unitPrice": round(float(row["price"]), 2),
                "quantity": int(row["qty"]),
            }
        )
        com["totalPrice"] = round(com["totalPrice"] + float(row["price"]) * int(row["qty"]), 2)
    events = list(orders.values())
    return [orjson.dumps({"data": events[i : i + 20]}) for i in range(0, len(events), 20)]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--ref-lines", type=int, default=100_000)
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    args = ap.parse_args()
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))

    t0 = time.perf_counter()
    df = make_orders(args.lines)
    t_gen = time.perf_counter() - t0
    print(
        f"generated {len(df):,} lines, {df['order_id'].nunique():,} orders, "
        f"{df['email'].nunique():,} customers in {t_gen:.1f}s"
    )

    c0, t0 = time.process_time(), time.perf_counter()
    events = df.seeka.to_events()
    t_conv = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_bodies = n_bytes = 0
    for body in events.encoded_batches():
        n_bodies += 1
        n_bytes += len(body)
    t_enc = time.perf_counter() - t0
    cpu = time.process_time() - c0
    helper = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = t_conv + t_enc
    s = events.summary()
    print(
        f"to_events: {t_conv:.2f}s  encode {n_bodies:,} bodies ({n_bytes / 1e6:.0f} MB): "
        f"{t_enc:.2f}s  total {total:.2f}s  ({len(events):,} events, "
        f"{s['issues']['error']} errors, {s['issues']['warning']} warnings)"
    )
    print(
        f"CPU: this process {cpu:.2f}s, phone helper process "
        f"{helper.ru_utime + helper.ru_stime:.2f}s"
    )
    rate = args.lines / total

    ref = df.iloc[: args.ref_lines]
    t0 = time.perf_counter()
    ref_bodies = row_loop_reference(ref)
    t_ref = time.perf_counter() - t0
    ref_rate = len(ref) / t_ref
    print(f"row-loop reference: {len(ref):,} lines -> {len(ref_bodies):,} bodies in {t_ref:.2f}s")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"rate: {rate:,.0f} lines/s vs row loop {ref_rate:,.0f} lines/s = "
        f"{rate / ref_rate:.1f}x ; peak RSS {rss:,.0f} MB"
    )
    print(
        "targets: total <= 3.0 s, >= 25x, RSS <= 1500 MB ->",
        "OK" if total <= 3.0 and rate / ref_rate >= 25 and rss <= 1500 else "MISSED",
    )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in df.seeka.to_events().encoded_batches():
            pass
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(args.profile)


if __name__ == "__main__":
    main()
