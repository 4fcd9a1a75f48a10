"""One read per partition: its facts and its conversion in the same pass (layer 2, pure).

The careful way to convert a partitioned frame reads it twice: once for the whole-frame
facts (:mod:`seeka_nb.core.facts`), once to convert each partition with what they decide.
:func:`scan_partition` does both in one read, *speculatively*:

- the rows of the partition's first and last orders (by order key: the orders a partition
  boundary may cut) are set aside (``edge_rows``, few) and the others are converted;
- a partition whose own dates do not decide the day/month order converts with its own
  guess, and says which one it used.

:func:`scans_stand` then checks, from the facts of every partition, that the speculation was
right: each order key found in several partitions is set aside in every one of them (then
all of its rows are in :func:`edge_frame`, converted together as one more chunk), and every
partition used the day/month order decided for the whole frame.  When they stand, the
conversion is exactly the one a shuffle would give; when not (an unsorted frame, a date
order only another partition tells), the caller converts again the careful way.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .build import OrderTable
from .facts import (
    NO_KEY,
    FrameFacts,
    check_columns,
    frame_facts,
    repeated,
    resolve_dayfirst,
    row_key_hashes,
)
from .hazards import hazard_rows
from .partitions import POSITION, PartCall, PartFindings, in_frame_order, part_findings, table_of

_NO_ROW = np.iinfo(np.int64).max


@dataclass(frozen=True)
class PartScan:
    """One partition's facts and the findings of its rows not set aside (positions within
    the partition: :func:`shifted` makes them whole-frame ones)."""

    facts: FrameFacts
    dayfirst: bool  # the day/month order the partition was converted with
    edges: np.ndarray  # order-key hashes whose rows were set aside
    edge_rows: pd.DataFrame  # those rows, with their position in the partition (POSITION)
    findings: PartFindings


def edge_keys(row_keys: np.ndarray) -> np.ndarray:
    """The keys of the first and last rows that have one: the orders a partition boundary
    may cut."""
    present = np.flatnonzero(row_keys != NO_KEY)
    if present.size == 0:
        return np.empty(0, dtype=np.uint64)
    return np.unique(row_keys[[present[0], present[-1]]])


def scan_partition(
    df: pd.DataFrame,
    call: PartCall,
    columns: Sequence[Hashable],
    time_column: Hashable | None,
    expected: Sequence[Hashable],
    key: Hashable,
    set_aside: bool,
) -> PartScan:
    """Facts and findings of one partition in one read (see the module docstring);
    ``set_aside``: set the edge orders' rows aside (else every row is converted here)."""
    check_columns(df, expected)
    row_keys = row_key_hashes(df[key])
    facts = frame_facts(df, columns, time_column, row_keys=row_keys)
    dayfirst = call.dayfirst if call.dayfirst is not None else resolve_dayfirst([facts])[0]
    edges = edge_keys(row_keys) if set_aside else np.empty(0, dtype=np.uint64)
    aside = np.isin(row_keys, edges)
    pos = np.arange(len(df), dtype=np.int64)
    edge_rows = df[aside].assign(**{POSITION: pos[aside]})
    rest = df[~aside] if aside.any() else df
    findings = part_findings(
        rest.set_axis(pd.Index(pos[~aside])), replace(call, dayfirst=dayfirst), rest.index
    )
    return PartScan(facts, dayfirst, edges, edge_rows, findings)


def shared_keys(facts: Sequence[FrameFacts]) -> np.ndarray:
    """Order keys found in two or more partitions."""
    return repeated([f.keys for f in facts])


def scans_stand(scans: Sequence[PartScan], dayfirst: bool, grouped: bool) -> bool:
    """Whether the scans' conversions are the whole frame's: every partition used
    ``dayfirst`` and (unless the caller says each order is in one partition, ``grouped``)
    every order key found in several partitions was set aside wherever it is."""
    if any(s.dayfirst != dayfirst for s in scans):
        return False
    if grouped:
        return True
    shared = shared_keys([s.facts for s in scans])
    return all(
        bool(np.isin(s.facts.keys[np.isin(s.facts.keys, shared)], s.edges).all()) for s in scans
    )


def starts_of(scans: Sequence[PartScan]) -> list[int]:
    """Each partition's first row's position in the whole frame."""
    sizes = [s.facts.n_rows for s in scans]
    return np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64).tolist()


def shifted(found: PartFindings, start: int) -> PartFindings:
    """Findings with positions within a partition made whole-frame ones."""
    if start == 0:
        return found
    issues = found.issues.copy()
    pos = issues["_pos"].to_numpy(dtype=np.int64)
    issues["_pos"] = np.where(pos == _NO_ROW, pos, pos + start)
    dups = found.duplicates.copy()
    dups["_pos"] = dups["_pos"].to_numpy(dtype=np.int64) + start
    return replace(found, issues=issues, duplicates=dups)


def edge_frame(scans: Sequence[PartScan]) -> pd.DataFrame:
    """Every partition's set-aside rows, with whole-frame positions (``POSITION``): the
    rows of the orders cut by partition boundaries, converted together."""
    starts = starts_of(scans)
    pieces = [
        s.edge_rows.assign(**{POSITION: s.edge_rows[POSITION].to_numpy(dtype=np.int64) + start})
        for s, start in zip(scans, starts, strict=True)
    ]
    return pd.concat(pieces) if pieces else pd.DataFrame({POSITION: []})


def rest_table(
    df: pd.DataFrame, call: PartCall, key: Hashable, edges: np.ndarray
) -> OrderTable | None:
    """The conversion of a partition's rows that :func:`scan_partition` did not set aside
    (``None``: no such row with an order ID)."""
    if edges.size:
        df = df[~np.isin(row_key_hashes(df[key]), edges)]
    return table_of(df, call)


def scan_hazard_rows(
    df: pd.DataFrame,
    call: PartCall,
    key: Hashable,
    edges: np.ndarray,
    start: int,
    crossing: np.ndarray,
) -> pd.DataFrame:
    """:func:`~seeka_nb.core.hazards.hazard_rows` of the rows :func:`scan_partition`
    converted (``start``: the partition's first whole-frame position)."""
    pos = np.arange(start, start + len(df), dtype=np.int64)
    if edges.size:
        kept = ~np.isin(row_key_hashes(df[key]), edges)
        df, pos = df[kept], pos[kept]
    return hazard_rows(table_of(df, call), pos, crossing)


def framed_hazard_rows(df: pd.DataFrame, call: PartCall, crossing: np.ndarray) -> pd.DataFrame:
    """:func:`~seeka_nb.core.hazards.hazard_rows` of a chunk that carries whole-frame
    positions (``POSITION``)."""
    frame, pos = in_frame_order(df)
    return hazard_rows(table_of(frame, call), pos, crossing)
