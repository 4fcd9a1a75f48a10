"""Customer identity per order: address sets and identity arrays (layer 2, pure).

Address fields mapped to several columns form several address sets (the first column of
each field is set 1, the second set 2...): each becomes one address object, identical ones
merged.  Identity arrays (email, phone, names, dob) take every distinct valid value of
their columns, in column priority order; phones are parsed with the order's country.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..schema import ADDRESS_FIELDS, IDENTITY_LIST_FIELDS, MAX_TEXT_LENGTH
from . import identity
from .context import Context
from .grouping import Ragged, distinct_per_order
from .phone_rules import PhoneValidator
from .values import Coded, truncate


def addresses(ctx: Context, conflicts: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], ...]:
    """Per address set, per field: one value per order (object arrays, ``None`` = absent)."""
    cmap = ctx.cmap
    n_sets = max((len(cmap.columns(f)) for f in ADDRESS_FIELDS), default=0)
    sets: list[dict[str, np.ndarray]] = []
    for s in range(n_sets):
        row: dict[str, Coded] = {}
        cols_of: dict[str, object] = {}
        for name in ADDRESS_FIELDS:
            cols = cmap.columns(name)
            if len(cols) <= s:
                continue
            col = cols_of[name] = cols[s]
            t = ctx.text_of(col)
            ctx.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            t, long = truncate(t, MAX_TEXT_LENGTH)
            ctx.warn(long, name, col, "text_truncated", "too long; truncated")
            if name == "postcode":
                t = identity.postcodes(t)
            elif name == "countryCode":
                t, unknown = identity.country_codes(t)
                ctx.warn(
                    unknown, name, col, "invalid_country", "not a country code or name; left out"
                )
            else:
                t = identity.names(t)
            row[name] = t
        if "countryCode" not in row and "country" in row:
            row["countryCode"], _ = identity.country_codes(row["country"])
        sets.append(
            {
                name: ctx.per_order_text(name, cols_of.get(name), t, conflicts if s == 0 else {})
                for name, t in row.items()
            }
        )
    return tuple(sets)


def prefetch_phones(ctx: Context, validate: PhoneValidator | None) -> None:
    """Hand ``validate.prefetch`` (when it has one) the likely distinct (phone, region)
    pairs, taking each row's own country as its region, before orders are even formed.

    Only a head start: :func:`identity_lists` asks for the exact pairs later, with the
    order's country, and anything not prefetched is validated then.
    """
    prefetch = getattr(validate, "prefetch", None)
    cols = ctx.cmap.columns("phone")
    if prefetch is None or not cols:
        return
    region = Coded(
        np.full(ctx.n, -1, dtype=np.int64), np.empty(0, dtype=object), np.zeros(ctx.n, bool)
    )
    for name in ("countryCode", "country"):
        if name in ctx.cmap:
            region, _ = identity.country_codes(ctx.text_of(ctx.cmap.columns(name)[0]))
            break
    for col in cols:
        _, _, numbers, regions = identity.phone_pairs(ctx.text_of(col), region)
        prefetch(numbers, regions)


def identity_lists(
    ctx: Context, region: np.ndarray, dayfirst: bool, validate: PhoneValidator | None = None
) -> dict[str, Ragged]:
    """Distinct valid values per order for email, phone, firstName, lastName and dob.

    ``validate`` checks the distinct phone numbers (see :mod:`seeka_nb.core.phone_rules`).
    """
    out: dict[str, Ragged] = {}
    codes = ctx.codes
    rcodes, runiq = pd.factorize(pd.Series(region, dtype=object), use_na_sentinel=True)
    row_region = Coded(
        np.where(codes >= 0, rcodes[np.maximum(codes, 0)], -1).astype(np.int64),
        np.asarray(runiq, dtype=object),
        np.zeros(ctx.n, dtype=bool),
    )
    for name in IDENTITY_LIST_FIELDS:
        cols = ctx.cmap.columns(name)
        if not cols:
            continue
        parts: list[Coded] = []
        for col in cols:
            t = ctx.text_of(col)
            ctx.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            if name == "email":
                t, bad = identity.emails(t)
                ctx.warn(bad, name, col, "invalid_email", "not a valid email address; left out")
            elif name == "phone":
                t, bad = identity.phones(t, row_region, validate)
                ctx.warn(
                    bad,
                    name,
                    col,
                    "invalid_phone",
                    "not a valid phone number for the order's country; left out",
                )
            elif name == "dob":
                t, bad = identity.dobs(t, dayfirst=dayfirst)
                ctx.warn(bad, name, col, "invalid_dob", "not a date of birth; left out")
            else:
                t, long = truncate(identity.names(t), MAX_TEXT_LENGTH)
                ctx.warn(long, name, col, "text_truncated", "too long; truncated")
            parts.append(t)
        merged = np.concatenate([p.uniques for p in parts])
        gcodes, guniq = pd.factorize(pd.Series(merged, dtype=object))
        order_of, value_codes, base = [], [], 0
        for p in parts:
            keep = p.present & (codes >= 0)
            order_of.append(codes[keep])
            value_codes.append(gcodes[base + p.codes[keep]])
            base += len(p.uniques)
        out[name] = distinct_per_order(
            np.concatenate(order_of),
            np.concatenate(value_codes),
            np.asarray(guniq, dtype=object),
            ctx.n_orders,
        )
    return out
