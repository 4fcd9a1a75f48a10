"""Benchmark: converting 4M line items with Dask on two local worker processes vs one process.

Run by hand:  python benchmarks/bench_dask.py [--lines 4000000] [--partitions 8]
(``benchmarks/bench_stream.py`` runs it too, as its Dask part.)

Writes the synthetic orders of ``bench_to_events.make_orders`` to a Parquet file (not timed),
then times, in the same run:

- **one process**: ``pd.read_parquet`` + ``df.seeka.to_events()`` + its issues and
  duplicates (the reference);
- **Dask, shuffled**: ``dd.read_parquet`` on a ``LocalCluster`` (2 worker processes, 1 thread
  each) + ``ddf.seeka.to_events()`` with its issues and duplicates gathered: conversion and
  validation in the workers, each order's rows brought together by a shuffle;
- **Dask, default**: the same with ``grouped=None`` (the file is sorted by order: each
  partition is read once, and the orders cut by partition boundaries are converted together
  from the rows that read set aside; ``grouped=False`` above forces the shuffle).

Only the findings come back to the client (the events stay in the workers until a send
streams them).  Target (issue 16): Dask faster than one process.  The machine may have two
cores shared with other work: read the ratios, not the seconds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

import seeka_nb  # noqa: F401  (registers df.seeka)

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_to_events import make_orders


def _one_process(path: Path) -> tuple[float, int, int]:
    start = time.perf_counter()
    df = pd.read_parquet(path)
    events = df.seeka.to_events()
    n_issues, n_dups = len(events.issues), len(events.duplicates())
    return time.perf_counter() - start, n_issues, n_dups


def _local_cluster() -> Any:
    """A ``LocalCluster``: 2 worker processes on loopback, 1 thread each, no dashboard."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    )


def _dask(path: Path, partitions: int, grouped: bool | None) -> tuple[float, int, int]:
    import dask.dataframe as dd

    start = time.perf_counter()
    ddf = dd.read_parquet(path, split_row_groups=True)
    if ddf.npartitions != partitions:
        ddf = ddf.repartition(npartitions=partitions)
    stream = ddf.seeka.to_events(grouped=grouped)
    n_issues, n_dups = len(stream.issues()), len(stream.duplicates())
    return time.perf_counter() - start, n_issues, n_dups


def run(lines: int = 4_000_000, partitions: int = 8) -> dict[str, float]:
    """Time the three conversions; prints them and returns the seconds by name."""
    from distributed import Client

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "orders.parquet"
        t = time.perf_counter()
        make_orders(lines).to_parquet(path, row_group_size=max(1, lines // partitions))
        print(f"[dask] wrote {lines:,} lines in {time.perf_counter() - t:.1f} s (not timed)")
        ref, issues, dups = _one_process(path)
        print(f"[dask] one process:         {ref:7.1f} s  ({issues} issues, {dups} duplicates)")
        out = {"one_process": ref}
        with _local_cluster() as cluster, Client(cluster):
            for grouped in (False, None):
                name = "dask_shuffled" if grouped is False else "dask_default"
                secs, d_issues, d_dups = _dask(path, partitions, grouped)
                same = "same findings" if (d_issues, d_dups) == (issues, dups) else "DIFFERENT"
                print(
                    f"[dask] {name:<24} {secs:7.1f} s  ({d_issues} issues, {d_dups} duplicates:"
                    f" {same}); one process / Dask = {ref / secs:.2f}x"
                )
                out[name] = secs
    return out


def _cpu() -> float:
    """CPU seconds of this process and its threads (what the work costs, whatever the load)."""
    return time.process_time()


def compare_csv(path: Path, partitions: int = 8) -> str:
    """One process against Dask (2 local workers) on a CSV file (``bench_stream.py``'s
    file): ``pd.read_csv(dtype=str)`` + conversion + issues and duplicates, against
    ``dd.read_csv(dtype=str)`` in ``partitions`` blocks + the same through ``ddf.seeka``.
    Returns a printable line with both times and the ratio, and the CPU seconds each used
    (on a shared machine the wall-clock ratio moves with the load; the CPU seconds do not:
    on two free cores Dask takes about its busiest worker's CPU seconds)."""
    import dask.dataframe as dd
    from distributed import Client

    start, cpu = time.perf_counter(), _cpu()
    events = pd.read_csv(path, dtype=str).seeka.to_events()
    found = (len(events.issues), len(events.duplicates()))
    one, one_cpu = time.perf_counter() - start, _cpu() - cpu
    del events
    with _local_cluster() as cluster, Client(cluster) as client:
        before = client.run(time.process_time)
        start, cpu = time.perf_counter(), _cpu()
        blocksize = max(1, path.stat().st_size // partitions)  # Dask merges the small rest
        stream = dd.read_csv(path, dtype=str, blocksize=blocksize).seeka.to_events()
        got = (len(stream.issues()), len(stream.duplicates()))
        two, client_cpu = time.perf_counter() - start, _cpu() - cpu
        workers = [v - before[k] for k, v in client.run(time.process_time).items()]
        mode = stream._plan.mode()
    same = "same findings" if got == found else f"DIFFERENT findings {got} vs {found}"
    return (
        f"dask: {path.name}: one process {one:.1f}s, Dask on 2 local workers "
        f"({partitions} partitions, {stream.summary()['chunks']} read, mode {mode}) {two:.1f}s: "
        f"one process / Dask = {one / two:.2f}x (target > 1; {same}); CPU seconds: one "
        f"process {one_cpu:.1f}, Dask workers {' + '.join(f'{w:.1f}' for w in workers)} "
        f"(client {client_cpu:.1f}): one process / busiest worker = {one_cpu / max(workers):.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=4_000_000)
    parser.add_argument("--partitions", type=int, default=8)
    args = parser.parse_args()
    run(args.lines, args.partitions)


if __name__ == "__main__":
    main()
