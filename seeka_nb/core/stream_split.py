"""Orders of a stream whose rows come in separate blocks (layer 2, pure: no I/O, no clock).

An export's rows of one order are usually adjacent; :func:`open_order_start` finds where a
chunk's last, possibly unfinished order begins, so the stream carries it over into the next
chunk.  An activity ID that comes back later, not adjacent (an unsorted file), lands in two
converted chunks: :class:`SeenIds` (64-bit hashes, 8 bytes per order) finds it, and
:func:`hold_back_split` holds that block back as a ``split_order`` error.

:func:`find_split_ids` finds those IDs *without converting*: it reads only the columns
that decide the orders (:func:`order_keys`: the activity ID's columns and the preset's
``group_by`` key), cuts the chunks exactly as :func:`~seeka_nb.core.stream.convert_frames`
does and numbers each cut's orders with the conversion's own
:func:`~seeka_nb.core.ordering.number_orders`, so it finds exactly the IDs the conversion
would find.  A stream's send uses it to hold back *every* block of such an ID, the first
one too (no partial order is ever sent).
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .build import OrderTable, prepare
from .context import Context
from .dedup import DUPLICATE_COLUMNS
from .issues import IssueLog
from .mapping import ColumnMapping, MappingSpec
from .ordering import number_orders
from .presets import Preset
from .values import to_text

__all__ = [
    "SPLIT_ORDER_MESSAGE",
    "OrderKeys",
    "SeenIds",
    "find_split_ids",
    "hold_back_split",
    "open_order_start",
    "order_keys",
    "split_hashes",
    "stack",
]

SPLIT_ORDER_MESSAGE = (
    "this activity ID already appeared earlier in the file, not next to these rows (the "
    "file is not sorted by order): these rows are held back so the order is neither sent "
    "twice nor sent with a partial total; sort the file by order ID (or read it whole) and "
    "convert again"
)


class SeenIds:
    """A set of 64-bit hashes of activity IDs, as sorted ``uint64`` arrays (memory-lean)."""

    def __init__(self) -> None:
        self._sorted = np.empty(0, dtype=np.uint64)

    def __len__(self) -> int:
        return int(self._sorted.size)

    @staticmethod
    def hashes(ids: np.ndarray) -> np.ndarray:
        """The 64-bit hash of each activity ID (text)."""
        if len(ids) == 0:
            return np.empty(0, dtype=np.uint64)
        return pd.util.hash_array(np.asarray(ids, dtype=object), categorize=False)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """Per hash: whether it was added before."""
        seen = self._sorted
        if seen.size == 0 or hashes.size == 0:
            return np.zeros(hashes.size, dtype=bool)
        at = np.searchsorted(seen, hashes)
        return seen[np.minimum(at, seen.size - 1)] == hashes

    def add(self, hashes: np.ndarray) -> None:
        """Add hashes (two sorted runs merged: near-linear)."""
        if hashes.size:
            merged = np.concatenate([self._sorted, np.unique(hashes)])
            merged.sort(kind="stable")
            keep = np.ones(merged.size, dtype=bool)
            keep[1:] = merged[1:] != merged[:-1]
            self._sorted = merged[keep]


def open_order_start(work: pd.DataFrame, cmap: object, key_col: Hashable | None) -> int:
    """Position where the chunk's last, possibly unfinished order begins."""
    ctx = Context(work, cmap, IssueLog())  # type: ignore[arg-type]
    ids, _ = ctx.text("activityId", ident=True)
    key = ids.values()
    if key_col is not None:
        groups = to_text(ctx.series(key_col)).values()
        key = np.where(pd.notna(groups), groups, key)
    last = key[-1]
    if last is None or (isinstance(last, float) and np.isnan(last)):
        return len(work)
    other = np.flatnonzero(key != last)
    return int(other[-1]) + 1 if other.size else 0


