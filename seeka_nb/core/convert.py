"""One prepared frame → an :class:`~seeka_nb.core.table.OrderTable`, step by step (layer 2,
pure).

:func:`convert` is the column-by-column conversion behind
:func:`seeka_nb.core.build.build_table` (which owns the argument checks and the frame-level
warnings): it groups rows into orders by activity ID (first-appearance order), applies the
preset's rules, reads times, fills order-level values within each order, normalises
identity, products and money, records every problem in the issues log and decides each
order's status (``ok``, ``error``, ``excluded``).  Each step is a function here; the
identity lists come last so that a phone validator working in another process has had time.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from ..schema import (
    COMMERCE_STRING_FIELDS,
    EARLIEST_ORDER_TIME,
    MAX_IDENTIFIER_LENGTH,
    MAX_TEXT_LENGTH,
)
from . import identity
from .amounts import check_value_and_currency, order_amounts
from .consent_checks import check_consent_column
from .context import Context, currency_codes, line_dupes
from .customers import addresses, identity_lists
from .fragments import OrderParts
from .grouping import Ragged, first_positions
from .money import minor_units_of, round_money
from .ordering import number_orders
from .phone_rules import PhoneValidator
from .presets import Preset
from .status import apply_policy, read_status
from .table import OrderTable
from .times import format_utc, parse_times, time_bounds
from .values import is_present, str_codes, truncate

ORDER_TEXT_FIELDS = ("seekaPId", "tcfConsentString", *COMMERCE_STRING_FIELDS)
ID_LIKE = {
    "checkoutIdentifier",
    "cartIdentifier",
    "orderIdentifier",
    "orderNumber",
    "customerIdentifier",
}


def convert(
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
    """The conversion of ``ctx``'s frame (arguments already checked by ``build_table``)."""
    cmap, log = ctx.cmap, ctx.log
    activity_id, raw_ids = number_orders(ctx, pre.group_by)
    codes, n_orders = ctx.codes, ctx.n_orders
    row_ids = np.where(codes >= 0, activity_id[np.maximum(codes, 0)], None)  # type: ignore[call-overload]
    first_row = first_positions(codes, codes >= 0, n_orders)
    n_rows = np.bincount(codes[codes >= 0], minlength=n_orders)
    conflicts: dict[str, np.ndarray] = {}
    excluded, not_product, shipping_line, extra_line = _preset_rules(ctx, pre)
    time_utc, dayfirst = _order_times(ctx, tz, dayfirst, now, first_row, conflicts)
    text, cur = _order_text(ctx, consent, currency, conflicts)

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
        cur_coded = str_codes(cur)
        if cur_coded is not None:
            products.coded["currencyCode"] = (cur_coded[0][owner], cur_coded[1])

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

    # --- identity lists: last, so that a phone validator working elsewhere has had time;
    # while it still works, this process makes the bodies' identity-free fragments
    early = None
    pending = getattr(phone_validator, "pending", None)
    if callable(pending) and pending():
        early = OrderParts(activity_id, time_text, text, money, products)
    with log.insert_at(identity_mark):
        lists = identity_lists(ctx, region, dayfirst, phone_validator)

    status = _status(ctx, first_row, excluded, text, lists, address_sets)
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
        order_parts=early,
    )


def _preset_rules(
    ctx: Context, pre: Preset
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The preset's exclusions (per order) and its not-a-product rules (per row):
    ``(excluded, not_product, shipping_line, extra_line)``."""
    codes, n_orders, log = ctx.codes, ctx.n_orders, ctx.log
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
    return excluded, not_product, shipping_line, extra_line


def _order_times(
    ctx: Context,
    tz: str | dt.tzinfo | None,
    dayfirst: bool | None,
    now: float | None,
    first_row: np.ndarray,
    conflicts: dict[str, np.ndarray],
) -> tuple[np.ndarray, bool]:
    """Each order's time (``datetime64[s]``, UTC; NaT when it has none, an error) and the
    day-first reading used; unreadable, implausible and conflicting times are reported."""
    cmap, log = ctx.cmap, ctx.log
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
    return time_utc, bool(dayfirst)


def _order_text(
    ctx: Context, consent: str | None, currency: str | None, conflicts: dict[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Order-level text fields (profile ID, consent string, commerce strings) per order,
    and each order's currency (``None`` where unknown), defaults applied."""
    cmap, log, n_orders = ctx.cmap, ctx.log, ctx.n_orders
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
    return text, cur


def _status(
    ctx: Context,
    first_row: np.ndarray,
    excluded: np.ndarray,
    text: dict[str, np.ndarray],
    lists: dict[str, Ragged],
    address_sets: tuple[dict[str, np.ndarray], ...],
) -> np.ndarray:
    """Each order's status (``ok``/``error``/``excluded``), after warning about orders
    without any customer identity."""
    codes, n_orders, log = ctx.codes, ctx.n_orders, ctx.log
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
    return status
