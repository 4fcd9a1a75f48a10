"""Partitioned conversion (core.partitions, core.gather) without Dask: a frame cut into
partitions by the order key, converted partition by partition and gathered, gives exactly
the issues and duplicate findings of the whole frame (property-tested), and the pieces that
make it so (whole-frame day/month order, blocks by whole-frame position, empty columns)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stream_data import as_text, id_frame

import seeka_nb
from seeka_nb.core.build import prepare
from seeka_nb.core.gather import gather_duplicates, gather_issues
from seeka_nb.core.partitions import (
    FrameFacts,
    PartCall,
    findings_of,
    frame_facts,
    key_column,
    order_key,
    resolve_dayfirst,
    with_positions,
)


def _partitioned(df: pd.DataFrame, n_parts: int, assign: list[int] | None = None, **kw: object):
    """What the Dask accessor does, with plain pandas: facts, positions, key, partitions."""
    preset = kw.pop("preset", None)
    mapping = kw.pop("mapping", None)
    cmap = prepare(df, mapping, preset)[2]  # type: ignore[arg-type]
    key = key_column(cmap, list(df.columns))
    cols = [c for cs in cmap.fields.values() for c in cs]
    facts = [frame_facts(df, cols, cmap.columns("time")[0], list(df.columns))]
    dayfirst, guessed = resolve_dayfirst(facts)
    call = PartCall(
        mapping,  # type: ignore[arg-type]
        preset,  # type: ignore[arg-type]
        kw.get("tz"),  # type: ignore[arg-type]
        kw.get("dayfirst", dayfirst),  # type: ignore[arg-type]
        None,
        kw.get("currency"),  # type: ignore[arg-type]
        None,
        now=time.time(),
        fields=dict(cmap.fields),
    )
    framed = with_positions(df, 0, key)
    keys = framed["__seeka_key__"].to_numpy(dtype=object)
    if assign is None:
        uniq = pd.unique(keys)
        part_of_key = {k: i % n_parts for i, k in enumerate(uniq)}
        assign = [part_of_key[k] for k in keys]
    parts = [framed[np.asarray(assign) == p] for p in range(n_parts)]
    rng = np.random.default_rng(0)
    parts = [p.iloc[rng.permutation(len(p))] for p in parts]  # a shuffle keeps no order
    found = [findings_of(p, call) for p in parts]
    issues = gather_issues(found, facts, cmap, date_order_guessed=guessed)
    return issues, gather_duplicates(found)


IDS = st.sampled_from(["A1", "A1", "B2", "1001", "1001.0", "#1001", " a1", "C3", None, "D4"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ids=st.lists(IDS, min_size=1, max_size=14), n_parts=st.integers(1, 4))
@example(ids=["B2", "A1", "A1", "B2", "1001.0", "1001.0", "A1", "B2"], n_parts=1)
@example(ids=["B2", "A1", "A1"], n_parts=2)
def test_partitioned_findings_equal_the_whole_frame(ids: list[str | None], n_parts: int) -> None:
    if all(i is None for i in ids):
        ids = ["A1", *ids[1:]]
    df = id_frame(ids)
    events = df.seeka.to_events(mapping={"unitPrice": "price"})
    issues, dups = _partitioned(df, n_parts, mapping={"unitPrice": "price"})
    pd.testing.assert_frame_equal(as_text(issues), as_text(events.issues))
    pd.testing.assert_frame_equal(as_text(dups), as_text(events.duplicates()))


def test_blocks_are_judged_by_whole_frame_positions() -> None:
    # A1's rows are separated by B2's in the file; in its partition they look adjacent
    df = pd.DataFrame(
        {
            "order_id": ["A1", "B2", "A1"],
            "time": ["2025-02-01T10:00:00Z"] * 3,
            "email": ["a@example.com"] * 3,
            "price": [1.0, 2.0, 3.0],
            "currency": ["AUD"] * 3,
        }
    )
    _issues, dups = _partitioned(df, 2, assign=[0, 1, 0], mapping={"unitPrice": "price"})
    assert list(dups["kind"]) == ["split_order"]
    assert dups["rows"].iloc[0] == [0, 2]


def test_day_first_is_decided_for_the_whole_frame() -> None:
    only_ambiguous = FrameFacts(3, frozenset(), numeric_dates=True)
    tells_day = FrameFacts(1, frozenset(), day_first=True, numeric_dates=True)
    assert resolve_dayfirst([only_ambiguous]) == (False, True)
    assert resolve_dayfirst([only_ambiguous, tells_day]) == (True, False)
    both = FrameFacts(1, frozenset(), day_first=True, month_first=True, numeric_dates=True)
    assert resolve_dayfirst([both]) == (False, True)
    assert resolve_dayfirst([FrameFacts(2, frozenset())]) == (False, False)
    facts = frame_facts(pd.DataFrame({"t": ["25/02/2025 10:00", None]}), ["t"], "t")
    assert facts.day_first and not facts.month_first and facts.filled == {"t"}


def test_a_column_empty_in_one_partition_only_is_not_reported_empty() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A1", "B2"],
            "time": ["2025-02-01T10:00:00Z"] * 2,
            "email": ["a@example.com", None],
            "price": [1.0, 2.0],
            "currency": ["AUD"] * 2,
        }
    )
    issues, _dups = _partitioned(df, 2, mapping={"unitPrice": "price"})
    assert "empty_column" not in set(issues["code"])
    issues, _dups = _partitioned(df.assign(email=None), 2, mapping={"unitPrice": "price"})
    assert list(issues["code"]).count("empty_column") == 1


def test_order_key_meets_the_spellings_id_hazard_reports() -> None:
    keys = order_key(pd.Series(["1001", "1001.0", "#1001", " 1001 ", None, 1001.0], dtype=object))
    assert list(keys) == ["1001"] * 4 + ["", "1001"]


def test_partition_with_other_columns_is_refused() -> None:
    with pytest.raises(seeka_nb.MappingError, match="columns differ"):
        frame_facts(pd.DataFrame({"a": [1]}), ["a"], None, expected=["a", "b"])
    df = seeka_nb.sample_orders()
    cmap = prepare(df, None, None)[2]
    call = PartCall(None, None, None, None, None, None, None, None, {"activityId": ("x",)})
    with pytest.raises(seeka_nb.MappingError, match="different column mapping"):
        call.build(df)
    assert cmap.fields != call.fields


def test_rows_without_an_order_id_alone_in_a_partition_are_reported() -> None:
    df = pd.DataFrame(
        {
            "order_id": ["A1", None],
            "time": ["2025-02-01T10:00:00Z"] * 2,
            "email": ["a@example.com"] * 2,
            "price": [1.0, 2.0],
            "currency": ["AUD"] * 2,
        }
    )
    events = df.seeka.to_events(mapping={"unitPrice": "price"})
    issues, _dups = _partitioned(df, 2, mapping={"unitPrice": "price"})
    pd.testing.assert_frame_equal(as_text(issues), as_text(events.issues))
