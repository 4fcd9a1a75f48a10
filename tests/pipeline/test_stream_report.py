"""The streamed send's report: compact per order, yet the same frames, counts and verdict as
the per-chunk ``build_report`` it replaces; no chunk outlives its send."""

from __future__ import annotations

import pickle
import weakref
from collections.abc import Iterator

import numpy as np
import pandas as pd
from send_helpers import KEY
from stream_data import chunks_of, orders_frame

from seeka_nb import Credentials, Sandbox
from seeka_nb.core.build import build_table
from seeka_nb.core.events import Events
from seeka_nb.core.stream import convert_frames
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.pipeline.runner import Seams, send
from seeka_nb.pipeline.stream import send_stream
from seeka_nb.pipeline.stream_report import StreamedReport

NOW = 1_800_000_000.0


def _frame(n: int = 90, seed: int = 12) -> pd.DataFrame:
    df = orders_frame(n, seed=seed)
    df.loc[[3, 40], "order_id"] = None  # rows without an activity ID
    return df


def _send_and_reference(
    df: pd.DataFrame,
    sizes: list[int],
    seams: Seams,
    faults: list[object] | None = None,
    **kw: object,
) -> tuple[StreamedReport, pd.DataFrame, pd.DataFrame]:
    """The streamed report, and the in-memory send's frames of the same orders (one request
    at a time, each send with a fresh sandbox and the same faults: the same requests)."""
    options = SendOptions(rate=None, ledger=False, max_retries=2, concurrency=1)
    with Sandbox(rate_limit=None, faults=list(faults or [])) as sandbox:
        creds = Credentials("org-test", KEY, endpoint=sandbox.ingest_url)
        chunks = convert_frames(chunks_of(df, sizes), now=NOW)
        report = send_stream(chunks, creds, options, seams=seams, **kw)  # type: ignore[arg-type]
    assert isinstance(report, StreamedReport)
    with Sandbox(rate_limit=None, faults=list(faults or [])) as sandbox:
        creds = Credentials("org-test", KEY, endpoint=sandbox.ingest_url)
        events = Events(build_table(df, now=NOW))
        memory = send(events, creds, options, seams=seams, **kw)  # type: ignore[arg-type]
    frame = memory.frame.copy()
    frame["row"] = frame["row"].astype("int64")  # file row numbers, compact
    # the rows without an ID come last in memory, after their chunk's orders in a stream
    frame = frame.sort_values("row", kind="stable").reset_index(drop=True)
    return report, frame, memory.row_frame


def _in_row_order(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.drop(columns="sent_at").sort_values("row", kind="stable")
    return out.reset_index(drop=True)


def test_same_outcomes_as_the_in_memory_send(seams: Seams) -> None:
    df = _frame()
    # rejections (bisected down to single events), retries, server errors that give up
    faults = [202, 400, 400, 400, 400, 400, 500, 202, 503, 503, 503, 202]
    report, frame, rows = _send_and_reference(df, [23, 31], seams, faults)
    counts = report.counts
    assert counts["rejected"] and counts["failed"] and counts["invalid"] and counts["sent"]
    # the statuses and what the report says, before any frame is built
    assert counts == {s: int((frame["status"] == s).sum()) for s in counts}
    assert "frame" not in report._built
    assert report.summary()["orders"] == len(frame)
    assert not report.ok and not report.auth_failed
    first = frame.loc[frame["status"].isin(("rejected", "failed", "pending")), "error"]
    try:
        report.raise_for_failures()
    except Exception as exc:
        assert str(first.dropna().iloc[0]) in str(exc)
    assert "frame" not in report._built
    pd.testing.assert_frame_equal(_in_row_order(report.to_frame()), _in_row_order(frame))
    pd.testing.assert_frame_equal(report.rows(), rows, check_index_type=False)
    assert len(report.rows()) == len(df)
    assert (report.to_frame()["error"] == "row has no activity ID").sum() == 2
    again = pickle.loads(pickle.dumps(report))
    assert again._built == {}
    pd.testing.assert_frame_equal(again.to_frame(), report.to_frame())
    pd.testing.assert_frame_equal(again.rows(), report.rows())
    assert again.counts == counts


def test_a_subset_send_reports_only_its_orders(seams: Seams) -> None:
    df = _frame(60, seed=13)
    only = {"SO-10002", "SO-10030", "SO-10059"}
    report, frame, rows = _send_and_reference(df, [17], seams, only=only)
    assert set(report.to_frame()["activity_id"]) == only
    pd.testing.assert_frame_equal(_in_row_order(report.to_frame()), _in_row_order(frame))
    pd.testing.assert_frame_equal(report.rows(), rows, check_index_type=False)


def test_auth_failure_is_seen_without_the_frames(seams: Seams) -> None:
    report, frame, _ = _send_and_reference(_frame(80), [30], seams, [202, 401])
    assert report.auth_failed and frame["http_status"].isin([401]).any()
    assert "frame" not in report._built


def test_outcomes_stay_small_per_order(seams: Seams) -> None:
    df = orders_frame(2000, seed=14)
    report, _, _ = _send_and_reference(df, [997], seams)
    outcomes = report._outcomes
    size = sum(a.nbytes for parts in outcomes._parts.values() for a in parts)
    size += sum(a.nbytes for a in outcomes._row_entry)
    ids = sum(len(a) for a in report.to_frame()["activity_id"])
    assert (size - ids) / outcomes.n < 64  # bytes per order besides the ID's text
    assert all(isinstance(p, tuple) for p in outcomes._labels)  # file rows: ranges


def test_no_chunk_outlives_its_send(sandbox: Sandbox, seams: Seams) -> None:
    """A chunk's core objects hold each other in cycles: the stream collects them after
    each chunk, so memory stays bounded by the chunk size."""
    df = orders_frame(200, seed=15)
    creds = Credentials("org-test", KEY, endpoint=sandbox.ingest_url)

    def source(tables: list[weakref.ref], alive: list[int]) -> Iterator:
        for chunk in convert_frames(chunks_of(df, [40]), now=NOW):
            tables.append(weakref.ref(chunk._table))
            yield chunk
            del chunk
            alive.append(sum(r() is not None for r in tables[:-1]))

    for dry in (True, False):
        tables: list[weakref.ref] = []
        alive: list[int] = []
        options = SendOptions(rate=None, ledger=False, dry_run=dry)
        report = send_stream(source(tables, alive), creds, options, seams=seams)
        assert report.counts["dry_run" if dry else "sent"] > 0
        assert len(tables) >= 4 and alive == [0] * len(alive)
    assert np.isfinite(report.summary()["seconds"])
