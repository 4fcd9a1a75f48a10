"""Benchmark: the polars paths against the pandas path on the same synthetic line items.

Run by hand:  python benchmarks/bench_polars.py [--lines 1000000] [--batch-rows 100000]

Generates ``--lines`` line items (``bench_to_events.make_orders``), writes them as CSV, then
measures in the same run: ``df.seeka.to_events()`` on the pandas frame (the reference),
``pl_df.seeka.to_events()`` on the same frame in polars (text columns), the conversion to
pandas alone, and ``pl.scan_csv(...).seeka.to_events(batch_rows=...)`` summarised
(streamed).  Prints ratios to the reference and the peak RSS of each phase
(``ru_maxrss``; the streamed phase runs in a child process and reports its own
``VmHWM``, Linux only).
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl
from bench_to_events import make_orders

import seeka_nb
from seeka_nb.adapters.polars_frames import to_pandas

# The child reads its own high-water mark (VmHWM): ru_maxrss survives exec on Linux, so it
# would report the parent's peak.
STREAMED = """
import re, sys, time
import polars as pl
import seeka_nb
lazy = pl.scan_csv(sys.argv[1], infer_schema_length=0)
t = time.perf_counter()
s = lazy.seeka.to_events(tz="Australia/Sydney", batch_rows=int(sys.argv[2])).summary()
hwm = re.search(r"VmHWM:\\s+(\\d+) kB", open("/proc/self/status").read()).group(1)
print(time.perf_counter() - t, s["orders"], hwm)
"""


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--batch-rows", type=int, default=100_000)
    args = parser.parse_args()
    df = make_orders(args.lines)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.csv"
        df.to_csv(path, index=False)
        text = seeka_nb.read_orders(path)
        frame = pl.read_csv(path, infer_schema_length=0)
        print(f"{args.lines:,} lines, {frame.width} columns; polars {pl.__version__}")

        t = time.perf_counter()
        reference = text.seeka.to_events(tz="Australia/Sydney")
        pandas_s = time.perf_counter() - t
        print(f"pandas  df.seeka.to_events       {pandas_s:6.2f} s  (reference)")

        t = time.perf_counter()
        converted = to_pandas(frame)
        convert_s = time.perf_counter() - t
        print(f"polars → pandas frame only       {convert_s:6.2f} s  ({convert_s / pandas_s:.2f}×)")
        del converted

        t = time.perf_counter()
        events = frame.seeka.to_events(tz="Australia/Sydney")
        polars_s = time.perf_counter() - t
        print(f"polars  pl_df.seeka.to_events    {polars_s:6.2f} s  ({polars_s / pandas_s:.2f}×)")
        same = list(events.encoded_batches()) == list(reference.encoded_batches())
        print(f"bodies byte-identical: {same}; peak RSS so far {_rss_mb():,.0f} MB")

        done = subprocess.run(
            [sys.executable, "-c", STREAMED, str(path), str(args.batch_rows)],
            capture_output=True,
            text=True,
            check=True,
        )
        seconds, orders, rss_kb = done.stdout.split()
        print(
            f"polars  LazyFrame streamed       {float(seconds):6.2f} s  "
            f"({float(seconds) / pandas_s:.2f}×; {int(orders):,} orders, batches of "
            f"{args.batch_rows:,}; peak RSS of that process {int(rss_kb) / 1024:,.0f} MB)"
        )


if __name__ == "__main__":
    main()
