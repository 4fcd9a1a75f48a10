"""The bundled sample orders: synthetic data written for this project (layer 3, file I/O).

``sample_orders()`` returns a small line-item table (17 rows, 13 activity IDs, four
currencies) with a few deliberate problems, so the demo and the notebooks show what the
checks report: an invalid email, an order without a time, a negative price, an order with
no customer identity, a duplicated line, a total that does not match its lines, and an ID
spelled two ways (``1013`` / ``#1013``).
"""

from __future__ import annotations

from importlib.resources import files

import pandas as pd

SAMPLE_FILE = "sample_orders.csv"

#: Identifier-like columns read as text, so IDs, zips and phones keep their exact spelling.
_TEXT_COLUMNS = ("order_id", "phone", "postcode")


def sample_orders() -> pd.DataFrame:
    """The bundled synthetic sample orders (one row per line item)."""
    path = files("seeka_nb") / "data" / SAMPLE_FILE
    with path.open("rb") as fh:
        return pd.read_csv(fh, dtype=dict.fromkeys(_TEXT_COLUMNS, "str"))
