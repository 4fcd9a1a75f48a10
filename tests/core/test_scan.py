"""The one-read pass over partitions (core.scan, core.facts) without Dask: a frame cut into
contiguous partitions, each scanned once (facts + conversion with the edge orders set
aside), gives exactly the whole frame's issues, duplicate findings and events when the scans
stand; and they do not stand when an order is cut elsewhere than at an edge or a partition
guessed the wrong day/month order (property-tested)."""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stream_data import as_text, id_frame

from seeka_nb.core.build import prepare
from seeka_nb.core.events import Events
from seeka_nb.core.facts import NO_KEY, date_evidence, row_key_hashes
from seeka_nb.core.gather import gather_duplicates, gather_issues
from seeka_nb.core.partitions import PartCall, events_of, findings_of, key_column
from seeka_nb.core.scan import (
    edge_frame,
    edge_keys,
    rest_table,
    scan_partition,
    scans_stand,
    shifted,
    starts_of,
)
from seeka_nb.core.times import _NUMERIC_DATE
from seeka_nb.core.values import to_text


def _scanned(df: pd.DataFrame, cuts: list[int], mapping: dict, **kw: object):
    """What the Dask plan does with one read: scan each piece, check, gather."""
    cmap = prepare(df, mapping, None)[2]
    key = key_column(cmap, list(df.columns))
    cols = [c for cs in cmap.fields.values() for c in cs]
    call = PartCall(mapping, None, kw.get("tz"), kw.get("dayfirst"), None, None, None,
                    now=time.time(), fields=dict(cmap.fields))  # fmt: skip
    bounds = [0, *cuts, len(df)]
    pieces = [df.iloc[a:b] for a, b in itertools.pairwise(bounds)]
    tcol = cmap.columns("time")[0]
    scans = [scan_partition(p, call, cols, tcol, list(df.columns), key, True) for p in pieces]
    from seeka_nb.core.facts import resolve_dayfirst

    dayfirst, guessed = resolve_dayfirst([s.facts for s in scans])
    if call.dayfirst is not None:
        dayfirst, guessed = call.dayfirst, False
    if not scans_stand(scans, dayfirst, grouped=False):
        return None
    final = PartCall(mapping, None, kw.get("tz"), dayfirst, None, None, None,
                     now=call.now, fields=call.fields)  # fmt: skip
    edges = edge_frame(scans)
    found = [shifted(s.findings, st) for s, st in zip(scans, starts_of(scans), strict=True)]
    found.append(findings_of(edges, final))
    issues = gather_issues(found, [s.facts for s in scans], cmap, date_order_guessed=guessed)
    tables = [rest_table(p, final, key, s.edges) for p, s in zip(pieces, scans, strict=True)]
    tables.append(events_of(edges, final))
    bodies = sorted(b for t in tables if t is not None for b in Events(t).encoded_batches(1))
    return issues, gather_duplicates(found), bodies


MAPPING = {"unitPrice": "price"}


def _same_as_whole(df: pd.DataFrame, got: tuple, **kw: object) -> None:
    events = df.seeka.to_events(mapping=MAPPING, **kw)
    issues, dups, bodies = got
    pd.testing.assert_frame_equal(as_text(issues), as_text(events.issues))
    pd.testing.assert_frame_equal(as_text(dups), as_text(events.duplicates()))
    assert bodies == sorted(events.encoded_batches(1))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    orders=st.lists(
        st.tuples(st.sampled_from(["A", "#", "", None]), st.integers(1, 4)), min_size=1, max_size=6
    ),
    cuts=st.lists(st.integers(1, 30), max_size=4),
)
@example(orders=[("A", 3), ("", 2), ("#", 4)], cuts=[2, 4, 5])
@example(orders=[(None, 2), ("A", 2), (None, 1)], cuts=[1, 3])
def test_an_export_sorted_by_order_scans_in_one_read(
    orders: list[tuple[str | None, int]], cuts: list[int]
) -> None:
    # the rows of an order adjacent (a boundary may cut any), blocks of rows without an ID
    ids = [None if a is None else f"{a}{k}" for k, (a, n) in enumerate(orders) for _ in range(n)]
    if all(i is None for i in ids):
        ids[0] = "A0"
    df = id_frame(ids)
    cuts = sorted({c for c in cuts if 0 < c < len(df)})
    got = _scanned(df, cuts, MAPPING)
    assert got is not None  # an order cut by a boundary is at the edges of both partitions
    _same_as_whole(df, got)


