"""``pl.DataFrame.seeka`` and ``pl.LazyFrame.seeka`` (layer 5, surface).

Importing this module imports polars and registers both namespaces; ``import seeka_nb``
arranges for that to happen when polars is imported (see :mod:`seeka_nb._polars_hook`), so
polars is never imported just because seeka_nb is.

A ``polars.DataFrame`` is handed to the core as the pandas frame the pandas path would
hold (:mod:`seeka_nb.adapters.polars_frames`), so ``to_events`` returns an ordinary
:class:`seeka_nb.Events` whose request bodies are byte-identical to the pandas path's.
Without ``preset=``, the preset is detected from the header, as
:func:`seeka_nb.read_orders` does.  Number-typed columns feeding phone, postcode or
identifier fields add a ``number_typed_text`` warning to ``events.issues``: the number
cannot give back a leading ``0`` or ``+`` that a file held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from .accessor import SeekaAccessor
from .adapters.polars_frames import (
    check_mapped_types,
    numbers_in_text_fields,
    to_pandas,
)
from .api import Events
from .core.build import prepare
from .core.issues import IssueLog
from .core.mapping import ColumnMapping, MappingSpec
from .core.presets import detect_preset
from .credentials import Credentials
from .errors import ValidationError
from .pipeline.report import SendReport

__all__ = ["PolarsFrameAccessor", "register"]

#: Rows converted to learn the mapping before the whole frame is.
_HEAD_ROWS = 100


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


def with_issues(events: Events, log: IssueLog) -> Events:
    """``events`` with the problems of ``log`` added to its issues (frame-level rows)."""
    if not log.chunks:
        return events
    table = events._table
    extra = log.to_frame(table.labels, np.full(len(table.labels), None, dtype=object))
    issues = extra if table.issues.empty else pd.concat([table.issues, extra], ignore_index=True)
    return Events(replace(table, issues=issues))


def _check_frame(frame: object) -> pl.DataFrame:
    if not isinstance(frame, pl.DataFrame):  # pragma: no cover - polars passes its own type
        raise ValidationError(f"Expected a polars DataFrame, got {type(frame).__name__}.")
    if frame.width == 0:
        raise ValidationError("The DataFrame has no columns: nothing to convert.")
    return frame


class PolarsFrameAccessor:
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

        The keywords are those of :meth:`seeka_nb.accessor.SeekaAccessor.to_events`.
        ``issues`` rows are numbered by row position (polars has no index).
        """
        frame = _check_frame(self._frame)
        pre = _preset(frame.columns, preset)
        cmap = _resolve(frame.head(_HEAD_ROWS), frame.schema, mapping, pre)
        events = SeekaAccessor(to_pandas(frame)).to_events(
            mapping,
            preset=pre,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
        )
        return with_issues(events, typed_number_warnings(frame.schema, cmap))

    def check_duplicates(
        self,
        mapping: MappingSpec | None = None,
        *,
        preset: str | None = None,
        tz: str | dt.tzinfo | None = None,
        dayfirst: bool | None = None,
    ) -> pd.DataFrame:
        """``to_events(...).duplicates()``: activity IDs that repeat in ways that matter."""
        return self.to_events(mapping, preset=preset, tz=tz, dayfirst=dayfirst).duplicates()

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
        **options: Any,
    ) -> SendReport:
        """``to_events(...)`` then ``.send(credentials, **options)`` in one call (scripts);
        options are those of :meth:`seeka_nb.Events.send`."""
        events = self.to_events(
            mapping,
            preset=preset,
            tz=tz,
            dayfirst=dayfirst,
            consent=consent,
            currency=currency,
            status_policy=status_policy,
        )
        return events.send(credentials, **options)


def register() -> None:
    """Register ``pl.DataFrame.seeka`` (idempotent)."""
    if not isinstance(getattr(pl.DataFrame, "seeka", None), type):
        pl.api.register_dataframe_namespace("seeka")(PolarsFrameAccessor)


register()
