"""The report of a streamed send, kept small per order (layer 4).

A backfill sends millions of orders; a :class:`~seeka_nb.pipeline.report.SendReport` built
as DataFrames of Python objects would grow with every chunk.  :class:`Outcomes` keeps, per
order, only compact columns appended chunk by chunk (about 40 bytes per order plus the ID's
UTF-8 bytes; 8 bytes per input row): the activity ID as UTF-8 bytes, the first row's label,
the status as a small code, the HTTP status, attempts, batch, an error *code* into one
table of distinct messages (a run's errors repeat) and the time of sending.  Input rows
point at their order's entry, so ``rows()`` needs no text of its own.

:class:`StreamedReport` is a ``SendReport`` whose ``frame`` and ``row_frame`` are built
from those columns when first read (the same columns, dtypes and values as the in-memory
report's), while ``counts``, ``ok``, ``summary()``, ``auth_failed`` and ``retry()`` read
the compact columns and never build the frames.  Each entry is one order's outcome:
nothing is summarised away, so ``ok`` is proven exactly as in memory.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd

from ..core.events import Events
from ..core.pdcompat import text_array
from .engine import Engine
from .report import STATUSES, SendReport
from .runner import _explain_held_back, _utc_times

__all__ = ["Outcomes", "StreamedReport"]

_CODE = {s: k for k, s in enumerate(STATUSES)}
_INVALID = _CODE["invalid"]
_NO_ID = "row has no activity ID"


def _status_codes(values: np.ndarray) -> np.ndarray:
    codes = pd.Categorical(values.astype(object), categories=STATUSES).codes
    if (codes < 0).any():  # a status the report does not know: never silently dropped
        raise ValueError(f"unknown send status {set(values[codes < 0])}")
    return codes.astype(np.uint8)


class Outcomes:
    """Per-order outcomes of a streamed send, appended chunk by chunk (module docstring)."""

    def __init__(self) -> None:
        self._parts: dict[str, list[np.ndarray]] = {
            k: []
            for k in ("ids", "id_len", "row", "status", "http", "attempts", "batch", "error", "at")
        }
        self._labels: list[Any] = []  # per chunk: (start, stop) of a plain range, or an Index
        self._row_entry: list[np.ndarray] = []  # per input row: its order's entry
        self._errors: dict[str, int] = {}
        self.n = 0  # entries (orders, and input rows without an ID)
        self.status_counts = np.zeros(len(STATUSES), dtype=np.int64)
        self.http_seen: set[int] = set()

    # --- appending ----------------------------------------------------------------------
    def add(self, events: Events, engine: Engine) -> np.ndarray:
        """Append a chunk's outcomes, as ``build_report`` would show them; returns each
        order's entry (``-1``: outside the run's universe)."""
        table = events._table
        _explain_held_back(table, engine)
        universe = engine.universe[: table.n_orders]  # then the orders carried over
        sel = np.flatnonzero(universe)
        whole = bool(universe.all())
        no_id = np.flatnonzero(table.row_order < 0) if whole else np.empty(0, dtype=np.int64)
        k, m = sel.size, no_id.size
        ids = [s.encode("utf-8") for s in table.activity_id[sel].tolist()]
        self._parts["ids"].append(np.frombuffer(b"".join(ids), dtype=np.uint8).copy())
        lengths = np.fromiter(map(len, ids), dtype=np.int32, count=k)
        self._parts["id_len"].append(np.concatenate([lengths, np.full(m, -1, np.int32)]))
        rows = np.concatenate([table.first_row[sel], no_id])
        self._parts["row"].append(_labels_at(table.labels, rows))
        status = np.concatenate([_status_codes(engine.status[sel]), np.full(m, _INVALID, np.uint8)])
        self._parts["status"].append(status)
        self.status_counts += np.bincount(status, minlength=len(STATUSES))
        http = engine.http[sel]
        self.http_seen.update(int(h) for h in np.unique(http) if h >= 0)
        self._parts["http"].append(np.concatenate([http, np.full(m, -1)]).astype(np.int16))
        self._parts["attempts"].append(
            np.concatenate([engine.attempts[sel], np.zeros(m, np.int64)]).astype(np.int32)
        )
        self._parts["batch"].append(
            np.concatenate([engine.batch[sel], np.full(m, -1)]).astype(np.int32)
        )
        errors = np.concatenate([engine.error[sel], np.full(m, _NO_ID, dtype=object)])
        self._parts["error"].append(self._error_codes(errors))
        self._parts["at"].append(np.concatenate([engine.sent_at[sel], np.full(m, np.nan)]))
        # input rows → their entry (orders first, then the rows without an ID)
        codes = table.row_order
        entry = np.full(len(codes), -1, dtype=np.int64)
        position = np.full(table.n_orders, -1, dtype=np.int64)
        position[sel] = self.n + np.arange(k)
        has = codes >= 0
        entry[has] = position[codes[has]]
        entry[no_id] = self.n + k + np.arange(m)
        keep = entry >= 0  # rows of orders outside the run's universe are not reported
        labels = table.labels
        self._labels.append(_range_of(labels) if keep.all() else labels[keep])
        self._row_entry.append(entry[keep])
        self.n += k + m
        return position

    def patch(self, entries: list[int], engine: Engine, first: int) -> None:
        """Outcomes of orders carried over into ``engine`` (its slots ``first...``) written
        to their entries (appended with their own chunk, pending until now)."""
        at = np.asarray(entries, dtype=np.int64)
        slots = np.arange(first, first + at.size)
        bounds = np.cumsum([0] + [len(p) for p in self._parts["status"]])
        new = {
            "status": _status_codes(engine.status[slots]),
            "http": engine.http[slots].astype(np.int16),
            "attempts": engine.attempts[slots].astype(np.int32),
            "batch": engine.batch[slots].astype(np.int32),
            "error": self._error_codes(engine.error[slots]),
            "at": engine.sent_at[slots],
        }
        self.http_seen.update(int(h) for h in engine.http[slots] if h >= 0)
        for j, entry in enumerate(at.tolist()):
            part = int(np.searchsorted(bounds, entry, side="right")) - 1
            offset = entry - int(bounds[part])
            old = int(self._parts["status"][part][offset])
            self.status_counts[old] -= 1
            self.status_counts[int(new["status"][j])] += 1
            for name, values in new.items():
                self._parts[name][part][offset] = values[j]

    def counts(self) -> dict[str, int]:
        """Entries per status (the statuses present)."""
        return {s: int(c) for s, c in zip(STATUSES, self.status_counts, strict=True) if c}

    def _error_codes(self, errors: np.ndarray) -> np.ndarray:
        codes, uniques = pd.factorize(pd.Series(errors, dtype=object), use_na_sentinel=True)
        table = np.array(
            [self._errors.setdefault(str(u), len(self._errors)) for u in uniques] + [-1],
            dtype=np.int32,
        )
        return table[codes]

    # --- reading ------------------------------------------------------------------------
    def _column(self, name: str) -> np.ndarray:
        parts = self._parts[name]
        return np.concatenate(parts) if parts else np.empty(0)

    def status_text(self) -> np.ndarray:
        return np.asarray(STATUSES, dtype=object)[self._column("status").astype(np.intp)]

    def activity_ids(self, which: np.ndarray | None = None) -> np.ndarray:
        """The entries' activity IDs (``None`` for rows without one), all or ``which``."""
        lengths = self._column("id_len").astype(np.int64)
        blob = bytes(self._column("ids").astype(np.uint8))
        ends = np.cumsum(np.maximum(lengths, 0))
        starts = ends - np.maximum(lengths, 0)
        pick = np.arange(self.n) if which is None else which
        out = np.empty(pick.size, dtype=object)
        for j, i in enumerate(pick.tolist()):
            out[j] = None if lengths[i] < 0 else blob[starts[i] : ends[i]].decode("utf-8")
        return out

    def frame(self, which: np.ndarray | None = None) -> pd.DataFrame:
        """The report's per-order frame (all entries, or the positions ``which``)."""
        pick = np.arange(self.n) if which is None else which
        http = self._column("http").astype(np.int64)[pick]
        batch = self._column("batch").astype(np.int64)[pick]
        messages = np.array([*self._errors, None], dtype=object)
        error = messages[self._column("error").astype(np.int64)[pick]]
        at = self._column("at").astype(np.float64)[pick]
        return pd.DataFrame(
            {
                "activity_id": text_array(self.activity_ids(pick)),
                "row": self._rows()[pick],
                "status": text_array(self.status_text()[pick]),
                "http_status": _nullable(http),
                "attempts": self._column("attempts").astype(np.int64)[pick],
                "batch": _nullable(batch),
                "error": text_array(error),
                "sent_at": _utc_times(at),
            }
        )

    def _rows(self) -> np.ndarray:
        parts = self._parts["row"]
        if not parts:
            return np.empty(0, dtype=object)
        if all(p.dtype == np.int64 for p in parts):
            return np.concatenate(parts)
        return np.concatenate([p.astype(object) for p in parts])

    def row_frame(self) -> pd.DataFrame:
        """The report's per-input-row frame, indexed by the input's labels."""
        entry = np.concatenate(self._row_entry) if self._row_entry else np.empty(0, np.int64)
        index = _index(self._labels)
        ids = self.activity_ids()
        return pd.DataFrame(
            {
                "activity_id": text_array(ids[entry]),
                "status": text_array(self.status_text()[entry]),
            },
            index=index,
        )

    def positions(self, statuses: tuple[str, ...]) -> np.ndarray:
        """Entries whose status is one of ``statuses``, in report order."""
        wanted = np.array([_CODE[s] for s in statuses], dtype=np.uint8)
        return np.flatnonzero(np.isin(self._column("status").astype(np.uint8), wanted))

    def __getstate__(self) -> dict[str, Any]:
        return self.__dict__


