"""A separate process that streams an export file to a sandbox (the streamed kill -9 test).

Usage: ``python stream_child.py URL LEDGER CSV CHUNKSIZE [--rate R] [--concurrency C]``.
Prints the report's counts as JSON on its last line (when it is not killed first).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared helpers

from rel_support import KEY, ORG

import seeka_nb
from seeka_nb import Credentials


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("ledger")
    p.add_argument("csv")
    p.add_argument("chunksize", type=int)
    p.add_argument("--rate", type=float, default=None)
    p.add_argument("--concurrency", type=int, default=None)
    a = p.parse_args()
    stream = seeka_nb.stream_orders(a.csv, chunksize=a.chunksize)
    creds = Credentials(ORG, KEY, endpoint=a.url)
    report = stream.send(
        creds, ledger=a.ledger, rate=a.rate, concurrency=a.concurrency, progress=False
    )
    print(json.dumps({"counts": report.counts, "ok": report.ok}))


if __name__ == "__main__":
    main()
