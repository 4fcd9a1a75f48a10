"""How a Dask frame is converted, on the client side (layer 5, with the Dask accessor).

:class:`DaskPlan` resolves the mapping once from the first rows, then reads every partition
once (:func:`seeka_nb.core.scan.scan_partition`, in the workers): its facts (rows, filled
columns, day/month evidence, order-key hashes) and its conversion together, the rows of the
orders a partition boundary may cut set aside.  When the facts show that this conversion
stands (every order found in several partitions was set aside wherever it is, and every
partition used the day/month order decided for the whole frame) the set-aside rows are
converted together as one more chunk (mode ``edges``; ``grouped`` when no order is cut) and
nothing is read again.  Otherwise the careful path runs from the same facts: ``regrouped``
(the few orders found in several partitions move to the first of them) or ``shuffled`` (a
shuffle on the order key).  ``grouped=False`` forces the shuffle (a facts-only first pass);
``grouped=True`` converts each partition whole.  ID spellings found in several chunks have
their rows read again for the whole frame's ``id_hazard`` findings
(:mod:`seeka_nb.core.hazards`).  Only small results (facts, findings, set-aside rows) and,
while sending, ``window`` chunks' events at a time come back to the client.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Iterator
from dataclasses import replace
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.delayed import Delayed

from .core.events import Events
from .core.facts import frame_facts, resolve_dayfirst
from .core.hazards import crossing_ids, whole_frame_hazards
from .core.mapping import ColumnMapping, MappingSpec, check_mapping_argument
from .core.partitions import (
    KEY,
    POSITION,
    FrameFacts,
    PartCall,
    PartFindings,
    events_of,
    findings_of,
    first_rows,
    positions_of,
    regroup,
    rows_with_keys,
)
from .core.scan import (
    PartScan,
    edge_frame,
    framed_hazard_rows,
    rest_table,
    scan_hazard_rows,
    scans_stand,
    shared_keys,
    shifted,
    starts_of,
)
from .dask_tasks import Resolved, resolve_head, scan_resolved
from .errors import ValidationError

#: Orders found in several partitions that are moved to their first partition rather than
#: shuffling the whole frame (or 1 % of the orders, when more).
MAX_MOVED_ORDERS = 1000

#: Partitions converted at once while sending (the client holds at most this many
#: partitions' events, plus the one being sent).
DEFAULT_WINDOW = 2


def head_rows(ddf: dd.DataFrame) -> pd.DataFrame:
    """The first partition's first rows (not ``ddf.head``: with ``set_index(drop=False)``
    Dask 2026.8 drops the index column from its result)."""
    first = ddf.to_delayed()[0]
    return dask.delayed(first_rows)(first).compute()


class DaskPlan:
    """How one Dask frame is converted (client side): the call every partition uses, the
    whole-frame facts and the graph that brings each order's rows together."""

    def __init__(
        self,
        ddf: dd.DataFrame,
        mapping: MappingSpec | None,
        preset: str | None,
        kwargs: dict[str, Any],
        grouped: bool | None,
    ) -> None:
        self.ddf = ddf
        check_mapping_argument(mapping)  # misuse is refused now; the rest at the first read
        self._mapping, self._preset = mapping, preset
        self.grouped_arg = grouped
        # one clock reading for every partition; the preset and the mapping's fields are
        # filled in when the first rows are read (:meth:`_resolve`, or within the scan)
        self.call = PartCall(mapping, preset, now=time.time(), **kwargs)
        self._resolved: Resolved | None = None
        self._facts: list[FrameFacts] | None = None
        self._scans: list[PartScan] | None = None  # the one-read pass, when it stands
        self._edges: pd.DataFrame | None = None  # the rows it set aside (orders cut)
        self.guessed = False  # the day/month order was guessed (decided by the facts)
        self._dayfirst_given = self.call.dayfirst is not None
        # the client current when the stream is made: a send iterates in another thread,
        # where a ``with client.as_current():`` block of the caller is not visible
        self.client = _current_client()

    # --- what the first rows decide -------------------------------------------------------
    def _resolve(self) -> Resolved:
        """The mapping, preset and order key (read from the first rows once: by the scan's
        graph, or here for the other paths)."""
        if self._resolved is None:
            head = head_rows(self.ddf)
            self._set_resolved(resolve_head(head, self.ddf._meta, self._mapping, self._preset))
        assert self._resolved is not None
        return self._resolved

    def _set_resolved(self, resolved: Resolved) -> None:
        self._resolved = resolved
        dayfirst = self.call.dayfirst
        if dayfirst is None and resolved.dayfirst is not None:  # the preset's
            dayfirst, self._dayfirst_given = resolved.dayfirst, True
        fields = dict(resolved.cmap.fields)
        self.call = replace(self.call, preset=resolved.preset, fields=fields, dayfirst=dayfirst)

    @property
    def cmap(self) -> ColumnMapping:
        """The column mapping every partition uses."""
        return self._resolve().cmap

    @property
    def key(self) -> Hashable:
        """The order key column."""
        return self._resolve().key

    @property
    def columns(self) -> list[Hashable]:
        """The first partition's columns (every partition must have them)."""
        return self._resolve().columns

    def compute(self, *objs: Any) -> tuple[Any, ...]:
        """``dask.compute`` on this plan's client (or Dask's default scheduler)."""
        return dask.compute(*objs, scheduler=self.client)

    # --- the first read: facts, and the conversion when the partitions allow it ------------
    def facts(self) -> list[FrameFacts]:
        """The partitions' facts (computed once, by :meth:`_scan` unless a shuffle is
        forced: then a facts-only pass)."""
        if self._facts is None:
            if self.grouped_arg is False:
                cols = [c for cs in self.cmap.fields.values() for c in cs]
                tcol = self.cmap.columns("time")[0]
                expected = list(self.columns)
                parts = self.ddf.to_delayed()
                task = dask.delayed(frame_facts)
                self._decide(
                    list(self.compute(*[task(p, cols, tcol, expected, self.key) for p in parts]))
                )
            else:
                self._scan()
        assert self._facts is not None
        return self._facts

    def _decide(self, facts: list[FrameFacts]) -> None:
        """Keep the facts; decide the day/month order for the whole frame."""
        self._facts = facts
        if sum(f.n_rows for f in facts) == 0:
            raise ValidationError("The DataFrame has no rows: there are no orders to convert.")
        if not self._dayfirst_given:
            dayfirst, self.guessed = resolve_dayfirst(facts)
            self.call = replace(self.call, dayfirst=dayfirst)

    def _scan(self) -> None:
        """One read of every partition: facts and (speculative) conversion together
        (:mod:`seeka_nb.core.scan`), the mapping resolved from the first rows in the same
        graph; the conversion is kept when it stands."""
        set_aside = self.grouped_arg is None
        parts = self.ddf.to_delayed()
        if self._resolved is None:
            head = dask.delayed(first_rows)(parts[0])
            resolved = dask.delayed(resolve_head)(head, self.ddf._meta, self._mapping, self._preset)
        else:
            resolved = self._resolved
        task = dask.delayed(scan_resolved)
        got = self.compute(resolved, *[task(p, resolved, self.call, set_aside) for p in parts])
        self._set_resolved(got[0])
        scans = list(got[1:])
        self._decide([s.facts for s in scans])
        if scans_stand(scans, bool(self.call.dayfirst), grouped=not set_aside):
            self._scans = scans
            self._edges = edge_frame(scans)

    # --- the graph ------------------------------------------------------------------------
    def mode(self) -> str:
        """``grouped`` (no row moves), ``edges`` (the orders cut by partition boundaries are
        converted together, from the rows the one read set aside), ``regrouped`` (the few
        orders whose rows are in two or more partitions move to the first of them) or
        ``shuffled`` (a full shuffle)."""
        facts = self.facts()
        if self.grouped_arg is not None:
            return "grouped" if self.grouped_arg else "shuffled"
        shared = shared_keys(facts).size
        if shared == 0:
            return "grouped"
        if self._scans is not None:
            return "edges"
        keys = sum(f.keys.size for f in facts)
        return "regrouped" if shared <= max(MAX_MOVED_ORDERS, keys // 100) else "shuffled"

    def parts(self) -> list[Delayed]:
        """The frame's partitions (delayed) with positions and the key, each order's rows
        in one partition (when the one read's conversion does not stand)."""
        facts = self.facts()
        mode = self.mode()
        starts = np.concatenate([[0], np.cumsum([f.n_rows for f in facts])[:-1]]).tolist()
        meta = self.ddf._meta.assign(**{POSITION: np.int64(0), KEY: pd.Series([], dtype=object)})
        framed = self.ddf.map_partitions(
            positions_of, starts, self.key, meta=meta, enforce_metadata=False
        )
        if mode == "shuffled":
            return list(framed.shuffle(on=KEY, npartitions=self.ddf.npartitions).to_delayed())
        parts = list(framed.to_delayed())
        if mode == "grouped":
            return parts
        return _regroup(parts, [f.keys for f in facts])

    def findings(self) -> list[PartFindings]:
        """Every chunk's issues and duplicate findings (small; computed together), with the
        ``id_hazard`` findings of IDs spelled differently in several chunks made whole."""
        self.facts()
        call = self.call
        if self._scans is not None:
            found = [
                shifted(s.findings, start)
                for s, start in zip(self._scans, starts_of(self._scans), strict=True)
            ]
            if self._edges is not None and len(self._edges):
                found.extend(self.compute(dask.delayed(findings_of)(self._edges, call)))
        else:
            parts = self.parts()
            found = list(self.compute(*[dask.delayed(findings_of)(p, call) for p in parts]))
        crossing = crossing_ids([f.id_keys for f in found])
        if crossing.size == 0:
            return found
        tasks = [
            task
            for f, task in zip(found, self._hazard_tasks(crossing), strict=True)
            if np.isin(f.id_keys, crossing).any()
        ]
        return whole_frame_hazards(found, list(self.compute(*tasks)))

    def _hazard_tasks(self, crossing: np.ndarray) -> list[Delayed]:
        """For each chunk (as :meth:`findings` lists them), the task that reads again its
        rows whose ID is one of ``crossing``."""
        call = self.call
        if self._scans is None:
            task = dask.delayed(framed_hazard_rows)
            return [task(p, call, crossing) for p in self.parts()]
        scan_task = dask.delayed(scan_hazard_rows)
        tasks = [
            scan_task(p, call, self.key, s.edges, start, crossing)
            for p, s, start in zip(
                self.ddf.to_delayed(), self._scans, starts_of(self._scans), strict=True
            )
        ]
        if self._edges is not None and len(self._edges):
            tasks.append(dask.delayed(framed_hazard_rows)(self._edges, call, crossing))
        return tasks

    def _tables(self) -> list[Delayed]:
        """The conversion of every chunk (delayed), in partition order."""
        call = self.call
        if self._scans is not None:
            task = dask.delayed(rest_table)
            parts = self.ddf.to_delayed()
            tables = [
                task(p, call, self.key, s.edges) for p, s in zip(parts, self._scans, strict=True)
            ]
            if self._edges is not None and len(self._edges):
                tables.append(dask.delayed(events_of)(self._edges, call))
            return tables
        parts = self.parts()
        if self.mode() == "shuffled":  # the shuffle runs once per pass, not once per window
            parts = list(dask.persist(*parts, scheduler=self.client))
        return [dask.delayed(events_of)(p, call) for p in parts]

    def chunks(self, window: int) -> Iterator[Events]:
        """The partitions' events in partition order, ``window`` partitions at a time."""
        self.facts()
        tables = self._tables()
        client = self.client
        if client is None:  # Dask's local scheduler: one window after the other
            for i in range(0, len(tables), window):
                for table in self.compute(*tables[i : i + window]):
                    if table is not None:
                        yield Events(table)
            return
        # distributed: the next window is converted in the workers while this one is sent
        futures = client.compute(tables[:window])
        for i in range(window, len(tables) + window, window):
            following = client.compute(tables[i : i + window]) if i < len(tables) else []
            for future in futures:
                table = future.result()
                future.release()
                if table is not None:
                    yield Events(table)
            futures = following


def _current_client() -> Any:
    """The ``distributed`` client in use, if any (``None``: Dask's local scheduler)."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - the dask extra installs distributed
        return None
    try:
        return Client.current()
    except ValueError:
        return None


def _regroup(parts: list[Delayed], keys: list[np.ndarray]) -> list[Delayed]:
    """Move each order found in several partitions to the first of them (its home)."""
    number = np.repeat(np.arange(len(keys)), [k.size for k in keys])
    every = np.concatenate(keys)
    uniq, first, counts = np.unique(every, return_index=True, return_counts=True)
    shared = uniq[counts > 1]
    home = dict(zip(shared.tolist(), number[first[counts > 1]].tolist(), strict=True))
    sel = np.isin(every, shared)
    moves: dict[tuple[int, int], list[int]] = {}  # (home, from) -> hashes
    for h, p in zip(every[sel].tolist(), number[sel].tolist(), strict=True):
        if home[h] != p:
            moves.setdefault((home[h], p), []).append(h)
    out = []
    for j, part in enumerate(parts):
        leaving = np.array(
            [h for (hm, p), hs in moves.items() if p == j and hm != j for h in hs],
            dtype=np.uint64,
        )
        arriving = [
            dask.delayed(rows_with_keys)(parts[p], np.array(hs, dtype=np.uint64))
            for (hm, p), hs in sorted(moves.items())
            if hm == j
        ]
        out.append(dask.delayed(regroup)(part, leaving, *arriving))
    return out


def _preset_dayfirst(preset: str | None) -> bool | None:
    from .core.presets import get_preset

    return get_preset(preset).dayfirst
