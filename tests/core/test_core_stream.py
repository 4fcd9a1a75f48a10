"""convert_frames: chunk by chunk, the same events, issues and duplicates as in memory;
orders straddling chunk boundaries joined; split orders held back; bad streams refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stream_data import chunks_of, orders_frame

import seeka_nb  # noqa: F401  (registers df.seeka)
from seeka_nb.core.pdcompat import text_array
from seeka_nb.core.stream import (
    SeenIds,
    StreamChunk,
    StreamState,
    convert_frames,
    hold_back,
    merge_issues,
    split_hashes,
)
from seeka_nb.errors import MappingError, ValidationError

NOW = 1_800_000_000.0


def streamed(frames: list[pd.DataFrame], **kw: object) -> tuple[list[StreamChunk], StreamState]:
    state = StreamState()
    out = list(convert_frames(frames, now=NOW, state=state, **kw))  # type: ignore[arg-type]
    assert all(isinstance(c, StreamChunk) for c in out)
    return out, state  # type: ignore[return-value]


def bodies(chunks: list) -> list[bytes]:
    """One body per event: the exact bytes each event is sent as (a chunk's last batch may
    hold fewer than 20 events, so whole bodies are cut differently)."""
    return [b for c in chunks for b in c.encoded_batches(1)]


def test_same_bodies_issues_and_duplicates_as_in_memory() -> None:
    df = orders_frame(300, seed=1)
    whole = df.seeka.to_events()
    for sizes in ([1], [7], [50, 3, 101], [10_000]):
        chunks, state = streamed(chunks_of(df, sizes))
        assert bodies(chunks) == list(whole.encoded_batches(1))  # byte-identical events
        issues = merge_issues([c.issues for c in chunks], state.dayfirst is not None)
        pd.testing.assert_frame_equal(issues, whole.issues)
        assert sum(c.summary()["orders"] for c in chunks) == whole.summary()["orders"]


def test_an_order_straddling_a_boundary_is_joined() -> None:
    df = orders_frame(3, seed=2, max_lines=1)
    df = pd.concat([df.iloc[[0]], df.iloc[[1]], df.iloc[[1]], df.iloc[[1]], df.iloc[[2]]])
    df = df.reset_index(drop=True)
    chunks, _ = streamed([df.iloc[:2], df.iloc[2:3], df.iloc[3:]])
    ids = [a for c in chunks for a in c.activity_ids]
    assert ids == ["SO-10000", "SO-10001", "SO-10002"]
    by_id = {e["ev"]["payload"]["activityId"]: e for c in chunks for e in c.to_list()}
    assert len(by_id["SO-10001"]["ev"]["payload"]["commerce"]["products"]) == 3  # one order
    assert [e for c in chunks for e in c.to_list()] == df.seeka.to_events().to_list()
    assert sum(c.summary()["rows"] for c in chunks) == 5


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(1, 40),
    seed=st.integers(0, 10_000),
    sizes=st.lists(st.integers(1, 25), min_size=1, max_size=5),
)
def test_every_order_in_exactly_one_chunk(n: int, seed: int, sizes: list[int]) -> None:
    df = orders_frame(n, seed=seed)
    chunks, _ = streamed(chunks_of(df, sizes))
    ids = [a for c in chunks for a in c._table.activity_id.tolist()]
    assert len(ids) == len(set(ids)) == n  # each order in exactly one chunk
    assert sum(c.summary()["rows"] for c in chunks) == len(df)  # counts add up
    whole = df.seeka.to_events()
    assert [e for c in chunks for e in c.to_list()] == whole.to_list()


def test_split_order_later_block_held_back_and_reported() -> None:
    df = orders_frame(6, seed=3, max_lines=2)
    again = df[df["order_id"] == "SO-10001"]
    df = pd.concat([df, again], ignore_index=True)  # SO-10001 comes back at the end
    whole = df.seeka.to_events()
    assert "split_order" in set(whole.duplicates()["kind"])
    chunks, _ = streamed(chunks_of(df, [4]))
    later = [c for c in chunks if "SO-10001" in c._table.activity_id.tolist()]
    assert len(later) == 2
    first, last = later
    assert "SO-10001" in first.activity_ids  # the stream cannot know yet...
    assert "SO-10001" not in last.activity_ids  # ...but never sends it twice
    held = last.issues[last.issues["code"] == "split_order"]
    assert len(held) == 1 and "sort the file by order" in held["message"].iloc[0]
    found = last.stream_duplicates
    assert found["kind"].tolist() == ["split_order"]
    assert found["activity_id"].tolist() == ["SO-10001"]
    # the send path holds back the first block too (hashes from the analysis pass)
    hashes = split_hashes(found)
    assert "SO-10001" not in hold_back(first, hashes).activity_ids
    assert len(hold_back(first, hashes)) == len(first) - 1


def test_seen_ids_membership() -> None:
    seen = SeenIds()
    a = SeenIds.hashes(np.array(["1", "2", "3"], dtype=object))
    seen.add(a)
    seen.add(SeenIds.hashes(np.array(["3", "4"], dtype=object)))
    assert len(seen) == 4
    probe = SeenIds.hashes(np.array(["4", "5", "1"], dtype=object))
    assert seen.contains(probe).tolist() == [True, False, True]


def test_mapping_resolved_once_and_columns_checked() -> None:
    df = orders_frame(10)
    other = df.rename(columns={"email": "mail"})
    with pytest.raises(MappingError, match="Chunk 2 has columns"):
        list(convert_frames([df.iloc[:5], other.iloc[5:]], now=NOW))


def test_bad_streams_are_refused() -> None:
    with pytest.raises(ValidationError, match="no rows"):
        list(convert_frames([], now=NOW))
    with pytest.raises(ValidationError, match="DataFrames"):
        list(convert_frames([["not", "a", "frame"]], now=NOW))  # type: ignore[list-item]
    df = orders_frame(2)
    with pytest.raises(ValidationError, match="no rows"):
        list(convert_frames([df.iloc[:0]], now=NOW))


def _slash_dates(days: list[int]) -> pd.DataFrame:
    n = len(days)
    return pd.DataFrame(
        {
            "order_id": [f"A{i}" for i in range(n)],
            "created_at": [f"{d:02d}/02/2024 10:00" for d in days],
            "email": ["a@example.com"] * n,
            "currency": ["AUD"] * n,
            "total": [10.0] * n,
        }
    )


def test_date_order_contradicted_by_a_later_chunk_stops() -> None:
    df = _slash_dates([1, 2, 3, 25])  # day-first shows only in the last chunk
    with pytest.raises(ValidationError, match="dayfirst=True"):
        list(convert_frames([df.iloc[:3], df.iloc[3:]], tz="UTC", now=NOW))
    # decided in the first chunk, later ambiguous chunks follow it (as in memory)
    df = _slash_dates([25, 2, 3, 4])
    chunks, state = streamed([df.iloc[:1], df.iloc[1:]], tz="UTC")
    whole = df.seeka.to_events(tz="UTC")
    assert [e for c in chunks for e in c.to_list()] == whole.to_list()
    assert state.dayfirst is True
    # given explicitly: nothing to decide
    df = _slash_dates([1, 2, 3, 25])
    chunks, _ = streamed([df.iloc[:3], df.iloc[3:]], tz="UTC", dayfirst=True)
    assert [e for c in chunks for e in c.to_list()] == df.seeka.to_events(
        tz="UTC", dayfirst=True
    ).to_list()


def test_frame_level_issues_once() -> None:
    df = orders_frame(20)
    df["phone"] = text_array([None] * len(df))  # empty in every chunk
    whole = df.seeka.to_events()
    chunks, state = streamed(chunks_of(df, [6]))
    merged = merge_issues([c.issues for c in chunks], state.dayfirst is not None)
    pd.testing.assert_frame_equal(merged, whole.issues)
    assert (merged["code"] == "empty_column").sum() == 1
