"""Order rows → a columnar table of Seeka Order events: the entry point (layer 2, pure).

``build_table`` is the conversion behind ``df.seeka.to_events()``.  This module owns what
happens before the columns are converted: ``prepare`` (the working frame, the preset and
the resolved mapping) and ``build_table``'s argument checks and frame-level warnings
(ambiguous or empty mapped columns, a frame that looks like another preset's export); it
then hands the frame to :func:`seeka_nb.core.convert.convert`, which converts it column by
column into an :class:`~seeka_nb.core.table.OrderTable` (re-exported here).  No dicts are
built: :mod:`seeka_nb.core.body` builds them per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd

from ..errors import MappingError, ValidationError
from ..schema import LINE_FIELDS, PRODUCTS_LIST_FIELD
from .amounts import require_value
from .consent_checks import check_consent_value, warn_frame
from .context import Context, check_currency
from .convert import convert
from .customers import prefetch_phones
from .issues import IssueLog
from .mapping import ColumnMapping, MappingSpec, check_mapping_argument, resolve_mapping
from .phone_rules import PhoneValidator
from .presets import Preset, get_preset, looks_like
from .status import check_policy, status_columns_note
from .table import OrderTable

__all__ = ["OrderTable", "build_table", "prepare"]


def prepare(
    df: pd.DataFrame, mapping: MappingSpec | None, preset: str | Preset | None
) -> tuple[pd.DataFrame, Preset, ColumnMapping]:
    """The working frame (with the preset's derived columns), the preset and the mapping."""
    if not isinstance(df, pd.DataFrame):
        raise ValidationError(f"Expected a pandas DataFrame, got {type(df).__name__}.")
    check_mapping_argument(mapping)
    pre = get_preset(preset)
    if df.shape[1] == 0:
        raise ValidationError("The DataFrame has no columns: nothing to convert.")
    work = pre.columns_for(df) if len(df) else df
    try:
        cmap = resolve_mapping(
            list(work.columns),
            mapping,
            preset_name=pre.name,
            preset_mapping=pre.mapping,
            preset_notes=pre.notes,
            auto=pre.auto,
        )
    except MappingError as exc:
        hint = looks_like(df, pre)
        if hint:
            raise MappingError(f"{hint}. {exc}") from None
        raise
    if "status" in cmap and "status" not in cmap.notes:  # how each status column is read
        cmap.notes["status"] = status_columns_note(cmap.columns("status"))
    return work, pre, cmap


def build_table(
    df: pd.DataFrame,
    mapping: MappingSpec | None = None,
    *,
    preset: str | Preset | None = None,
    tz: str | dt.tzinfo | None = None,
    dayfirst: bool | None = None,
    consent: str | None = None,
    currency: str | None = None,
    status_policy: Mapping[str, str] | None = None,
    now: float | None = None,
    phone_validator: PhoneValidator | None = None,
) -> OrderTable:
    """Convert order rows to an :class:`OrderTable` (see the module docstring).

    ``dayfirst=None`` uses the preset's setting, else infers it from the values.
    ``status_policy`` overrides the preset's (then the default) policy per status class
    (see :mod:`seeka_nb.core.status`).  ``now`` (UTC epoch seconds, from the caller: the
    core reads no clock) bounds order times: a time before ``EARLIEST_ORDER_TIME`` or more
    than ``MAX_FUTURE_SECONDS`` after ``now`` is an error (``None``: only the lower bound
    is checked).  ``phone_validator`` checks distinct phone numbers (default: in this
    process; see :mod:`seeka_nb.core.phone_rules`).
    """
    work, pre, cmap = prepare(df, mapping, preset)
    policy = check_policy({**pre.status_policy, **(status_policy or {})})
    require_value(cmap, mapping, list(work.columns))
    value_expected = not (
        mapping is not None and "totalPrice" in mapping and mapping["totalPrice"] is None
    )
    tz = tz if tz is not None else pre.tz
    dayfirst = pre.dayfirst if dayfirst is None else bool(dayfirst)
    currency = check_currency(currency if currency is not None else pre.currency, "currency")
    consent_warnings: list = []
    if consent is not None:
        consent, consent_warnings = check_consent_value(consent)
    used = [c for cols in cmap.fields.values() for c in cols]
    dup_labels = set(work.columns[work.columns.duplicated()])
    clash = sorted({str(c) for c in used if c in dup_labels})
    if clash:
        raise MappingError(
            f"Column name(s) {clash} appear more than once in the DataFrame, so the mapped "
            "column is ambiguous. Rename or drop the duplicates (e.g. "
            "df.loc[:, ~df.columns.duplicated()]) and try again."
        )
    if len(work) == 0:
        raise ValidationError("The DataFrame has no rows: there are no orders to convert.")
    if cmap.fields.get(PRODUCTS_LIST_FIELD) and any(f in cmap.fields for f in LINE_FIELDS):
        raise MappingError(
            "Both line-item columns and a products column are mapped; map one of them "
            f"(e.g. mapping={{'{PRODUCTS_LIST_FIELD}': None}})."
        )
    log = IssueLog()
    ctx = Context(work, cmap, log)
    for name, cands in cmap.ambiguous.items():
        log.add(
            [-1],
            code="ambiguous_column",
            severity="warning",
            field=name,
            message=f"columns {list(cands)} all match {name}; it was left unmapped. "
            f"Choose one with mapping={{{name!r}: ...}}"
            + (f" ({cmap.notes[name]})" if name in cmap.notes else ""),
        )
    for name, cols in cmap.fields.items():
        for col in cols:
            derived = isinstance(col, str) and col.startswith("seeka:")
            if not derived and _all_missing(ctx.df[col]):
                log.add(
                    [-1],
                    code="empty_column",
                    severity="warning",
                    field=name,
                    column=col,
                    message=f"column {col!r} (mapped to {name}) has no values",
                )
    hint = looks_like(df, pre)
    if hint:
        log.add([-1], code="looks_like_preset", severity="warning", message=hint)
    warn_frame(log, consent_warnings)
    prefetch_phones(ctx, phone_validator)  # a helper process may start on phones now
    return convert(
        ctx, pre, tz, dayfirst, consent, currency, policy, value_expected, now, phone_validator
    )


def _all_missing(column: pd.Series) -> bool:
    try:
        return bool(column.isna().all())
    except (TypeError, ArithmeticError, ValueError):  # cells pandas cannot test (sNaN)
        return False
