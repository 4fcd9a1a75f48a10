"""The ``ddf.seeka`` accessor on Dask DataFrames (layer 5, surface).

Imported (and registered) when ``dask.dataframe`` is: ``import seeka_nb`` does not import
Dask itself (see :mod:`seeka_nb._dask_hook`).  The accessor never computes the whole frame
and never forks the conversion: each partition is converted in a worker by the pandas core
(:mod:`seeka_nb.core.partitions`), and only small results come back to the client.

How a Dask frame is converted:

1. the mapping is resolved once on the client, from the first rows; every partition
   resolves the same one (a partition that does not is refused);
2. one pass over the partitions gathers small facts (rows, which mapped columns hold
   values, the day/month evidence of the time column): the day/month order is decided for
   the whole frame, as pandas would on ``ddf.compute()``;
3. rows of one order are brought into one partition: a shuffle on a spelling-insensitive
   form of the order key (the preset's ``group_by`` column, e.g. Shopify's ``Name``, or the
   activity ID column), unless the frame is indexed by that column with known divisions
   (``ddf.set_index(col, drop=False)``) or the caller passes ``grouped=True``; each
   partition is put back in the frame's row order before it is converted;
4. issues and duplicates are gathered from all partitions (whole-frame row positions,
   so they come out as pandas gives them for ``ddf.compute()``); sending streams the
   partitions' events, a few partitions at a time, to one sender in the client (one rate
   budget, one ledger, one report) through :class:`seeka_nb.EventStream`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Hashable, Iterator
from dataclasses import replace
from typing import Any

import dask
import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.dataframe.extensions import register_dataframe_accessor, register_series_accessor
from dask.delayed import Delayed

from .accessor import _preset_name
from .core.build import prepare
from .core.events import Events
from .core.gather import gather_duplicates, gather_issues
from .core.mapping import ColumnMapping, MappingSpec
from .core.partitions import (
    KEY,
    POSITION,
    FrameFacts,
    PartCall,
    PartFindings,
    events_of,
    findings_of,
    frame_facts,
    key_column,
    regroup,
    resolve_dayfirst,
    rows_with_keys,
    with_positions,
)
from .credentials import Credentials
from .errors import ValidationError
from .pipeline.report import SendReport
from .stream_api import EventStream

#: Orders found in several partitions that are moved to their first partition rather than
#: shuffling the whole frame (or 1 % of the orders, when more).
MAX_MOVED_ORDERS = 1000

#: Partitions converted at once while sending (the client holds at most this many
#: partitions' events, plus the one being sent).
DEFAULT_WINDOW = 2


def _first_rows(part: pd.DataFrame) -> pd.DataFrame:
    return part.head(50)


def _head(ddf: dd.DataFrame) -> pd.DataFrame:
    """The first partition's first rows (not ``ddf.head``: with ``set_index(drop=False)``
    Dask 2026.8 drops the index column from its result)."""
    first = ddf.to_delayed()[0]
    return dask.delayed(_first_rows)(first).compute()


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
        head = _head(ddf)
        if not isinstance(head, pd.DataFrame):
            raise ValidationError(
                f"ddf.seeka needs pandas partitions; this Dask frame holds "
                f"{type(head).__name__} partitions. Convert them with "
                "ddf.map_partitions(lambda p: p.to_pandas()) first."
            )
        preset = _preset_name(head, preset)
        self.columns = list(head.columns)
        self.cmap: ColumnMapping = prepare(head if len(head) else ddf._meta, mapping, preset)[2]
        self.key = key_column(self.cmap, list(ddf.columns))
        self.grouped_arg = grouped
        self.call = PartCall(
            mapping,
            preset,
            now=time.time(),  # one clock reading for every partition
            fields=dict(self.cmap.fields),
            **kwargs,
        )
        self._facts: list[FrameFacts] | None = None

    # --- pass 1: facts --------------------------------------------------------------------
    def facts(self) -> list[FrameFacts]:
        """The partitions' facts (computed once)."""
        if self._facts is None:
            cols = [c for cs in self.cmap.fields.values() for c in cs]
            tcol = self.cmap.columns("time")[0]
            parts = self.ddf.to_delayed()
            expected = list(self.columns)
            facts = dask.compute(
                *[dask.delayed(frame_facts)(p, cols, tcol, expected, self.key) for p in parts]
            )
            self._facts = list(facts)
            if sum(f.n_rows for f in self._facts) == 0:
                raise ValidationError("The DataFrame has no rows: there are no orders to convert.")
            if self.call.dayfirst is None:
                dayfirst, self.guessed = resolve_dayfirst(self._facts)
                pre_dayfirst = _preset_dayfirst(self.call.preset)
                chosen = pre_dayfirst if pre_dayfirst is not None else dayfirst
                if pre_dayfirst is not None:
                    self.guessed = False
                self.call = replace(self.call, dayfirst=chosen)
            else:
                self.guessed = False
        return self._facts

    # --- the graph ------------------------------------------------------------------------
    def mode(self) -> str:
        """``grouped`` (no row moves), ``regrouped`` (the few orders whose rows are in two
        or more partitions move to the first of them) or ``shuffled`` (a full shuffle)."""
        facts = self.facts()
        if self.grouped_arg is not None:
            return "grouped" if self.grouped_arg else "shuffled"
        keys = np.concatenate([f.keys for f in facts])
        _uniq, counts = np.unique(keys, return_counts=True)
        shared = int((counts > 1).sum())
        if shared == 0:
            return "grouped"
        return "regrouped" if shared <= max(MAX_MOVED_ORDERS, keys.size // 100) else "shuffled"

    def parts(self) -> list[Delayed]:
        """The frame's partitions (delayed) with positions and the key, each order's rows
        in one partition."""
        facts = self.facts()
        mode = self.mode()
        starts = np.concatenate([[0], np.cumsum([f.n_rows for f in facts])[:-1]]).tolist()
        meta = self.ddf._meta.assign(**{POSITION: np.int64(0), KEY: pd.Series([], dtype=object)})
        framed = self.ddf.map_partitions(
            _positions, starts, self.key, meta=meta, enforce_metadata=False
        )
        if mode == "shuffled":
            return list(framed.shuffle(on=KEY, npartitions=self.ddf.npartitions).to_delayed())
        parts = list(framed.to_delayed())
        if mode == "grouped":
            return parts
        return _regroup(parts, [f.keys for f in facts])

    def findings(self) -> list[PartFindings]:
        """Every partition's issues and duplicate findings (small; computed together)."""
        call = self.call
        return list(dask.compute(*[dask.delayed(findings_of)(p, call) for p in self.parts()]))

    def chunks(self, window: int) -> Iterator[Events]:
        """The partitions' events in partition order, ``window`` partitions at a time."""
        parts = self.parts()
        if self.mode() == "shuffled":  # the shuffle runs once per pass, not once per window
            parts = list(dask.persist(*parts))
        call = self.call
        tables = [dask.delayed(events_of)(p, call) for p in parts]
        for i in range(0, len(tables), window):
            for table in dask.compute(*tables[i : i + window]):
                if table is not None:
                    yield Events(table)


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


def _positions(
    p: pd.DataFrame,
    starts: list[int],
    key: Hashable,
    partition_info: dict[str, Any] | None = None,
) -> pd.DataFrame:
    number = partition_info["number"] if partition_info is not None else 0
    return with_positions(p, starts[number], key)


class DaskEventStream(EventStream):
    """The events of a Dask frame: an :class:`~seeka_nb.EventStream` whose issues and
    duplicates are gathered from the workers (as pandas gives them for ``ddf.compute()``)."""

    def __init__(self, plan: DaskPlan, window: int) -> None:
        if int(window) < 1:
            from .errors import ConfigurationError

            raise ConfigurationError(f"window={window!r}: convert at least one partition at once.")
        super().__init__(
            lambda: plan.chunks(int(window)),
            description=f"Dask frame, {plan.ddf.npartitions} partitions",
        )
        self._plan = plan
        self._found: list[PartFindings] | None = None

    def _findings(self) -> list[PartFindings]:
        if self._found is None:
            self._found = self._plan.findings()
        return self._found

    def issues(self) -> pd.DataFrame:
        """One row per problem, for the whole frame (columns of ``Events.issues``)."""
        found = self._findings()
        plan = self._plan
        return gather_issues(
            found, plan.facts(), plan.cmap, date_order_guessed=getattr(plan, "guessed", False)
        )

    def duplicates(self) -> pd.DataFrame:
        """Activity IDs that repeat in ways that matter, for the whole frame."""
        return gather_duplicates(self._findings())


@register_dataframe_accessor("seeka")
class DaskSeekaAccessor:
    """``ddf.seeka``: map, check, convert and send a Dask DataFrame of order rows."""

    def __init__(self, ddf: dd.DataFrame) -> None:
        self._ddf = ddf

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field (resolved from the first rows)."""
        head = _head(self._ddf)
        frame = head if len(head) else self._ddf._meta
        return prepare(frame, mapping, _preset_name(head, preset))[2]

    def to_events(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        consent: str | None = None,
        currency: str | None = None,
        status_policy: dict[str, str] | None = None,
        grouped: bool | None = None,
        window: int = DEFAULT_WINDOW,
    ) -> DaskEventStream:
        """The rows as a :class:`~seeka_nb.EventStream` (nothing is computed yet).

        The keywords are those of the pandas ``df.seeka.to_events()``, plus ``grouped``
        (``True``: each order's rows, in every spelling of its ID, are already in one
        partition, so no shuffle is needed; default: detected when the frame is indexed by
        the order column with known divisions) and ``window`` (partitions converted at
        once while sending).
        """
        plan = DaskPlan(
            self._ddf,
            mapping,
            preset,
            {
                "tz": tz,
                "dayfirst": dayfirst,
                "consent": consent,
                "currency": currency,
                "status_policy": status_policy,
            },
            grouped,
        )
        return DaskEventStream(plan, window)

    def issues(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        consent: str | None = None,
        currency: str | None = None,
        status_policy: dict[str, str] | None = None,
        grouped: bool | None = None,
    ) -> pd.DataFrame:
        """``to_events(...).issues()``: every problem, by row, for the whole frame."""
        return self.to_events(
            mapping,
            preset=preset,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
            grouped=grouped,
        ).issues()

    def check_duplicates(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        grouped: bool | None = None,
    ) -> pd.DataFrame:
        """``to_events(...).duplicates()``: activity IDs that repeat in ways that matter."""
        return self.to_events(
            mapping, preset=preset, tz=tz, dayfirst=dayfirst, grouped=grouped
        ).duplicates()

    def send(
        self,
        credentials: Credentials | None = None,
        *,
        mapping: MappingSpec | None = None,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        consent: str | None = None,
        currency: str | None = None,
        status_policy: dict[str, str] | None = None,
        grouped: bool | None = None,
        window: int = DEFAULT_WINDOW,
        **options: Any,
    ) -> SendReport:
        """``to_events(...).send(credentials, **options)``: one report for the whole frame.

        Options are those of :meth:`seeka_nb.EventStream.send` (``dry_run``, ``ledger``,
        ``resend``, ``rate``...).
        """
        stream = self.to_events(
            mapping,
            preset=preset,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
            grouped=grouped,
            window=window,
        )
        return stream.send(credentials, **options)


@register_series_accessor("seeka")
class DaskSeriesAccessor:
    """``series.seeka`` on a Dask Series: says to use the DataFrame (no bare AttributeError)."""

    def __init__(self, series: dd.Series) -> None:
        self._name = series.name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise ValidationError(
            f"seeka works on a Dask DataFrame of order rows, not on a Dask Series "
            f"({self._name!r}): call it on the frame, e.g. ddf.seeka.{name}(...)."
        )
