"""``pl.DataFrame.seeka`` and ``pl.LazyFrame.seeka`` (layer 5, surface).

Importing this module imports polars and registers both namespaces; ``import seeka_nb``
arranges for that to happen when polars is imported (see :mod:`seeka_nb._polars_hook`), so
polars is never imported just because seeka_nb is.

A ``polars.DataFrame`` is handed to the core as the pandas frame the pandas path would
hold (:mod:`seeka_nb.adapters.polars_frames`), so ``to_events`` returns an ordinary
:class:`seeka_nb.Events` whose request bodies are byte-identical to the pandas path's.
Without ``preset=``, the preset is detected from the header, as
:func:`seeka_nb.read_orders` does.  Number-typed columns that the header maps to phone, postcode or
identifier fields (before any column a preset derives from them) add a ``number_typed_text``
warning to ``events.issues``: the number cannot give back a leading ``0`` or ``+`` that a
file held.

A ``polars.LazyFrame`` is never collected whole: ``to_events`` returns a
:class:`seeka_nb.EventStream` whose every pass collects the plan ``batch_rows`` rows at a
time (:func:`~seeka_nb.adapters.polars_frames.lazy_frames`) and converts the batches with
:func:`seeka_nb.core.stream.convert_frames` (an order whose adjacent rows straddle two
batches is joined).  ``to_events`` itself runs nothing: it reads the plan's schema only.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import time
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import polars as pl

from ._accessors import SEND_OPTIONS_DOC, TO_EVENTS_KEYWORDS_DOC, ToEventsMethods, shared_doc
from .accessor import SeekaAccessor
from .adapters.polars_frames import (
    check_mapped_types,
    lazy_frames,
    numbers_in_text_fields,
    to_pandas,
)
from .api import Events
from .core import events as core_events
from .core.build import prepare
from .core.issues import IssueLog
from .core.mapping import ColumnMapping, MappingSpec
from .core.presets import detect_preset
from .core.stream import convert_frames
from .credentials import Credentials
from .errors import ConfigurationError, ValidationError
from .pipeline.report import SendReport
from .stream_api import EventStream

__all__ = ["PolarsFrameAccessor", "PolarsLazyAccessor", "register"]

#: Rows converted to learn the mapping before the whole frame is.
_HEAD_ROWS = 100
#: Rows per batch collected from a LazyFrame (about 100 MB of pandas for a wide export).
BATCH_ROWS = 100_000

_E = TypeVar("_E", bound=core_events.Events)


def _preset(columns: list[str], preset: str | None) -> str:
    return preset if preset is not None else (detect_preset(pd.Index(columns)) or "generic")


def _resolve(
    head: pl.DataFrame, schema: pl.Schema, mapping: MappingSpec | None, preset: str
) -> ColumnMapping:
    """The mapping, learnt on the first rows; mapped columns of unreadable types refused."""
    cmap = prepare(to_pandas(head), mapping, preset)[2]
    check_mapped_types(schema, cmap)
    return cmap


def typed_number_warnings(schema: pl.Schema, cmap: ColumnMapping) -> IssueLog:
    """A ``number_typed_text`` warning per number-typed column feeding a text field."""
    log = IssueLog()
    for field, column, dtype in numbers_in_text_fields(schema, cmap):
        log.add(
            [-1],
            code="number_typed_text",
            severity="warning",
            field=field,
            column=column,
            message=(
                f"Column {column!r} is a polars {dtype} column, so {field} is sent as the "
                "number's digits: a leading 0 or + that the source held (0412..., +61..., "
                "00123) is lost. If the data came from a file, read that column as text "
                f"(pl.read_csv(..., schema_overrides={{{column!r}: pl.String}}) or "
                "infer_schema=False)."
            ),
        )
    return log


def with_issues(events: _E, log: IssueLog) -> _E:
    """``events`` (of any ``Events`` class, a stream's chunk included: its other attributes
    are kept) with the problems of ``log`` added to its issues as frame-level rows."""
    if not log.chunks:
        return events
    table = events._table
    extra = log.to_frame(table.labels, np.full(len(table.labels), None, dtype=object))
    issues = extra if table.issues.empty else pd.concat([table.issues, extra], ignore_index=True)
    new = copy.copy(events)
    for name in list(vars(new)):  # values cached from the old table
        if isinstance(getattr(type(new), name, None), functools.cached_property):
            del new.__dict__[name]
    new._table = replace(table, issues=issues)
    return new


def _schema_mapping(schema: pl.Schema, mapping: MappingSpec | None, preset: str) -> ColumnMapping:
    """The mapping from the column names alone (no row is read); unreadable types refused."""
    empty = pd.DataFrame({name: pd.Series([], dtype=object) for name in schema})
    cmap = prepare(empty, mapping, preset)[2]
    check_mapped_types(schema, cmap)
    return cmap


def _check_frame(frame: object) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - polars passes its own type
        raise ValidationError(f"Expected a polars DataFrame, got {type(frame).__name__}.")
    if frame.width == 0:
        raise ValidationError("The DataFrame has no columns: nothing to convert.")
    return frame


class PolarsFrameAccessor(ToEventsMethods):
    """``pl_df.seeka``: map, check and convert order rows to Seeka events (see
    :class:`seeka_nb.accessor.SeekaAccessor`; the same methods and keywords)."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field, what was auto-detected, what is unused."""
        frame = _check_frame(self._frame)
        pre = _preset(frame.columns, preset)
        return _resolve(frame.head(_HEAD_ROWS), frame.schema, mapping, pre)

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
    ) -> Events:
        """Convert the rows to Seeka ``Order`` events (no network); returns
        :class:`seeka_nb.Events`, exactly as ``df.seeka.to_events`` does for the same data.

        ``issues`` rows are numbered by row position (polars has no index).
        """
        frame = _check_frame(self._frame)
        pre = _preset(frame.columns, preset)
        log = typed_number_warnings(frame.schema, _schema_mapping(frame.schema, mapping, pre))
        events = SeekaAccessor(to_pandas(frame)).to_events(
            mapping,
            preset=pre,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
        )
        return with_issues(events, log)