def _nullable(values: np.ndarray) -> Any:
    """Integers with ``-1`` for "none" as pandas' nullable ``Int64``."""
    return pd.arrays.IntegerArray(values.astype(np.int64), values < 0)


def _labels_at(labels: pd.Index, positions: np.ndarray) -> np.ndarray:
    values = labels[positions]
    if pd.api.types.is_integer_dtype(values.dtype):
        return np.asarray(values, dtype=np.int64)
    return np.asarray(values, dtype=object)


def _range_of(labels: pd.Index) -> Any:
    """``(start, stop)`` when the labels are ``start, start+1, ...`` (8 bytes per row saved
    for a file read in chunks), else the labels themselves."""
    if isinstance(labels, pd.RangeIndex) and labels.step == 1:
        return (labels.start, labels.stop)
    if pd.api.types.is_integer_dtype(labels.dtype) and len(labels):
        values = np.asarray(labels, dtype=np.int64)
        start = int(values[0])
        if np.array_equal(values, np.arange(start, start + len(values))):
            return (start, start + len(values))
    return labels


def _index(parts: list[Any]) -> pd.Index:
    if not parts:
        return pd.RangeIndex(0)
    if all(isinstance(p, tuple) for p in parts):
        starts = [p[0] for p in parts]
        contiguous = all(a[1] == b[0] for a, b in itertools.pairwise(parts))
        if contiguous:
            return pd.RangeIndex(starts[0], parts[-1][1])
    pieces = [pd.RangeIndex(*p) if isinstance(p, tuple) else p for p in parts]
    return pieces[0].append(pieces[1:]) if len(pieces) > 1 else pieces[0]


