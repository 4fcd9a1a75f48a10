"""Text arrays and text columns mean the same on pandas 2.2 and 3 (core/pdcompat.py).

The suite runs a second time on the lowest supported versions (.ci/run), where these
helpers matter: pandas 2.2 turned ``None`` into the text ``"None"`` and kept number
columns with blank cells as text."""

from __future__ import annotations

import numpy as np
import pandas as pd

from seeka_nb.core.pdcompat import is_text_column, text_array


def test_text_array_keeps_missing_values_missing() -> None:
    values = text_array(np.array(["a", None, 3], dtype=object))
    assert values[0] == "a" and values[2] == "3"
    assert pd.isna(values[1]) and values[1] != "None"
    assert str(pd.Series(values)[1]) == "nan"  # displayed as pandas 3 does


def test_text_columns_with_missing_cells_are_text() -> None:
    assert is_text_column(pd.Series(["a", None, "b"], dtype=object))
    assert is_text_column(pd.Series(["a", None], dtype="str"))
    assert not is_text_column(pd.Series([1.0, np.nan]))
    assert not is_text_column(pd.Series(["a", 1], dtype=object))
