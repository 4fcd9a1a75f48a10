"""A separate process that sends generated orders (kill -9 and concurrent-run tests).

Usage: ``python send_child.py URL LEDGER START STOP [--reverse] [--rate R]
[--concurrency C] [--ready FILE --go FILE]``.  With ``--ready``/``--go`` it builds the events,
creates the ready file, then waits (bounded) for the go file, so that two children start
sending at the same moment.  Prints the report's counts as JSON on its last line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared helpers

from rel_support import KEY, ORG, make_orders

from seeka_nb import Credentials


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("ledger")
    p.add_argument("start", type=int)
    p.add_argument("stop", type=int)
    p.add_argument("--reverse", action="store_true")
    p.add_argument("--rate", type=float, default=None)
    p.add_argument("--concurrency", type=int, default=None)
    p.add_argument("--ready")
    p.add_argument("--go")
    a = p.parse_args()
    events = make_orders(a.start, a.stop, reverse=a.reverse).seeka.to_events()
    creds = Credentials(ORG, KEY, endpoint=a.url)
    if a.ready:
        Path(a.ready).touch()
        give_up = time.monotonic() + 60
        while not Path(a.go).exists():
            if time.monotonic() > give_up:
                raise SystemExit("no go signal")
            time.sleep(0.01)
    report = events.send(
        creds,
        ledger=a.ledger,
        rate=a.rate,
        concurrency=a.concurrency,
        progress=False,
    )
    print(
        json.dumps(
            {
                "counts": report.counts,
                "requests": report.requests,
                "ok": report.ok,
                "unrecorded": report.unrecorded,
                "text": repr(report) + report.to_frame().to_csv(),
            }
        )
    )


if __name__ == "__main__":
    main()
