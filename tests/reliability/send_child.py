"""A separate process that sends generated orders (kill -9 and concurrent-run tests).

Usage: ``python send_child.py URL LEDGER START STOP [--reverse] [--rate R]
[--concurrency C] [--ready FILE --go FILE] [--die-at-commit K]``.  With ``--ready``/``--go``
it builds the events, creates the ready file, then waits (bounded) for the go file, so that
two children start sending at the same moment.  With ``--die-at-commit K`` it kills itself
(SIGKILL) when the send starts its K-th group commit of outcomes, before writing it: the
worst moment for the group-commit bound.  Prints the report's counts as JSON on its last
line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: shared helpers

from rel_support import KEY, ORG, make_orders

from seeka_nb import Credentials, Ledger


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
    p.add_argument("--die-at-commit", type=int, default=0)
    a = p.parse_args()
    if a.die_at_commit:
        record, calls = Ledger.record, [0]

        def dying_record(self: Ledger, *args: object, **kw: object) -> None:
            calls[0] += 1
            if calls[0] >= a.die_at_commit:
                os.kill(os.getpid(), signal.SIGKILL)
            record(self, *args, **kw)  # type: ignore[arg-type]

        Ledger.record = dying_record  # type: ignore[method-assign]
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
