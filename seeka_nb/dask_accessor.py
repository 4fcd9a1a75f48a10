"""The ``ddf.seeka`` accessor on Dask DataFrames (layer 5, surface).

Imported (and registered) when ``dask.dataframe`` is: ``import seeka_nb`` does not import
Dask itself (see :mod:`seeka_nb._dask_hook`).  The accessor never computes the whole frame
and never forks the conversion: each partition is converted in a worker by the pandas core
(:mod:`seeka_nb.core.partitions`), and only small results come back to the client.

How a Dask frame is converted (:mod:`seeka_nb.dask_plan`):

1. the mapping is resolved once on the client, from the first rows; every partition
   resolves the same one (a partition that does not is refused);
2. each partition is read once, in a worker: small facts (rows, which mapped columns hold
   values, the day/month evidence of the time column, order-key hashes) and its conversion
   together, the rows of its first and last orders (which a partition boundary may cut)
   set aside; the day/month order is decided for the whole frame, as pandas would on
   ``ddf.compute()``;
3. rows of one order must be converted together: when every order found in several
   partitions was set aside, the set-aside rows are converted as one more chunk and nothing
   is read again; otherwise (an unsorted frame, or a partition that guessed the day/month
   order wrongly) the partitions are converted again after the few orders found in several
   partitions move to the first of them, or after a shuffle on a spelling-insensitive form
   of the order key (the preset's ``group_by`` column, e.g. Shopify's ``Name``, or the
   activity ID column); ``grouped=True`` says the partitions keep orders together,
   ``grouped=False`` forces the shuffle;
4. issues and duplicates are gathered from all chunks (whole-frame row positions, so they
   come out as pandas gives them for ``ddf.compute()``; ID spellings converted in different
   chunks are compared across them); sending streams the chunks' events, a few at a time,
   to one sender in the client (one rate budget, one ledger, one report) through
   :class:`seeka_nb.EventStream`, holding back any activity ID converted in two chunks.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any

import dask.dataframe as dd
import numpy as np
import pandas as pd
from dask.dataframe.extensions import register_dataframe_accessor, register_series_accessor

from ._accessors import SEND_OPTIONS_DOC, TO_EVENTS_KEYWORDS_DOC, shared_doc
from .accessor import _preset_name
from .core.build import prepare
from .core.gather import gather_duplicates, gather_issues, repeated_ids, sum_summaries
from .core.mapping import ColumnMapping, MappingSpec
from .core.stream import SeenIds
from .credentials import Credentials
from .dask_plan import DEFAULT_WINDOW, DaskPlan, head_rows
from .errors import ConfigurationError, ValidationError
from .pipeline.report import SendReport
from .stream_api import EventStream, _Analysis


class DaskEventStream(EventStream):
    """The events of a Dask frame: an :class:`~seeka_nb.EventStream` whose issues,
    duplicates and summary are gathered from the workers in one pass that brings back only
    findings and counts (as pandas gives them for ``ddf.compute()``), and whose passes over
    the events convert ``window`` partitions at a time."""

    def __init__(self, plan: DaskPlan, window: int) -> None:
        if int(window) < 1:
            raise ConfigurationError(f"window={window!r}: convert at least one partition at once.")
        super().__init__(
            lambda: plan.chunks(int(window)),
            description=f"Dask frame, {plan.ddf.npartitions} partitions",
        )
        self._plan = plan

    @functools.cached_property
    def _analysis(self) -> _Analysis:
        plan = self._plan
        found = plan.findings()
        issues = gather_issues(found, plan.facts(), plan.cmap, date_order_guessed=plan.guessed)
        dups = gather_duplicates(found)
        sev = issues["severity"].value_counts()
        summary = {
            **sum_summaries([p.summary for p in found]),
            "issues": {str(k): int(sev.get(k, 0)) for k in ("error", "excluded", "warning")},
            "duplicates": len(dups),
            "preset": plan.cmap.preset,
            "chunks": plan.ddf.npartitions,
        }
        split = np.unique(SeenIds.hashes(np.asarray(repeated_ids(found), dtype=object)))
        return _Analysis(issues, dups, summary, split)

    def _split_ids(self) -> np.ndarray:
        """Hashes of activity IDs converted in two or more partitions (held back by a send):
        always from the gathered analysis (the chunks of a Dask frame do not carry them)."""
        return self._analysis.split


@register_dataframe_accessor("seeka")
class DaskSeekaAccessor:
    """``ddf.seeka``: map, check, convert and send a Dask DataFrame of order rows."""

    def __init__(self, ddf: dd.DataFrame) -> None:
        self._ddf = ddf

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field (resolved from the first rows)."""
        head = head_rows(self._ddf)
        frame = head if len(head) else self._ddf._meta
        return prepare(frame, mapping, _preset_name(head, preset))[2]

    @shared_doc(TO_EVENTS_KEYWORDS_DOC)
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

    @shared_doc(TO_EVENTS_KEYWORDS_DOC)
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

    @shared_doc(SEND_OPTIONS_DOC, TO_EVENTS_KEYWORDS_DOC)
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
        """``to_events(...).send(credentials, **options)``: one report for the whole frame
        (:meth:`seeka_nb.EventStream.send`); ``grouped`` and ``window`` are those of
        ``to_events``."""
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
