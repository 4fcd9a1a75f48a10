"""Benchmark: streaming a big export (issue 16) - conversion, dry run and a real send.

Run by hand:  python benchmarks/bench_stream.py [--lines 10000000] [--chunksize 100000]
              [--slice 1000000] [--send-lines 1000000] [--keep FILE] [--skip-send]
              [--skip-dask]

1. writes a CSV of ``--lines`` line items (about 3 per order: 10M lines ≈ 3.3M orders) to a
   temporary folder, a piece at a time;
2. streams it through conversion (``stream_orders(path, chunksize=)``), then a dry run
   (``.send(dry_run=True)``: the analysis pass and the send pass);
3. on the first ``--slice`` lines, the in-memory path (``read_orders`` + ``to_events`` +
   dry run) against the same streamed steps: throughput ratio;
4. a real streamed send of the first ``--send-lines`` lines to a sandbox in its own
   process, unthrottled (``rate=None``; the sandbox keeps every event in memory, hence the
   separate, smaller default);
5. ``dask_conversion``: the place for the ``dask`` helper's measure (Dask on two local
   workers converting 4M lines against one process).

Each step runs in a fresh subprocess and prints its own peak RSS.  Targets: peak RSS of the
streamed steps ≤ 1.5 GB whatever the file size; streamed throughput ≥ 70 % of in-memory.
The machine these numbers come from may be shared: compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import json
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pandas as pd

import seeka_nb
from seeka_nb import Credentials

SANDBOX = [sys.executable, "-m", "seeka_nb.cli", "sandbox"]
PIECE = 500_000  # lines written per piece while generating
CREDS = ("org_bench", "pk_bench_" + "0" * 32)


# --- the file ---------------------------------------------------------------------------
def write_csv(path: Path, lines: int, seed: int = 11) -> int:
    """``lines`` line items, the rows of each order adjacent; returns the number of orders."""
    rng = np.random.default_rng(seed)
    written, order, first = 0, 0, True
    with path.open("w", encoding="utf-8", newline="") as fh:
        while written < lines:
            n = min(PIECE, lines - written)
            per = rng.integers(1, 6, n)  # 1..5 lines per order, about 3
            owner = np.repeat(np.arange(order, order + n), per)[:n]
            orders = int(owner[-1]) - order + 1
            price = rng.integers(100, 20_000, n) / 100
            qty = rng.integers(1, 4, n)
            seconds = 1_600_000_000 + owner * 37
            frame = pd.DataFrame(
                {
                    "order_id": np.char.add("O", owner.astype(str)),
                    "created_at": pd.to_datetime(seconds, unit="s").strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "email": np.char.add(
                        np.char.add("c", (owner % 200_000).astype(str)), "@ex.com"
                    ),
                    "currency": "AUD",
                    "sku": np.char.add("SKU-", (np.arange(n) % 500).astype(str)),
                    "unit_price": price,
                    "quantity": qty,
                }
            )
            frame.to_csv(fh, header=first, index=False)
            written, order, first = written + n, order + orders, False
    return order


def head_csv(source: Path, target: Path, lines: int) -> None:
    """The header and the first ``lines`` lines of ``source`` (cut between two orders is not
    needed: the in-memory and the streamed runs read the same slice)."""
    with source.open("rb") as src, target.open("wb") as out:
        for k, line in enumerate(src):
            if k > lines:
                break
            out.write(line)


# --- the measured steps (each in a fresh process) -----------------------------------------
def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def step_stream_convert(path: str, chunksize: int) -> dict:
    t = time.perf_counter()
    chunks = seeka_nb.stream_orders(path, chunksize=chunksize)
    orders = sum(c._table.n_orders for c in chunks)
    return {"seconds": time.perf_counter() - t, "orders": orders}


def step_stream_dry(path: str, chunksize: int) -> dict:
    stream = seeka_nb.stream_orders(path, chunksize=chunksize)
    t = time.perf_counter()
    report = stream.send(Credentials(*CREDS), dry_run=True, ledger=False, progress=False)
    return {"seconds": time.perf_counter() - t, "orders": report.counts["dry_run"]}


def step_memory(path: str, chunksize: int) -> dict:
    t = time.perf_counter()
    events = seeka_nb.read_orders(path).seeka.to_events()
    convert = time.perf_counter() - t
    report = events.send(Credentials(*CREDS), dry_run=True, ledger=False, progress=False)
    return {
        "convert": convert,
        "seconds": time.perf_counter() - t,
        "orders": report.counts["dry_run"],
    }


def step_stream_slice(path: str, chunksize: int) -> dict:
    t = time.perf_counter()
    stream = seeka_nb.stream_orders(path, chunksize=chunksize)
    convert = sum(c._table.n_orders for c in stream)
    convert_s = time.perf_counter() - t
    t = time.perf_counter()
    stream = seeka_nb.stream_orders(path, chunksize=chunksize)
    report = stream.send(Credentials(*CREDS), dry_run=True, ledger=False, progress=False)
    return {
        "convert": convert_s,
        "seconds": time.perf_counter() - t,
        "orders": report.counts["dry_run"],
        "converted": convert,
    }


def step_send(path: str, chunksize: int, url: str, ledger: str) -> dict:
    stream = seeka_nb.stream_orders(path, chunksize=chunksize)
    creds = Credentials(*CREDS, endpoint=url)
    t = time.perf_counter()
    report = stream.send(creds, rate=None, ledger=ledger, progress=False)
    return {
        "seconds": time.perf_counter() - t,
        "orders": report.counts["sent"],
        "ok": report.ok,
        "requests": report.requests,
    }


STEPS = {
    "stream_convert": step_stream_convert,
    "stream_dry": step_stream_dry,
    "memory": step_memory,
    "stream_slice": step_stream_slice,
    "send": step_send,
}


def run_step(name: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--step", name, *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise SystemExit(f"step {name} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- for the dask helper -----------------------------------------------------------------
def dask_conversion(path: Path, lines: int) -> str | None:
    """Dask on two local workers converting (and checking) the first 4M lines against one
    process (``benchmarks/bench_dask.py``'s ``compare_csv``); ``None`` without Dask."""
    try:
        import dask.dataframe  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        return None
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_dask import compare_csv

    part = path.with_name("dask_slice.csv")
    head_csv(path, part, min(4_000_000, lines))
    return compare_csv(part)


# --- main ---------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def sandbox_process(folder: Path) -> Iterator[str]:
    """A sandbox in its own process; its output goes to a file (a pipe nobody reads would
    fill up and block it)."""
    log = folder / "sandbox.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [*SANDBOX, "--port", str(free_port()), "--rate-limit", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            text=True,
        )
    give_up = time.monotonic() + 60
    while not log.read_text().strip() and time.monotonic() < give_up:
        time.sleep(0.1)
    url = log.read_text().splitlines()[0].strip()
    try:
        yield url
    finally:
        proc.terminate()
        proc.wait(30)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--lines", type=int, default=10_000_000)
    ap.add_argument("--chunksize", type=int, default=100_000)
    ap.add_argument("--slice", type=int, default=1_000_000)
    ap.add_argument("--send-lines", type=int, default=1_000_000)
    ap.add_argument("--keep", help="write the generated CSV here (default: a temporary folder)")
    ap.add_argument("--skip-send", action="store_true", help="leave out the real send (step 4)")
    ap.add_argument("--skip-dask", action="store_true", help="leave out the Dask step (5)")
    ap.add_argument("--step", help=argparse.SUPPRESS)
    ap.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.step:  # a measured step, in its own process
        result = STEPS[a.step](*a.args[:1], int(a.args[1]), *a.args[2:])
        print(json.dumps({**result, "peak_mb": peak_mb()}))
        return
    with tempfile.TemporaryDirectory(prefix="seeka-bench-stream-") as tmp:
        big = Path(a.keep) if a.keep else Path(tmp) / "orders.csv"
        t = time.perf_counter()
        orders = write_csv(big, a.lines)
        print(
            f"generated {a.lines:,} lines, {orders:,} orders, "
            f"{big.stat().st_size / 2**20:,.0f} MB in {time.perf_counter() - t:.1f}s"
        )
        cs = str(a.chunksize)
        r = run_step("stream_convert", str(big), cs)
        print(f"stream convert:  {r['seconds']:.1f}s  {a.lines / r['seconds']:,.0f} lines/s  "
              f"{r['orders']:,} orders  peak RSS {r['peak_mb']:,.0f} MB")  # fmt: skip
        d = run_step("stream_dry", str(big), cs)
        print(f"stream dry run:  {d['seconds']:.1f}s  {a.lines / d['seconds']:,.0f} lines/s  "
              f"{d['orders']:,} orders  peak RSS {d['peak_mb']:,.0f} MB (2 passes)")  # fmt: skip
        part = Path(tmp) / "slice.csv"
        head_csv(big, part, min(a.slice, a.lines))
        m = run_step("memory", str(part), cs)
        s = run_step("stream_slice", str(part), cs)
        print(f"slice of {min(a.slice, a.lines):,} lines: in memory convert {m['convert']:.1f}s, "
              f"convert + dry run {m['seconds']:.1f}s, peak RSS {m['peak_mb']:,.0f} MB; streamed "
              f"convert {s['convert']:.1f}s, dry run {s['seconds']:.1f}s, peak RSS "
              f"{s['peak_mb']:,.0f} MB")  # fmt: skip
        conv_ratio = m["convert"] / s["convert"]
        dry_ratio = m["seconds"] / s["seconds"]
        print(f"streamed throughput vs in memory: conversion {conv_ratio:.0%}, dry run (incl. "
              f"the analysis pass) {dry_ratio:.0%}  (target >= 70%)")  # fmt: skip
        peak = max(r["peak_mb"], d["peak_mb"])
        print(f"peak RSS streamed {peak:,.0f} MB (target <= 1536 MB) ->",
              "OK" if peak <= 1536 else "MISSED")  # fmt: skip
        if not a.skip_send:
            send_part = Path(tmp) / "send.csv"
            head_csv(big, send_part, min(a.send_lines, a.lines))
            with sandbox_process(Path(tmp)) as url:
                x = run_step("send", str(send_part), cs, url, str(Path(tmp) / "ledger.sqlite"))
            sent = min(a.send_lines, a.lines)
            print(f"real send of {sent:,} lines to the sandbox, unthrottled: "
                  f"{x['seconds']:.1f}s, {x['orders'] / x['seconds']:,.0f} orders/s, "
                  f"{x['requests']:,} requests, ok={x['ok']}, "
                  f"RSS {x['peak_mb']:,.0f} MB")  # fmt: skip
        if not a.skip_dask:
            line = dask_conversion(big, a.lines)
            print(line or "dask: not measured here (see dask_conversion)")


if __name__ == "__main__":
    main()
