"""Rows → orders: grouping rows and the activity ID of each order (layer 2, pure).

Most tables carry the order ID on every row, and rows with the same ID are one order. Some
exports carry it on an order's first row only and repeat another key on every row (Shopify
repeats ``Name`` but writes ``Id`` once): a preset then names that key as ``group_by``;
rows are grouped by it and each group takes the activity ID of its first row that has one.
Groups that end with the same activity ID are one order (its rows may not be contiguous).
"""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np

from ..errors import ValidationError
from ..schema import MAX_IDENTIFIER_LENGTH
from .context import Context
from .grouping import per_order, renumber
from .values import to_text


def number_orders(ctx: Context, group_by: tuple[Hashable, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Set ``ctx.codes``/``ctx.n_orders``; returns (activity ID per order, raw ID per row)."""
    col = ctx.cmap.columns("activityId")[0]
    ids, _ = ctx.text("activityId", ident=True)
    raw = ctx.raw_text.values() if ctx.raw_text is not None else ids.values()
    if not ids.present.any():
        raise ValidationError(
            f"Column {col!r} (mapped to activityId) has no values. Map the column that "
            "holds the order ID: mapping={'activityId': '<column>'}."
        )
    id_codes = ids.codes
    key = next((c for c in group_by if c in ctx.df.columns and c != col), None)
    if key is not None:
        groups = to_text(ctx.series(key))
        n_groups = len(groups.uniques)
        g = np.where(groups.present, groups.codes, -1)
        res = per_order(g, id_codes, ids.present & (g >= 0), n_groups, fill=-1)
        ctx.error(
            res.conflicts,
            "activityId",
            col,
            "conflicting_value",
            f"rows of one {key!r} carry different activity IDs",
        )
        id_codes = np.where(g >= 0, res.values[np.maximum(g, 0)], id_codes)
        missing = f"no row of this {key!r} has an activity ID in {col!r}; it cannot be sent"
    else:
        missing = "row has no activity ID (order ID); it cannot be sent"
    present = id_codes >= 0
    ctx.error(~present, "activityId", col, "missing_activity_id", missing)
    lengths = np.fromiter(map(len, ids.uniques), dtype=np.int64, count=len(ids.uniques))
    long_u = lengths > MAX_IDENTIFIER_LENGTH
    ctx.error(
        np.append(long_u, False)[id_codes],
        "activityId",
        col,
        "identifier_too_long",
        f"activity ID longer than {MAX_IDENTIFIER_LENGTH} characters",
    )
    order_codes, which = renumber(id_codes[present])
    codes = np.full(ctx.n, -1, dtype=np.int64)
    codes[present] = order_codes
    ctx.codes = codes
    ctx.n_orders = len(which)
    return ids.uniques[np.asarray(which)], raw
