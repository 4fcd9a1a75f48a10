"""Sustained throughput of the sandbox on loopback, so send benchmarks know it is not
their bottleneck.

Several client threads post 20-event bodies over httpx keep-alive connections, rate limit
off, for a fixed time; every answer must be 202.  Two set-ups are measured:

* embedded - the sandbox runs in this process (as in tests and notebooks), sharing the
  GIL with the clients;
* separate process - ``python -m seeka_nb.adapters.sandbox.cli`` in a child process.

Run:  python benchmarks/bench_sandbox.py [--threads 4] [--seconds 3] [--events 20]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import httpx

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from seeka_nb.adapters.sandbox import Sandbox, check_body  # noqa: E402

HEADERS = {
    "Content-Type": "application/json",
    "X-OrgId": "bench-org",
    "X-Converge-Key": "bench-key-0000000000",
    "X-Sdk-Client-Type": "bench/server",
    "X-Sdk-Client-Version": "0.0.0",
}


def make_event(activity_id: str) -> dict:
    """A realistic Order event (identity, address, consent, two products)."""
    return {
        "ev": {
            "id": {
                "seekaPId": "sk.1.1709215400100.4182463348",
                "email": ["jane.doe@gmail.com"],
                "phone": ["+61422333444"],
                "firstName": ["Jane"],
                "lastName": ["Doe"],
                "address": [
                    {
                        "addressLine1": "Shop 6",
                        "locality": "Mermaid Waters",
                        "state": "Queensland",
                        "postcode": "4218",
                        "countryCode": "AU",
                    }
                ],
                "dob": ["1991-04-24"],
            },
            "payload": {
                "activityName": "Order",
                "activityId": activity_id,
                "time": "2025-02-24T14:15:22Z",
                "commerce": {
                    "products": [
                        {
                            "productIdentifier": 12345,
                            "variantIdentifier": 1454854719669,
                            "sku": "AU5121",
                            "productName": "Long neck t-shirt",
                            "unitPrice": 42,
                            "quantity": 2,
                        },
                        {"sku": "AU5122", "productName": "Socks", "unitPrice": 9.5, "quantity": 1},
                    ],
                    "orderNumber": activity_id,
                    "currencyCode": "USD",
                    "totalPrice": 93.5,
                },
            },
        }
    }


def make_bodies(count: int, events: int) -> list[bytes]:
    bodies = []
    for b in range(count):
        body = {"data": [make_event(f"order-{b}-{e}") for e in range(events)]}
        assert not [p for p in check_body(body) if p.severity == "error"]
        bodies.append(json.dumps(body).encode())
    return bodies


def hammer(
    ingest_url: str, bodies: list[bytes], threads: int, seconds: float
) -> tuple[int, Counter]:
    """Post from ``threads`` keep-alive clients for ``seconds``; (requests, statuses)."""
    stop = threading.Event()
    counts: list[Counter] = [Counter() for _ in range(threads)]

    def worker(n: int) -> None:
        with httpx.Client(headers=HEADERS, timeout=30) as client:
            i = n
            while not stop.is_set():
                response = client.post(ingest_url, content=bodies[i % len(bodies)])
                counts[n][response.status_code] += 1
                i += threads

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    time.sleep(seconds)
    stop.set()
    for w in workers:
        w.join()
    total: Counter = sum(counts, Counter())
    return sum(total.values()), total


def measure(label: str, ingest_url: str, args: argparse.Namespace, bodies: list[bytes]) -> None:
    hammer(ingest_url, bodies, args.threads, 0.5)  # warm-up
    started = time.perf_counter()
    n, statuses = hammer(ingest_url, bodies, args.threads, args.seconds)
    elapsed = time.perf_counter() - started
    rps = n / elapsed
    others = {k: v for k, v in statuses.items() if k != 202}
    print(
        f"{label:<26} {rps:8.0f} requests/s  {rps * args.events:9.0f} events/s"
        f"  ({n} requests, non-202: {others or 'none'})",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--events", type=int, default=20)
    args = parser.parse_args()
    bodies = make_bodies(200, args.events)
    print(
        f"sandbox benchmark: {args.threads} client threads, httpx keep-alive, "
        f"{args.events} events/request ({len(bodies[0])} bytes), rate limit off, "
        f"{args.seconds:g} s per run, python {sys.version.split()[0]}, {os.cpu_count()} CPUs",
        flush=True,
    )
    with Sandbox(rate_limit=None) as sb:
        measure("embedded (same process)", sb.ingest_url, args, bodies)

    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "seeka_nb.adapters.sandbox.cli", "--port", "0"]
    server = subprocess.Popen(
        [*command, "--rate-limit", "0"], stdout=subprocess.PIPE, text=True, env=env
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().strip()
        measure("separate process", f"{url}/api/ingest", args, bodies)
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
