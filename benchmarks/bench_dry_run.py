"""Benchmark: a dry run of one-line orders (``events.send(dry_run=True, ledger=False)``).

Run by hand:  python benchmarks/bench_dry_run.py [--orders 1000000]

Prints the time of ``to_events`` and of the dry run, and peak RSS.  Target (issue 17,
2 cores): the dry run of 1M orders ≤ 10 s, peak RSS ≤ 2 GB.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np
import pandas as pd

import seeka_nb


def make_orders(n: int, seed: int = 3) -> pd.DataFrame:
    """One line per order, 50k customers (by email)."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2024-01-01", tz="UTC")
    return pd.DataFrame(
        {
            "order_id": np.arange(n).astype(str),
            "created_at": start + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
            "email": pd.array([f"c{i % 50_000}@example.com" for i in range(n)], dtype="str"),
            "currency": "AUD",
            "sku": "SKU-1",
            "price": np.round(rng.uniform(1, 100, n), 2),
            "qty": 1,
        }
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=1_000_000)
    args = ap.parse_args()
    print("load average before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    df = make_orders(args.orders)
    creds = seeka_nb.Credentials(org_id="org_bench", public_key="pk_bench_" + "0" * 32)
    t0 = time.perf_counter()
    events = df.seeka.to_events()
    t1 = time.perf_counter()
    report = events.send(creds, dry_run=True, ledger=False)
    t2 = time.perf_counter()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"to_events {t1 - t0:.2f}s  dry run {t2 - t1:.2f}s  "
        f"({len(report.bodies):,} bodies, {report.counts['dry_run']:,} orders)  "
        f"peak RSS {rss:,.0f} MB"
    )
    print(
        "targets: dry run <= 10 s, RSS <= 2000 MB ->",
        "OK" if t2 - t1 <= 10 and rss <= 2000 else "MISSED",
    )
    print("load average after: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
