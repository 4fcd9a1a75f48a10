"""Converting a frame that arrives as partitions (Dask) exactly as if it were one (layer 2).

A partitioned frame is converted one partition at a time (in a worker), but the answer must
be the one the whole frame gives in pandas.  What depends on the whole frame is decided once,
on the caller's side, from small per-partition facts (:mod:`seeka_nb.core.facts`: row count, which
mapped columns hold values, the day/month evidence of the time column): the day/month order,
the ``empty_column`` and ``ambiguous_date_order`` warnings.  Every partition then converts
with the same arguments (:class:`PartCall`) and checks that it resolves the same mapping.

Rows of one order must be in one partition (the caller shuffles on :func:`order_key`, a
spelling-insensitive form of the order key, so that IDs spelled ``1001``/``1001.0``/``#1001``
meet, as ``id_hazard`` needs).  :func:`part_findings` converts a partition whose index holds
each row's position in the whole frame and returns its issues and duplicate findings with
those positions, so that blocks of rows (``split_order``) are judged in the whole frame's
row order; :mod:`seeka_nb.core.gather` puts the partitions' findings together.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import MappingError, ValidationError
from .build import OrderTable, build_table, prepare
from .dedup import find_duplicates
from .events import Events
from .facts import (  # noqa: F401  (the facts' names, for this module's users)
    FrameFacts,
    check_columns,
    frame_facts,
    key_hashes,
    order_key,
    resolve_dayfirst,
    row_key_hashes,
)
from .hazards import id_key_hashes
from .issues import ISSUE_COLUMNS
from .mapping import ColumnMapping, MappingSpec
from .presets import get_preset

_NO_SUMMARY: dict[str, Any] = {
    "rows": 0,
    "orders": 0,
    "to_send": 0,
    "held_back_error": 0,
    "held_back_excluded": 0,
    "rows_without_id": 0,
    "line_items": 0,
    "revenue": {},
}

#: Frame-level warnings that one partition cannot judge: decided from the facts instead.
WHOLE_FRAME_CODES = frozenset({"empty_column", "ambiguous_date_order"})


@dataclass(frozen=True)
class PartCall:
    """The conversion arguments every partition uses: decided once, by the caller."""

    mapping: MappingSpec | None
    preset: str | None
    tz: str | dt.tzinfo | None
    dayfirst: bool | None
    consent: str | None
    currency: str | None
    status_policy: Mapping[str, str] | None
    now: float | None
    fields: dict[str, tuple[Hashable, ...]] = field(default_factory=dict)

    def build(self, df: pd.DataFrame) -> OrderTable:
        """``build_table`` with these arguments; refuses a mapping that differs."""
        if self.fields:
            cmap = prepare(df, self.mapping, self.preset)[2]
            if dict(cmap.fields) != self.fields:
                raise MappingError(
                    "A partition resolved a different column mapping than the first rows did "
                    f"({dict(cmap.fields)} instead of {self.fields}). Pass the mapping "
                    "explicitly: mapping={...}."
                )
        return build_table(
            df,
            self.mapping,
            preset=self.preset,
            tz=self.tz,
            dayfirst=self.dayfirst,
            consent=self.consent,
            currency=self.currency,
            status_policy=self.status_policy,
            now=self.now,
        )


def key_column(cmap: ColumnMapping, columns: Sequence[Hashable]) -> Hashable:
    """The column whose equal values make one order: the preset's ``group_by`` key when the
    frame has it, else the activity ID column."""
    aid = cmap.columns("activityId")[0]
    pre = get_preset(cmap.preset)
    return next((c for c in pre.group_by if c in columns and c != aid), aid)


@dataclass(frozen=True)
class PartFindings:
    """One partition's issues and duplicate findings, rows as whole-frame positions
    (column ``_pos``: the first row's position, for ordering) and as the user's labels."""

    issues: pd.DataFrame
    duplicates: pd.DataFrame
    n_rows: int
    activity_ids: np.ndarray  # every order's activity ID (to find IDs in two partitions)
    fields: tuple[str, ...] = ()  # the order conflicting_values findings come in
    summary: dict[str, Any] = field(default_factory=dict)  # Events.summary() counts
    id_keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))

    @property
    def id_hashes(self) -> np.ndarray:
        """64-bit hashes of :attr:`activity_ids` (one per order)."""
        return pd.util.hash_array(np.asarray(self.activity_ids, dtype=object), categorize=False)


def part_findings(df: pd.DataFrame, call: PartCall, labels: pd.Index) -> PartFindings:
    """Convert one partition (index: whole-frame positions, ascending; ``labels``: the
    user's index labels of the same rows) and return its findings."""
    if len(df) == 0:
        return PartFindings(
            _no_issues(), _no_duplicates(), 0, np.empty(0, dtype=object), summary=_NO_SUMMARY
        )
    try:
        table = call.build(df)
    except ValidationError as exc:
        if "has no values" not in str(exc) or "activityId" not in str(exc):
            raise
        summary = {**_NO_SUMMARY, "rows": len(df), "rows_without_id": len(df)}
        return PartFindings(
            _no_ids(df, call, labels), _no_duplicates(), len(df), np.empty(0), summary=summary
        )
    positions = np.asarray(df.index, dtype=np.int64)
    label_arr = np.asarray(labels, dtype=object)
    issues = table.issues
    issues = issues[~issues["code"].isin(WHOLE_FRAME_CODES).to_numpy()].copy()
    pos = issues["row"].to_numpy(dtype=object)
    has_row = np.array([p is not None for p in pos], dtype=bool)
    at = np.full(len(pos), np.iinfo(np.int64).max, dtype=np.int64)
    at[has_row] = pos[has_row].astype(np.int64)
    issues["_pos"] = at
    rows = np.full(len(pos), None, dtype=object)
    rows[has_row] = label_arr[np.searchsorted(positions, at[has_row])]
    issues["row"] = pd.Series(rows, dtype=object)
    found = find_duplicates(table, positions=positions)
    events = Events(table)
    events.__dict__["_duplicates"] = found  # its summary counts them: found once, not twice
    summary = events.summary()
    dups = found.copy()
    # findings come in the order of their order's first row (pandas: order of appearance)
    order = pd.Index(table.activity_id).get_indexer(dups["activity_id"].to_numpy(dtype=object))
    first = np.where(order >= 0, positions[table.first_row[np.maximum(order, 0)]], -1)
    hazard = (dups["kind"] == "id_hazard").to_numpy()
    dups["_pos"] = np.array(
        [
            min(rows) if h or f < 0 else f
            for f, rows, h in zip(first.tolist(), dups["rows"], hazard, strict=True)
        ],
        dtype=np.int64,
    )
    dups["rows"] = [
        label_arr[np.searchsorted(positions, np.asarray(r, dtype=np.int64))].tolist()
        for r in dups["rows"]
    ]
    ids = np.asarray(table.activity_id, dtype=object)
    return PartFindings(
        issues.reset_index(drop=True),
        dups,
        len(df),
        ids,
        table.level_fields,
        summary,
        id_key_hashes(table.raw_ids),
    )


def _no_ids(df: pd.DataFrame, call: PartCall, labels: pd.Index) -> pd.DataFrame:
    """The issues of a partition none of whose rows has an order ID (only such rows)."""
    _work, pre, cmap = prepare(df, call.mapping, call.preset)
    col = cmap.columns("activityId")[0]
    key = next((c for c in pre.group_by if c in df.columns and c != col), None)
    message = (
        f"no row of this {key!r} has an activity ID in {col!r}; it cannot be sent"
        if key is not None
        else "row has no activity ID (order ID); it cannot be sent"
    )
    n = len(df)
    frame = _no_issues()
    frame = pd.DataFrame(
        {
            "row": pd.Series(list(labels), dtype=object),
            "activity_id": pd.Series([None] * n, dtype=frame["activity_id"].dtype),
            "field": "activityId",
            "column": pd.Series([col] * n, dtype=object),
            "severity": pd.Categorical(["error"] * n, categories=["error", "excluded", "warning"]),
            "code": "missing_activity_id",
            "message": message,
            "_pos": np.asarray(df.index, dtype=np.int64),
        }
    )
    return frame


def _no_issues() -> pd.DataFrame:
    from .issues import _empty_frame

    frame = _empty_frame()
    frame["_pos"] = pd.Series([], dtype=np.int64)
    return frame[[*ISSUE_COLUMNS, "_pos"]]


def _no_duplicates() -> pd.DataFrame:
    from .dedup import DUPLICATE_COLUMNS

    frame = pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
    frame["activity_id"] = frame["activity_id"].astype("str")
    frame["_pos"] = pd.Series([], dtype=np.int64)
    return frame


#: Columns the caller adds to every partition before bringing orders together.
POSITION, KEY = "__seeka_pos__", "__seeka_key__"


def with_positions(
    df: pd.DataFrame, start: int, key: Hashable | None, *, add_key: bool = True
) -> pd.DataFrame:
    """``df`` plus each row's whole-frame position (from ``start``) and, with ``add_key``,
    the :func:`order_key` of column ``key`` (a new frame; the input is kept)."""
    out = df.assign(**{POSITION: np.arange(start, start + len(df), dtype=np.int64)})
    if add_key:
        out[KEY] = order_key(df[key]) if key is not None else ""
    return out


def positions_of(
    p: pd.DataFrame,
    starts: list[int],
    key: Hashable,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """:func:`with_positions` of Dask's partition ``partition_info["number"]``, whose first
    row is at ``starts[number]`` (run in the workers: defined here, where importing it does
    not import Dask)."""
    number = partition_info["number"] if partition_info is not None else 0
    return with_positions(p, starts[number], key)


def first_rows(part: pd.DataFrame) -> pd.DataFrame:
    """A partition's first rows (to resolve the mapping from)."""
    return part.head(50)


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    return key_hashes(df[KEY].to_numpy(dtype=object))


def rows_with_keys(df: pd.DataFrame, hashes: np.ndarray) -> pd.DataFrame:
    """The rows of a partition (with the added columns) whose key hash is in ``hashes``."""
    return df[np.isin(_row_hashes(df), hashes)]


def regroup(df: pd.DataFrame, leaving: np.ndarray, *arriving: pd.DataFrame) -> pd.DataFrame:
    """A partition without the rows whose key hash is in ``leaving`` (their order's home
    is an earlier partition), plus the rows ``arriving`` from later partitions."""
    own = df[~np.isin(_row_hashes(df), leaving)] if leaving.size else df
    return pd.concat([own, *arriving]) if arriving else own


def in_frame_order(df: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """A partition back in the whole frame's row order, without the added columns, and the
    rows' whole-frame positions."""
    pos = df[POSITION].to_numpy(dtype=np.int64)
    order = np.argsort(pos, kind="stable")
    extra = [c for c in (POSITION, KEY) if c in df.columns]
    return df.drop(columns=extra).iloc[order], pos[order]


def findings_of(df: pd.DataFrame, call: PartCall) -> PartFindings:
    """:func:`part_findings` of a partition that carries the added columns."""
    frame, pos = in_frame_order(df)
    labels = frame.index
    return part_findings(frame.set_axis(pd.Index(pos)), call, labels)


def events_of(df: pd.DataFrame, call: PartCall) -> OrderTable | None:
    """The conversion of a partition that carries the added columns (``None``: no rows, or
    no row with an order ID: those rows are in the issues report)."""
    return table_of(in_frame_order(df)[0], call)


def table_of(frame: pd.DataFrame, call: PartCall) -> OrderTable | None:
    """The conversion of rows in the frame's order (``None``: no rows, or no row with an
    order ID: those rows are in the issues report)."""
    if len(frame) == 0:
        return None
    try:
        return call.build(frame)
    except ValidationError as exc:
        if "has no values" in str(exc) and "activityId" in str(exc):
            return None
        raise
