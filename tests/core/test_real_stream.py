"""All twelve real exports read with ``read_orders(path, chunksize=N)`` and converted chunk by
chunk: byte-identical events, the same issues and duplicates as the in-memory path (issue 16).

An unsorted export (the Amazon buyer history: one order's rows in separate blocks) may put
an order's blocks in different chunks: those IDs, and only those, are held back
(``split_order``) instead of being sent as partial orders; every other order is identical.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from real_expect import CALLS, REAL, REAL2
from stream_data import same_summary

import seeka_nb
from seeka_nb.core.stream import hold_back, split_hashes


@pytest.fixture(params=REAL + REAL2)
def real_file(request: pytest.FixtureRequest) -> Path:
    folder = request.getfixturevalue("real_data" if request.param in REAL else "real2_data")
    return folder / request.param


def _one_event_bodies(events: object) -> dict[str, bytes]:
    ids = events.activity_ids  # type: ignore[attr-defined]
    return dict(zip(ids, events.encoded_batches(1), strict=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize("chunksize", [97, 613])
def test_streamed_equals_in_memory(real_file: Path, chunksize: int) -> None:
    call = CALLS[real_file.name]
    whole = seeka_nb.read_orders(real_file).seeka.to_events(**call)
    stream = seeka_nb.stream_orders(real_file, chunksize=chunksize, **call)
    dups = pd.DataFrame(stream.duplicates())
    mem_dups = pd.DataFrame(whole.duplicates())
    split = set(dups.loc[dups["kind"] == "split_order", "activity_id"]) - set(
        mem_dups.loc[mem_dups["kind"] == "split_order", "activity_id"]
    )
    assert not split  # a split found by the stream is one the in-memory path reports too
    across = dups["detail"].str.contains("earlier in the stream")  # the stream's own findings
    crossing = set(dups.loc[across, "activity_id"])
    hashes = split_hashes(dups[dups["activity_id"].isin(crossing)])
    sent: dict[str, bytes] = {}
    for chunk in stream:
        for aid, body in _one_event_bodies(hold_back(chunk, hashes)).items():
            assert aid not in sent  # never twice
            sent[aid] = body
    want = {a: b for a, b in _one_event_bodies(whole).items() if a not in crossing}
    assert sent == want  # byte-identical events, in the same order
    assert list(sent) == list(want)
    issues, mem_issues = stream.issues(), whole.issues
    if not crossing:
        pd.testing.assert_frame_equal(issues, mem_issues)
        pd.testing.assert_frame_equal(dups, mem_dups)
        assert stream.summary()["orders"] == whole.summary()["orders"]
        same_summary(stream, whole)
    else:  # the unsorted export: identical for every order that is not split across chunks
        keep = ~issues["activity_id"].isin(crossing) & (issues["code"] != "split_order")
        mem_keep = ~mem_issues["activity_id"].isin(crossing)
        pd.testing.assert_frame_equal(
            issues[keep].reset_index(drop=True), mem_issues[mem_keep].reset_index(drop=True)
        )
        held = issues[issues["code"] == "split_order"]
        assert set(held["activity_id"]) == crossing


@pytest.mark.parametrize("chunksize", [37, 613])
def test_key_only_pass_finds_the_same_split_ids(real_file: Path, chunksize: int) -> None:
    """A streamed send finds the IDs split across chunks reading only the order-key
    columns: exactly the ones the chunked conversion finds (the unsorted Amazon buyer
    export has some)."""
    call = CALLS[real_file.name]
    stream = seeka_nb.stream_orders(real_file, chunksize=chunksize, **call)
    found = [c.stream_duplicates for c in stream if len(c.stream_duplicates)]
    want = split_hashes(pd.concat(found, ignore_index=True)) if found else np.empty(0)
    got = stream._split_finder()  # type: ignore[misc]
    assert got is not None  # every real export's order keys are plain columns
    assert got.tolist() == want.tolist()
    if real_file.name.startswith("amazon_ca_buyer") and chunksize == 37:
        assert got.size > 0