class PolarsLazyAccessor:
    """``pl_lazy.seeka``: the same methods as ``pl_df.seeka``, streamed: the plan is
    collected in batches, never whole, and ``to_events`` returns a
    :class:`seeka_nb.EventStream`."""

    def __init__(self, lazy: pl.LazyFrame) -> None:
        self._lazy = lazy

    def _schema(self) -> pl.Schema:
        schema = self._lazy.collect_schema()
        if len(schema) == 0:
            raise ValidationError("The LazyFrame has no columns: nothing to convert.")
        return schema

    def mapping(
        self, mapping: MappingSpec | None = None, *, preset: str | None = None
    ) -> ColumnMapping:
        """Which column feeds each Seeka field, from the plan's first rows."""
        schema = self._schema()
        pre = _preset(list(schema), preset)
        return _resolve(self._lazy.head(_HEAD_ROWS).collect(), schema, mapping, pre)

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
        batch_rows: int = BATCH_ROWS,
    ) -> EventStream:
        """A :class:`seeka_nb.EventStream` of the plan's rows, ``batch_rows`` at a time.

        Nothing is collected here (the mapping is checked on the schema); each pass over
        the stream (``summary()``, ``issues()``, ``duplicates()``, ``send()``) runs the plan
        again, so memory stays bounded by the batch.  Rows of one order must be adjacent
        (sort the plan by order if they are not; see :mod:`seeka_nb.core.stream`).
        ``issues`` rows are numbered by row position in the plan's output.
        """
        if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
            raise ConfigurationError(
                f"batch_rows must be a positive whole number of rows, not {batch_rows!r}."
            )
        schema = self._schema()
        pre = _preset(list(schema), preset)
        log = typed_number_warnings(schema, _schema_mapping(schema, mapping, pre))
        lazy = self._lazy

        def chunks() -> Iterator[core_events.Events]:
            converted = convert_frames(
                lazy_frames(lazy, batch_rows),
                mapping,
                preset=pre,
                tz=tz,
                dayfirst=dayfirst,
                consent=consent,
                currency=currency,
                status_policy=status_policy,
                now=time.time(),  # the core reads no clock: order times are bounded by this
            )
            for chunk in converted:
                yield with_issues(chunk, log)

        return EventStream(chunks, description=f"polars LazyFrame, {batch_rows:,} rows a batch")

    def check_duplicates(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> pd.DataFrame:
        """``to_events(...).duplicates()``, for the whole plan (streamed)."""
        stream = self.to_events(
            mapping, preset=preset, tz=tz, dayfirst=dayfirst, batch_rows=batch_rows
        )
        return stream.duplicates()

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
        batch_rows: int = BATCH_ROWS,
        **options: Any,
    ) -> SendReport:
        """``to_events(...)`` then ``.send(credentials, **options)``: one report for the
        whole plan (:meth:`seeka_nb.EventStream.send`)."""
        stream = self.to_events(
            mapping,
            preset=preset,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
            batch_rows=batch_rows,
        )
        return stream.send(credentials, **options)


def register() -> None:
    """Register ``pl.DataFrame.seeka`` and ``pl.LazyFrame.seeka`` (idempotent)."""
    if not isinstance(getattr(pl.DataFrame, "seeka", None), type):
        pl.api.register_dataframe_namespace("seeka")(PolarsFrameAccessor)
    if not isinstance(getattr(pl.LazyFrame, "seeka", None), type):
        pl.api.register_lazyframe_namespace("seeka")(PolarsLazyAccessor)


register()