class StreamedReport(SendReport):
    """A :class:`SendReport` over :class:`Outcomes` (see the module docstring)."""

    def __init__(self, outcomes: Outcomes, **fields: Any) -> None:
        self._outcomes = outcomes
        self._built: dict[str, pd.DataFrame] = {}
        super().__init__(frame=None, row_frame=None, **fields)  # type: ignore[arg-type]

    @property
    def frame(self) -> pd.DataFrame:
        if "frame" not in self._built:
            self._built["frame"] = self._outcomes.frame()
        return self._built["frame"]

    @frame.setter
    def frame(self, value: pd.DataFrame | None) -> None:
        if value is not None:
            self._built["frame"] = value

    @property
    def row_frame(self) -> pd.DataFrame:
        if "row_frame" not in self._built:
            self._built["row_frame"] = self._outcomes.row_frame()
        return self._built["row_frame"]

    @row_frame.setter
    def row_frame(self, value: pd.DataFrame | None) -> None:
        if value is not None:
            self._built["row_frame"] = value

    def _status_counts(self) -> dict[str, int]:
        c = self._outcomes.status_counts
        return {s: int(c[k]) for k, s in enumerate(STATUSES)}

    def _n_orders(self) -> int:
        return self._outcomes.n

    def _rows_with(self, statuses: tuple[str, ...]) -> pd.DataFrame:
        if "frame" in self._built:
            return super()._rows_with(statuses)
        return self._outcomes.frame(self._outcomes.positions(statuses))

    def _http_seen(self, codes: tuple[int, ...]) -> bool:
        return any(c in self._outcomes.http_seen for c in codes)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_built"] = {}  # rebuilt from the outcomes when read
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
