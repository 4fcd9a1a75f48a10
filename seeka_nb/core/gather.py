"""Putting partitions' issues and duplicate findings together (layer 2, pure).

The partitions' findings (:func:`seeka_nb.core.partitions.part_findings`) carry each row's
position in the whole frame, so the gathered reports come out in the whole frame's row
order, as pandas gives them.  Frame-level warnings that every partition repeats are kept
once; those one partition cannot judge (``empty_column``, ``ambiguous_date_order``) are
decided here from the partitions' facts.  An activity ID converted in two partitions (the
caller said the partitioning keeps orders together, and it did not) is reported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from .dedup import DUPLICATE_COLUMNS, DuplicateFindings
from .issues import ISSUE_COLUMNS
from .mapping import ColumnMapping
from .partitions import FrameFacts, PartFindings
from .pdcompat import text_array

_KIND_RANK = {"conflicting_values": 0, "duplicate_lines": 1, "split_order": 2, "id_hazard": 3}
_NO_ROW = np.iinfo(np.int64).max
_COUNTS = (
    "rows",
    "orders",
    "to_send",
    "held_back_error",
    "held_back_excluded",
    "rows_without_id",
    "line_items",
)


def gather_issues(
    parts: Sequence[PartFindings],
    facts: Sequence[FrameFacts],
    cmap: ColumnMapping,
    *,
    date_order_guessed: bool,
) -> pd.DataFrame:
    """One issues frame for the whole frame (columns of ``Events.issues``)."""
    frames = [p.issues for p in parts]
    every = pd.concat(frames, ignore_index=True) if frames else parts_empty()
    row_level = every[every["_pos"] != _NO_ROW]
    frame_level = every[every["_pos"] == _NO_ROW]
    key = frame_level[["field", "severity", "code", "message"]].astype(str)
    key["column"] = frame_level["column"].map(repr)
    frame_level = frame_level[~key.duplicated().to_numpy()]
    extra = []
    filled = set().union(*(f.filled for f in facts)) if facts else set()
    for name, cols in cmap.fields.items():
        for col in cols:
            derived = isinstance(col, str) and col.startswith("seeka:")
            if not derived and col not in filled:
                extra.append(
                    _frame_issue(
                        "empty_column",
                        name,
                        col,
                        f"column {col!r} (mapped to {name}) has no values",
                    )
                )
    if date_order_guessed:
        extra.append(
            _frame_issue(
                "ambiguous_date_order",
                "time",
                cmap.columns("time")[0],
                "no date tells day-first from month-first (e.g. 03/02/2025); read as "
                "month-first. Pass dayfirst=True if they are day-first",
            )
        )
    ambiguous = frame_level[frame_level["code"] == "ambiguous_column"]
    rest = frame_level[frame_level["code"] != "ambiguous_column"]
    pieces = [row_level.sort_values("_pos", kind="stable"), ambiguous]
    if extra:
        template = every.iloc[:0]
        pieces.append(pd.concat([template, pd.DataFrame(extra)], ignore_index=True))
    pieces.append(rest)
    out = pd.concat(pieces, ignore_index=True).drop(columns="_pos")
    out["severity"] = pd.Categorical(
        out["severity"].astype(object), categories=["error", "excluded", "warning"]
    )
    aid = out["activity_id"].astype(object)
    out["activity_id"] = text_array(aid.where(aid.notna(), None).to_numpy(dtype=object))
    out["row"] = out["row"].astype(object)
    out["column"] = out["column"].astype(object)
    return out[list(ISSUE_COLUMNS)].reset_index(drop=True)


def _frame_issue(code: str, field: str, column: Hashable, message: str) -> dict[str, object]:
    return {
        "row": None,
        "activity_id": None,
        "field": field,
        "column": column,
        "severity": "warning",
        "code": code,
        "message": message,
        "_pos": _NO_ROW,
    }


def parts_empty() -> pd.DataFrame:
    """An empty issues frame with the ``_pos`` column."""
    from .partitions import _no_issues

    return _no_issues()


def _id_partitions(parts: Sequence[PartFindings]) -> Counter[str]:
    """How many partitions each activity ID converted in two or more of them is in (found
    by hashes; counted by the IDs themselves)."""
    hashes = [p.id_hashes for p in parts]
    every = np.sort(np.concatenate(hashes)) if hashes else np.empty(0, dtype=np.uint64)
    crossing = np.unique(every[1:][every[1:] == every[:-1]])
    if crossing.size == 0:
        return Counter()
    found = Counter(
        a
        for p, h in zip(parts, hashes, strict=True)
        for a in dict.fromkeys(np.asarray(p.activity_ids, dtype=object)[np.isin(h, crossing)])
    )
    return Counter({a: n for a, n in found.items() if n > 1})


def repeated_ids(parts: Sequence[PartFindings]) -> list[str]:
    """Activity IDs converted in more than one partition (a send holds them back)."""
    return [a for a, n in _id_partitions(parts).items() if n > 1]


def sum_summaries(summaries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The partitions' ``Events.summary()`` counts added up (revenue per currency too)."""
    out: dict[str, Any] = {k: 0 for k in _COUNTS}
    revenue: dict[str, float] = {}
    for s in summaries:
        for k in _COUNTS:
            out[k] += s[k]
        for cur, value in s["revenue"].items():
            revenue[cur] = revenue.get(cur, 0.0) + value
    out["revenue"] = {k: round(v, 6) for k, v in revenue.items()}
    return out


def gather_duplicates(parts: Sequence[PartFindings]) -> DuplicateFindings:
    """One duplicates report for the whole frame, in the whole frame's row order."""
    frames = [p.duplicates for p in parts if len(p.duplicates)]
    findings = pd.concat(frames, ignore_index=True) if frames else None
    seen = _id_partitions(parts)
    repeated = [a for a, n in seen.items() if n > 1]
    extra = pd.DataFrame(
        [
            {
                "activity_id": a,
                "kind": "split_order",
                "field": None,
                "rows": [],
                "n_rows": 0,
                "detail": f"rows of this ID are in {seen[a]} partitions and were converted as "
                "separate orders: let seeka_nb bring each order's rows together (do not "
                "pass grouped=True)",
                "_pos": _NO_ROW,
            }
            for a in repeated
        ],
        columns=[*DUPLICATE_COLUMNS, "_pos"],
    )
    if findings is None and not repeated:
        frame = pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
        frame["activity_id"] = frame["activity_id"].astype("str")
        return DuplicateFindings(frame)
    both = pd.concat([f for f in (findings, extra) if f is not None and len(f)], ignore_index=True)
    fields = max((p.fields for p in parts), key=len, default=())  # the same in every one
    both["_rank"] = both["kind"].map(_KIND_RANK)
    conflict = (both["kind"] == "conflicting_values").to_numpy()
    both["_field"] = np.where(
        conflict, both["field"].map({f: i for i, f in enumerate(fields)}).fillna(len(fields)), -1
    )
    order = ["_rank", "_field", "_pos"]
    both = both.sort_values(order, kind="stable").drop(columns=order)
    both["activity_id"] = both["activity_id"].astype("str")
    both["n_rows"] = both["n_rows"].astype(np.int64)
    return DuplicateFindings(both.reset_index(drop=True))