def hold_back_split(
    table: OrderTable, orders: np.ndarray, cmap: object
) -> tuple[OrderTable, pd.DataFrame]:
    """Hold back orders whose ID was seen in an earlier chunk; their findings."""
    status = table.status.copy()
    status[orders] = "error"
    log = IssueLog()
    log.add(
        table.first_row[orders],
        code="split_order",
        severity="error",
        field="activityId",
        column=cmap.columns("activityId")[0],  # type: ignore[attr-defined]
        message=SPLIT_ORDER_MESSAGE,
    )
    issues = pd.concat([table.issues, log.to_frame(table.labels, table.row_ids)])
    issues = issues.reset_index(drop=True)
    labels = np.asarray(table.labels, dtype=object)
    rows: list[list[object]] = [[] for _ in range(orders.size)]
    index = {int(o): k for k, o in enumerate(orders)}
    codes = table.row_order
    for pos in np.flatnonzero(np.isin(codes, orders)):
        rows[index[int(codes[pos])]].append(labels[pos])
    findings = pd.DataFrame(
        {
            "activity_id": pd.array(table.activity_id[orders], dtype="str"),
            "kind": "split_order",
            "field": None,
            "rows": rows,
            "n_rows": [len(r) for r in rows],
            "detail": "rows of this ID come in separate blocks: it appeared earlier in the "
            "stream; this block is held back (sort the file by order ID)",
        },
        columns=list(DUPLICATE_COLUMNS),
    )
    return replace(table, status=status, issues=issues), findings


def split_hashes(findings: pd.DataFrame) -> np.ndarray:
    """Sorted hashes of the activity IDs of ``split_order`` findings (for :func:`hold_back`)."""
    ids = findings.loc[findings["kind"] == "split_order", "activity_id"].to_numpy(dtype=object)
    return np.unique(SeenIds.hashes(ids))


def stack(pending: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """The carried-over rows on top of the next chunk.

    A column can be all missing in one and numeric in the other (measure columns are
    decided per chunk); pandas 2.2 then warns that a future version will let the all-NA
    side count in the result's dtype.  Either dtype holds the same values and the core reads
    both alike, so the warning is not the user's concern.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="The behavior of DataFrame concatenation with empty or all-NA",
            category=FutureWarning,
        )
        return pd.concat([pending, frame])


@dataclass(frozen=True)
class OrderKeys:
    """What decides a stream's orders: the source ``columns`` to read, the resolved
    mapping, the preset's ``group_by`` and the key the chunks are cut by (``key_col``)."""

    columns: list[Hashable]
    cmap: ColumnMapping
    group_by: tuple[Hashable, ...]
    key_col: Hashable | None


def group_key(pre: Preset, columns: Iterable[Hashable], cmap: ColumnMapping) -> Hashable | None:
    """The column a stream's chunks are cut by besides the activity ID (Shopify's ``Name``)."""
    present = set(columns)
    ids = cmap.columns("activityId")
    return next((c for c in pre.group_by if c in present and c not in ids), None)


def order_keys(
    first: pd.DataFrame, mapping: MappingSpec | None, preset: str | Preset | None
) -> OrderKeys | None:
    """The :class:`OrderKeys` of a stream, from its first chunk (all columns, as read);
    ``None`` when the preset derives the activity ID or the group key from other columns
    (then only a whole conversion finds the orders)."""
    if preset is None:
        marker = first.attrs.get("seeka_nb")
        if isinstance(marker, dict) and isinstance(marker.get("preset"), str):
            preset = marker["preset"]
    work, pre, cmap = prepare(first, mapping, preset)
    ids = list(cmap.columns("activityId"))
    groups = [c for c in pre.group_by if c in work.columns and c not in ids]
    needed = ids + groups
    if any(c not in first.columns for c in needed) or first.columns.duplicated().any():
        return None
    return OrderKeys(needed, cmap, pre.group_by, group_key(pre, first.columns, cmap))


def find_split_ids(frames: Iterable[pd.DataFrame], keys: OrderKeys) -> np.ndarray:
    """Sorted hashes of the activity IDs that come back in a later converted chunk (see the
    module docstring); ``frames`` hold at least ``keys.columns``."""
    seen = SeenIds()
    found: list[np.ndarray] = []

    def orders(part: pd.DataFrame) -> None:
        activity_id, _ = number_orders(Context(part, keys.cmap, IssueLog()), keys.group_by)
        hashes = SeenIds.hashes(activity_id)
        found.append(hashes[seen.contains(hashes)])
        seen.add(hashes)

    pending: pd.DataFrame | None = None
    for frame in frames:
        if len(frame) == 0:
            continue
        work = frame[keys.columns]
        work = work if pending is None else stack(pending, work)
        cut = open_order_start(work, keys.cmap, keys.key_col)
        pending = work.iloc[cut:]
        if cut:
            orders(work.iloc[:cut])
    if pending is not None and len(pending):
        orders(pending)
    return np.unique(np.concatenate(found)) if found else np.empty(0, dtype=np.uint64)
