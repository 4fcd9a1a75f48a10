"""Customer identity per order: address sets and identity arrays (layer 2, pure).

Address fields mapped to several columns form several address sets (the first column of
each field is set 1, the second set 2...): each becomes one address object, identical ones
merged.  Identity arrays (email, phone, names, dob) take every distinct valid value of
their columns, in column priority order; phones are parsed with the order's country.
"""

from __future__ import annotations

import numpy as np

from ..schema import ADDRESS_FIELDS, IDENTITY_LIST_FIELDS, MAX_TEXT_LENGTH
from . import identity
from .context import Context
from .grouping import Ragged, distinct_per_order
from .values import is_present, to_text, truncate


def addresses(ctx: Context, conflicts: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], ...]:
    cmap = ctx.cmap
    n_sets = max((len(cmap.columns(f)) for f in ADDRESS_FIELDS), default=0)
    sets: list[dict[str, np.ndarray]] = []
    for s in range(n_sets):
        row: dict[str, np.ndarray] = {}
        for name in ADDRESS_FIELDS:
            cols = cmap.columns(name)
            if len(cols) <= s:
                continue
            col = cols[s]
            t = to_text(ctx.series(col))
            ctx.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            vals, long = truncate(t.values, MAX_TEXT_LENGTH)
            ctx.warn(long, name, col, "text_truncated", "too long; truncated")
            if name == "postcode":
                vals = identity.postcodes(vals)
            elif name == "countryCode":
                vals, unknown = identity.country_codes(vals)
                ctx.warn(
                    unknown, name, col, "invalid_country", "not a country code or name; left out"
                )
            else:
                vals = identity.names(vals)
            row[name] = vals
        if "countryCode" not in row and "country" in row:
            row["countryCode"], _ = identity.country_codes(row["country"])
        per: dict[str, np.ndarray] = {}
        for name, vals in row.items():
            col = cmap.columns(name)[s] if len(cmap.columns(name)) > s else None
            per[name] = ctx.per_order(
                name, col, vals, is_present(vals), conflicts if s == 0 else {}
            )
        sets.append(per)
    return tuple(sets)


def identity_lists(ctx: Context, region: np.ndarray, dayfirst: bool) -> dict[str, Ragged]:
    out: dict[str, Ragged] = {}
    codes = ctx.codes
    row_region = np.where(codes >= 0, region[np.maximum(codes, 0)], None)
    for name in IDENTITY_LIST_FIELDS:
        cols = ctx.cmap.columns(name)
        if not cols:
            continue
        parts_o, parts_v = [], []
        for col in cols:
            t = to_text(ctx.series(col))
            ctx.warn(t.bad, name, col, "invalid_text", "not valid text; left out")
            if name == "email":
                vals, bad = identity.emails(t.values)
                ctx.warn(bad, name, col, "invalid_email", "not a valid email address; left out")
            elif name == "phone":
                vals, bad = identity.phones(t.values, row_region)
                ctx.warn(
                    bad,
                    name,
                    col,
                    "invalid_phone",
                    "not a valid phone number for the order's country; left out",
                )
            elif name == "dob":
                vals, bad = identity.dobs(t.values, dayfirst=dayfirst)
                ctx.warn(bad, name, col, "invalid_dob", "not a date of birth; left out")
            else:
                vals, long = truncate(identity.names(t.values), MAX_TEXT_LENGTH)
                ctx.warn(long, name, col, "text_truncated", "too long; truncated")
            keep = is_present(vals) & (codes >= 0)
            parts_o.append(codes[keep])
            parts_v.append(vals[keep])
        out[name] = distinct_per_order(
            np.concatenate(parts_o), np.concatenate(parts_v), ctx.n_orders
        )
    return out
