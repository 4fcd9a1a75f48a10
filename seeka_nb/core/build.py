"""Order rows → a columnar table of Seeka Order events (layer 2, pure).

``build_table`` is the conversion behind ``df.seeka.to_events()``: it resolves the mapping,
groups rows into orders by activity ID (first-appearance order), fills order-level values
within each order, normalises identity, products and money column by column, records every
problem in the issues log and decides each order's status (``ok``, ``error``,
``excluded``).  No dicts are built here: :mod:`seeka_nb.core.body` builds them per request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import MappingError, ValidationError
from ..schema import (
    COMMERCE_STRING_FIELDS,
    EARLIEST_ORDER_TIME,
    LINE_FIELDS,
    MAX_IDENTIFIER_LENGTH,
    MAX_TEXT_LENGTH,
    PRODUCTS_LIST_FIELD,
)
from . import identity
from .amounts import check_value_and_currency, order_amounts, require_value
from .consent_checks import check_consent_column, check_consent_value, warn_frame
from .context import Context, check_currency, currency_codes, line_dupes
from .customers import addresses, identity_lists, prefetch_phones
from .grouping import Ragged, first_positions
from .issues import IssueLog
from .lines import Products
from .mapping import ColumnMapping, MappingSpec, check_mapping_argument, resolve_mapping
from .money import minor_units_of, round_money
from .ordering import number_orders
from .phone_rules import PhoneValidator
from .presets import Preset, get_preset, looks_like
from .status import apply_policy, check_policy, read_status, status_columns_note
from .times import format_utc, parse_times, time_bounds
from .values import is_present, truncate

ORDER_TEXT_FIELDS = ("seekaPId", "tcfConsentString", *COMMERCE_STRING_FIELDS)
ID_LIKE = {
    "checkoutIdentifier",
    "cartIdentifier",
    "orderIdentifier",
    "orderNumber",
    "customerIdentifier",
}


@dataclass(frozen=True)
class OrderTable:
    """Everything ``Events`` needs, as arrays (one entry per order unless noted)."""

    labels: pd.Index  # the user's index labels, per input row
    row_order: np.ndarray  # per input row: order code or -1
    row_ids: np.ndarray  # per input row: normalised activity ID or None
    raw_ids: np.ndarray  # per input row: the ID as text before normalisation
    activity_id: np.ndarray
    first_row: np.ndarray  # position of each order's first row
    n_rows: np.ndarray  # input rows per order
    time: np.ndarray  # ISO text
    time_utc: np.ndarray  # datetime64[s]
    status: np.ndarray  # "ok" / "error" / "excluded"
    text: dict[str, np.ndarray]  # seekaPId, tcfConsentString, commerce strings
    money: dict[str, np.ndarray]  # float, NaN = absent
    lists: dict[str, Ragged]  # identity arrays
    addresses: tuple[dict[str, np.ndarray], ...]
    products: Products
    issues: pd.DataFrame
    mapping: ColumnMapping
    conflicts: dict[str, np.ndarray]  # per input row: value differs within its order
    conflict_values: dict[str, np.ndarray]  # per input row values of conflicting fields
    line_dupes: np.ndarray  # per input row: exact duplicate of another line of its order
    preset: str
    #: order-level fields in the order they were checked (the order of ``conflicts``)
    level_fields: tuple[str, ...] = ()

    @property
    def n_orders(self) -> int:
        """Number of distinct activity IDs."""
        return len(self.activity_id)


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
    return _convert(
        ctx, pre, tz, dayfirst, consent, currency, policy, value_expected, now, phone_validator
    )


def _convert(
    ctx: Context,
    pre: Preset,
    tz: str | dt.tzinfo | None,
    dayfirst: bool | None,
    consent: str | None,
    currency: str | None,
    policy: dict[str, str],
    value_expected: bool,
    now: float | None = None,
    phone_validator: PhoneValidator | None = None,
) -> OrderTable:
    cmap, log = ctx.cmap, ctx.log
    activity_id, raw_ids = number_orders(ctx, pre.group_by)
    codes, n_orders = ctx.codes, ctx.n_orders
    row_ids = np.where(codes >= 0, activity_id[np.maximum(codes, 0)], None)  # type: ignore[call-overload]
    first_row = first_positions(codes, codes >= 0, n_orders)
    n_rows = np.bincount(codes[codes >= 0], minlength=n_orders)
    conflicts: dict[str, np.ndarray] = {}

    # --- preset rules -------------------------------------------------------------------
    excluded = np.zeros(n_orders, dtype=bool)
    for rule in pre.exclusions:
        mask = rule.mask(ctx.df) & (codes >= 0)
        orders = np.unique(codes[mask])
        orders = orders[~excluded[orders]]
        excluded[orders] = True
        first_flag = first_positions(codes, mask, n_orders)
        log.add(
            first_flag[orders],
            code=rule.code,
            severity="excluded",
            message=rule.message,
            column=rule.columns[0] if rule.columns else None,
        )
    not_product = np.zeros(ctx.n, dtype=bool)
    shipping_line = np.zeros(ctx.n, dtype=bool)
    extra_line = np.zeros(ctx.n, dtype=bool)
    for rule in pre.not_products:
        mask = rule.mask(ctx.df) & ~not_product & (codes >= 0)
        not_product |= mask
        if rule.role == "shipping":
            shipping_line |= mask
        elif rule.role == "in_total":
            extra_line |= mask
        else:
            log.add_mask(
                mask,
                code=rule.code,
                severity="warning",
                message=rule.message,
                column=rule.columns[0] if rule.columns else None,
            )

    # --- time ---------------------------------------------------------------------------
    tcol = cmap.columns("time")[0]
    times = parse_times(ctx.series(tcol), tz=tz, dayfirst=dayfirst, name=tcol)
    dayfirst = times.dayfirst
    if times.order_guessed:
        log.add(
            [-1],
            code="ambiguous_date_order",
            severity="warning",
            field="time",
            column=tcol,
            message="no date tells day-first from month-first (e.g. "
            "03/02/2025); read as month-first. Pass dayfirst=True if they are day-first",
        )
    ctx.error(times.bad, "time", tcol, "invalid_time", "not a date/time that can be read")
    early, late = time_bounds(times.utc, now)
    ctx.error(
        early,
        "time",
        tcol,
        "time_out_of_range",
        f"order time before {EARLIEST_ORDER_TIME[:10]}: not a plausible order time (check "
        "the column and its format); held back",
    )
    ctx.error(
        late,
        "time",
        tcol,
        "time_out_of_range",
        "order time more than a day in the future: check the column and its time zone; held back",
    )
    ctx.warn(
        times.shifted,
        "time",
        tcol,
        "nonexistent_local_time",
        "local time skipped by a daylight-saving change; moved forward",
    )
    ctx.warn(
        times.ambiguous,
        "time",
        tcol,
        "ambiguous_local_time",
        "local time repeated by a daylight-saving change; the first one is used",
    )
    time_utc = ctx.per_order(
        "time",
        tcol,
        times.utc,
        ~np.isnat(times.utc),
        conflicts,
        fill=np.datetime64("NaT", "s"),
        severity="error",
    )
    no_time = np.flatnonzero(np.isnat(time_utc))
    ctx.order_issue(
        no_time,
        first_row,
        code="missing_time",
        severity="error",
        message="order has no time",
        name="time",
        col=tcol,
    )

    # --- order-level text ---------------------------------------------------------------
    text: dict[str, np.ndarray] = {}
    for name in ORDER_TEXT_FIELDS:
        if name not in cmap:
            continue
        vals, col = ctx.text(name, ident=name in ID_LIKE)
        if name == "currencyCode":
            vals = currency_codes(ctx, vals, col)
        else:
            limit = MAX_IDENTIFIER_LENGTH if name in ID_LIKE else MAX_TEXT_LENGTH
            vals, long = truncate(vals, limit)
            ctx.warn(
                long, name, col, "text_truncated", f"longer than {limit} characters; truncated"
            )
        sev = "error" if name == "currencyCode" else "warning"
        text[name] = ctx.per_order_text(name, col, vals, conflicts, severity=sev)
        if name == "seekaPId":
            ctx.warn(
                identity.seeka_pid_shape_mismatch(vals),
                name,
                col,
                "seeka_pid_shape",
                "does not look like a Seeka profile ID (sk.<n>.<13-digit ms>.<digits>)",
            )
        if name == "tcfConsentString":
            check_consent_column(vals, log, col)
    if consent is not None:
        tcf = text.get("tcfConsentString", np.full(n_orders, None, dtype=object))
        text["tcfConsentString"] = np.where(is_present(tcf), tcf, consent)
    cur = text.get("currencyCode", np.full(n_orders, None, dtype=object))
    if currency is not None:
        cur = np.where(is_present(cur), cur, currency)
    if is_present(cur).any():
        text["currencyCode"] = cur

    # --- addresses and identity ---------------------------------------------------------
    address_sets = addresses(ctx, conflicts)
    region = np.full(n_orders, None, dtype=object)
    for addr in address_sets:
        cc = addr.get("countryCode")
        if cc is not None:
            region = np.where(is_present(region), region, cc)
    identity_mark = log.mark()  # identity lists are built last (see below), reported here

    # --- money, products and totals -----------------------------------------------------
    money, products = order_amounts(
        ctx, pre, cur, first_row, conflicts, not_product, shipping_line, extra_line
    )
    owner = np.repeat(np.arange(n_orders), products.counts())
    if is_present(cur).any():
        products.columns["currencyCode"] = cur[owner]

    # --- order status ---------------------------------------------------------------------
    status_read = read_status(ctx, first_row)
    if status_read is not None:
        tol = 0.5 * 10.0 ** -minor_units_of(cur) + 1e-9
        net = apply_policy(
            ctx, status_read, policy, money.get("totalPrice"), tol, first_row, excluded
        )
        if net is not None:
            money["totalPrice"] = round_money(net, cur)
    check_value_and_currency(ctx, money, products, cur, first_row, value_expected)
    time_text, dupes = format_utc(time_utc), line_dupes(ctx)

    # --- identity lists: last, so that a phone validator working elsewhere has had time
    with log.insert_at(identity_mark):
        lists = identity_lists(ctx, region, dayfirst, phone_validator)

    # --- identity presence and status ---------------------------------------------------
    has_identity = np.zeros(n_orders, dtype=bool)
    for name in ("seekaPId", "customerIdentifier"):
        if name in text:
            has_identity |= is_present(text[name])
    for rag in lists.values():
        has_identity |= rag.counts() > 0
    for addr in address_sets:  # a country alone identifies nobody
        for name, part in addr.items():
            if name not in ("country", "countryCode"):
                has_identity |= is_present(part)
    ctx.order_issue(
        np.flatnonzero(~has_identity),
        first_row,
        code="no_identity",
        severity="warning",
        name=None,
        col=None,
        message="order has no customer identity (no profile ID, email, phone, name, "
        "address or customer ID); Seeka cannot attribute it",
    )
    status = np.full(n_orders, "ok", dtype=object)
    err_rows = log.error_positions("error")
    err_orders = np.unique(codes[err_rows][codes[err_rows] >= 0])
    status[err_orders] = "error"
    status[excluded] = "excluded"
    issues = log.to_frame(ctx.df.index, row_ids)
    if excluded.any():  # an excluded order's other problems do not matter: it is not sent
        moot = (
            np.isin(issues["activity_id"].to_numpy(dtype=object), activity_id[excluded])
            & (issues["severity"] != "excluded").to_numpy()
        )
        issues = issues[~moot].reset_index(drop=True)
    return OrderTable(
        labels=ctx.df.index,
        row_order=codes,
        row_ids=row_ids,
        raw_ids=raw_ids,
        activity_id=activity_id,
        first_row=first_row,
        n_rows=n_rows,
        time=time_text,
        time_utc=time_utc,
        status=status,
        text=text,
        money=money,
        lists=lists,
        addresses=address_sets,
        products=products,
        issues=issues,
        mapping=cmap,
        conflicts=conflicts,
        conflict_values=ctx.conflict_values,
        line_dupes=dupes,
        preset=pre.name,
        level_fields=tuple(ctx.level_fields),
    )


def _all_missing(column: pd.Series) -> bool:
    try:
        return bool(column.isna().all())
    except (TypeError, ArithmeticError, ValueError):  # cells pandas cannot test (sNaN)
        return False
