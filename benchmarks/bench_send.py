"""Benchmark: sending to the sandbox on loopback, against a hand-written httpx loop.

Run by hand:  python benchmarks/bench_send.py [--orders 20000] [--paced-requests 300]

(a) unthrottled: our client (rate=None, default concurrency, with and without the ledger)
    vs. a minimal synchronous httpx loop posting the same pre-encoded bodies, both to a
    sandbox in its own process with rate limiting off.  Targets: within 1.5x of the loop,
    >= 10,000 events/s.
(b) paced: a sandbox answering after 150 ms with a 30 requests/s limit; our defaults with
    rate=30.  Target: >= 90 % of 600 events/s and zero 429s.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pandas as pd

import seeka_nb  # noqa: F401  (registers df.seeka)
from seeka_nb import Credentials


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def sandbox_process(*args: str):
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "seeka_nb.cli", "sandbox", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = proc.stdout.readline().strip()  # the sandbox prints its URL first
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def orders(n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"B{i:07d}" for i in range(n)],
            "created_at": "2025-01-01T00:00:00Z",
            "email": [f"c{i % 5000}@example.com" for i in range(n)],
            "sku": "SKU-1",
            "price": 19.99,
            "qty": 1,
            "currency": "USD",
        }
    )


def stats(url: str) -> dict:
    return httpx.get(url + "/_sandbox/stats").json()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--orders", type=int, default=20_000)
    ap.add_argument("--paced-requests", type=int, default=300)
    args = ap.parse_args()
    events = orders(args.orders).seeka.to_events()
    bodies = list(events.encoded_batches())
    n = len(events)
    print(f"{n:,} orders, {len(bodies):,} request bodies of <= 20 events")

    # (a) unthrottled
    with sandbox_process("--rate-limit", "0") as url:
        creds = Credentials("bench-org", "bench-key-000000000", endpoint=url)
        headers = creds.headers()
        t0 = time.perf_counter()
        with httpx.Client() as client:
            for body in bodies:
                assert client.post(creds.endpoint, content=body, headers=headers).status_code == 202
        loop_s = time.perf_counter() - t0
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            r1 = events.send(creds, ledger=False, rate=None, resend="all", progress=False)
            ours_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            r2 = events.send(
                creds, ledger=Path(tmp) / "l.sqlite", rate=None, resend="all", progress=False
            )
            ledger_s = time.perf_counter() - t0
        assert r1.counts["sent"] == n and r2.counts["sent"] == n
    loop_rate, ours, ours_l = n / loop_s, n / ours_s, n / ledger_s
    print(f"(a) hand-written httpx loop: {loop_rate:,.0f} events/s ({loop_s:.2f}s)")
    print(
        f"    seeka_nb, no ledger:     {ours:,.0f} events/s ({ours_s:.2f}s) = "
        f"{ours / loop_rate:.2f}x the loop"
    )
    print(
        f"    seeka_nb, with ledger:   {ours_l:,.0f} events/s ({ledger_s:.2f}s) = "
        f"{ours_l / loop_rate:.2f}x the loop"
    )
    print(
        "    target: >= 1/1.5 = 0.67x the loop and >= 10,000 events/s ->",
        "OK" if min(ours, ours_l) >= loop_rate / 1.5 and min(ours, ours_l) >= 10_000 else "MISSED",
    )

    # (b) paced: 150 ms latency, 30 requests/s limit, our defaults with rate=30
    m = args.paced_requests * 20
    paced = orders(m).seeka.to_events()
    with sandbox_process("--rate-limit", "30", "--latency", "0.15") as url:
        creds = Credentials("bench-org", "bench-key-000000000", endpoint=url)
        t0 = time.perf_counter()
        report = paced.send(creds, ledger=False, rate=30, progress=False)
        paced_s = time.perf_counter() - t0
        s = stats(url)
    rate = report.counts["sent"] / paced_s
    print(
        f"(b) 150 ms latency, limit 30 req/s, rate=30: {rate:,.0f} events/s "
        f"({rate / 600:.1%} of 600), {s['by_status'].get('429', 0)} x 429, "
        f"{report.counts['sent']:,} sent in {paced_s:.1f}s"
    )
    print(
        "    target: >= 90% of 600 events/s with zero 429s ->",
        "OK" if rate >= 540 and not s["by_status"].get("429") else "MISSED",
    )


if __name__ == "__main__":
    main()
