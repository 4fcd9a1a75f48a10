"""Converting a frame that arrives as partitions (Dask) exactly as if it were one (layer 2).

A partitioned frame is converted one partition at a time (in a worker), but the answer must
be the one the whole frame gives in pandas.  What depends on the whole frame is decided once,
on the caller's side, from small per-partition facts (:func:`frame_facts`: row count, which
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
from .issues import ISSUE_COLUMNS
from .mapping import ColumnMapping, MappingSpec
from .presets import get_preset
from .times import _NUMERIC_DATE
from .values import to_text

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
class FrameFacts:
    """What a partition tells about the whole frame (small: no rows)."""

    n_rows: int
    filled: frozenset[Hashable]  # mapped columns with at least one value
    day_first: bool = False  # some numeric date has a first number above 12
    month_first: bool = False  # some numeric date has a second number above 12
    numeric_dates: bool = False  # some value looks like 03/02/2025
    keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))


def frame_facts(
    df: pd.DataFrame,
    columns: Sequence[Hashable],
    time_column: Hashable | None,
    expected: Sequence[Hashable] | None = None,
    key: Hashable | None = None,
) -> FrameFacts:
    """The facts of one partition (``columns``: the mapped columns to check for values;
    ``expected``: the first partition's columns, which every partition must have; ``key``:
    the order key column, whose distinct :func:`key_hashes` are returned)."""
    if expected is not None and list(df.columns) != list(expected):
        missing = [c for c in expected if c not in df.columns]
        extra = [c for c in df.columns if c not in expected]
        raise MappingError(
            "A partition's columns differ from the first partition's, so it would be read "
            f"with a different column mapping (missing {missing}, extra {extra}). Give every "
            "partition the same columns (e.g. ddf[columns]) and try again."
        )
    filled = []
    for col in columns:
        if col in df.columns:
            try:
                if not bool(df[col].isna().all()):
                    filled.append(col)
            except (TypeError, ArithmeticError, ValueError):  # cells pandas cannot test
                filled.append(col)
    day = month = numeric = False
    if time_column is not None and time_column in df.columns and len(df):
        column = df[time_column]
        if not pd.api.types.is_datetime64_any_dtype(column.dtype):
            uniques = pd.Series(pd.unique(column.to_numpy(dtype=object)), dtype=object)
            text = pd.Series(to_text(uniques).values(), dtype=object).dropna().astype(str)
            parts = text.str.extract(_NUMERIC_DATE).dropna()
            if not parts.empty:
                numeric = True
                day = bool((parts[0].astype(int) > 12).any())
                month = bool((parts[1].astype(int) > 12).any())
    keys = np.empty(0, dtype=np.uint64)
    if key is not None and key in df.columns:
        keys = np.unique(key_hashes(order_key(df[key])))
    return FrameFacts(len(df), frozenset(filled), day, month, numeric, keys)


def key_hashes(keys: np.ndarray) -> np.ndarray:
    """64-bit hashes of :func:`order_key` values; rows without a key are left out of the
    facts (hash of ``""`` is never compared)."""
    keys = np.asarray(keys, dtype=object)
    hashes = pd.util.hash_array(keys, categorize=True)
    return hashes[keys != ""] if keys.size else hashes


def resolve_dayfirst(facts: Sequence[FrameFacts]) -> tuple[bool, bool]:
    """``(dayfirst, guessed)`` for the whole frame, as :func:`~seeka_nb.core.times.
    infer_dayfirst` decides on one frame."""
    if not any(f.numeric_dates for f in facts):
        return False, False
    day = any(f.day_first for f in facts)
    month = any(f.month_first for f in facts)
    if day != month:
        return day, False
    return False, True


def order_key(column: pd.Series) -> np.ndarray:
    """The order key as text, insensitive to the spellings ``id_hazard`` reports
    (case, blanks, a leading ``#``, a ``.0`` suffix); ``""`` where a row has none."""
    text = pd.Series(to_text(column.reset_index(drop=True)).values(), dtype=object)
    canon = (
        text.fillna("")
        .astype(str)
        .str.strip()
        .str.lower()
        .str.lstrip("#")
        .str.replace(r"\.0+$", "", regex=True)
    )
    return canon.to_numpy(dtype=object)


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
    label_of = dict(zip(positions.tolist(), labels, strict=True))
    issues = table.issues
    issues = issues[~issues["code"].isin(WHOLE_FRAME_CODES).to_numpy()].copy()
    pos = issues["row"].to_numpy(dtype=object)
    issues["_pos"] = np.array(
        [np.iinfo(np.int64).max if p is None else int(p) for p in pos], dtype=np.int64
    )
    issues["row"] = pd.Series([None if p is None else label_of[int(p)] for p in pos], dtype=object)
    dups = find_duplicates(table, positions=positions).copy()
    # findings come in the order of their order's first row (pandas: order of appearance)
    first = dict(zip(table.activity_id.tolist(), positions[table.first_row].tolist(), strict=True))
    hazard = (dups["kind"] == "id_hazard").to_numpy()
    dups["_pos"] = np.array(
        [
            min(rows) if h else first.get(a, min(rows))
            for a, rows, h in zip(dups["activity_id"], dups["rows"], hazard, strict=True)
        ],
        dtype=np.int64,
    )
    dups["rows"] = [[label_of[int(p)] for p in rows] for rows in dups["rows"]]
    return PartFindings(
        issues.reset_index(drop=True),
        dups,
        len(df),
        np.asarray(table.activity_id, dtype=object),
        table.level_fields,
        Events(table).summary(),
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


def _row_hashes(df: pd.DataFrame) -> np.ndarray:
    return pd.util.hash_array(df[KEY].to_numpy(dtype=object), categorize=True)


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
    frame, _pos = in_frame_order(df)
    if len(frame) == 0:
        return None
    try:
        return call.build(frame)
    except ValidationError as exc:
        if "has no values" in str(exc) and "activityId" in str(exc):
            return None
        raise