def test_an_order_cut_away_from_the_edges_does_not_stand() -> None:
    df = id_frame(["A1", "B2", "C3", "D4", "A1", "E5"])  # A1 in the middle of a partition
    assert _scanned(df, [3], MAPPING) is None
    assert _scanned(df, [2], MAPPING) is None
    got = _scanned(df, [1], MAPPING)  # A1 ends the first partition and... sits in the next
    assert got is None
    got = _scanned(df, [3, 5], MAPPING)  # A1 at an edge of both: converted together
    assert got is not None
    _same_as_whole(df, got)
    df = id_frame(["A1", "B2", "B2", "A1"])
    got = _scanned(df, [2], MAPPING)  # both A1 and B2 are edges: stands, split_order found
    assert got is not None
    _same_as_whole(df, got)
    assert "split_order" in set(got[1]["kind"])


def test_a_partition_guessing_the_date_order_wrongly_does_not_stand() -> None:
    times = ["03/02/2025 10:00", "04/02/2025 10:00", "25/02/2025 10:00"]
    df = id_frame(["A1", "B2", "C3"], times)
    assert _scanned(df, [2], MAPPING, tz="UTC") is None  # only the last tells day-first
    got = _scanned(df, [2], MAPPING, tz="UTC", dayfirst=True)
    assert got is not None
    _same_as_whole(df, got, tz="UTC", dayfirst=True)
    got = _scanned(df, [1], MAPPING, tz="UTC")
    assert got is None


def test_a_partition_whose_dates_decide_alone_stands() -> None:
    times = ["25/02/2025 10:00", "04/02/2025 10:00", "13/02/2025 10:00"]
    df = id_frame(["A1", "A1", "B2"], times)
    got = _scanned(df, [1], MAPPING, tz="UTC")
    assert got is not None
    _same_as_whole(df, got, tz="UTC")


@pytest.mark.parametrize(
    "values",
    [
        ["2025-02-03T10:00:00Z", None],
        ["03/02/2025 10:00", "2025-02-03T10:00:00Z"],
        ["25/02/2025", "x"],
        [" 13.02.2025", "02-13-2025"],
        ["\x1c25/02/2025"],  # a blank str.strip removes, pyarrow's may not
        ["1/13/25 9:00", ""],
        ["١٣/٠٢/٢٠٢٥"],  # digits of another script: Python's regex reads them
    ],
)
def test_date_evidence_reads_only_what_can_be_a_numeric_date(values: list) -> None:
    # the reference: every distinct value's trimmed text through the numeric-date pattern
    text = pd.Series(to_text(pd.Series(values, dtype=object)).values(), dtype=object)
    parts = text.dropna().astype(str).str.extract(_NUMERIC_DATE).dropna()
    want = (
        not parts.empty,
        bool((parts[0].astype(int) > 12).any()),
        bool((parts[1].astype(int) > 12).any()),
    )
    assert date_evidence(pd.Series(values, dtype="str")) == want
    assert date_evidence(pd.Series(values, dtype=object)) == want


def test_row_key_hashes_meet_the_spellings_and_leave_rows_without_a_key_out() -> None:
    col = pd.Series(["1001", "1001.0", "#1001", " 1001 ", None, "", "#"], dtype=object)
    h = row_key_hashes(col)
    assert len(set(h[:4].tolist())) == 1 and h[0] != NO_KEY
    assert (h[4:] == NO_KEY).all()
    assert row_key_hashes(pd.Series([1001.0, np.nan]))[0] == h[0]
    arrow = pd.Series(col.tolist(), dtype="str")  # Arrow strings: keyed in C++, the same
    assert row_key_hashes(arrow).tolist() == h.tolist()
    assert edge_keys(np.array([NO_KEY, h[0], 7, NO_KEY], dtype=np.uint64)).tolist() == sorted(
        [h[0], 7]
    )
