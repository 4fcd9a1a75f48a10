"""The columnar result of a conversion: :class:`OrderTable` (layer 2, pure).

Owns only the shape of what :func:`seeka_nb.core.build.build_table` returns and what
``Events``, the body encoders, the duplicates report and the ledger read: arrays with one
entry per order (unless noted per input row), the products, the issues frame and the
mapping (and, when the conversion made them early, body fragments).  It computes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .grouping import Ragged
from .lines import Products
from .mapping import ColumnMapping

if TYPE_CHECKING:
    from .fragments import OrderParts


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
    #: the body fragments that do not depend on identities, when the conversion made
    #: them early (:class:`~seeka_nb.core.fragments.OrderParts`; used only if they fit)
    order_parts: OrderParts | None = None

    @property
    def n_orders(self) -> int:
        """Number of distinct activity IDs."""
        return len(self.activity_id)
