"""What differs between the pandas versions we support, pandas 2.2 to 3.x (layer 2).

pandas 3 has a default ``str`` dtype (missing values are NaN) and ``is_string_dtype`` is
true for it.  On pandas 2.2 text is ``object`` dtype: ``pd.array(values, dtype="str")``
turns ``None`` into the *text* ``"None"`` (silently wrong), and ``is_string_dtype`` is
false for an object column that holds a missing cell (so number columns with blank cells
stayed text).  Code that builds or tests text columns goes through these helpers so it
means the same on both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["PANDAS_3", "is_text_column", "text_array"]

#: Whether pandas is 3 or newer (its ``str`` dtype; a pyarrow CSV reader that keeps text).
PANDAS_3 = int(pd.__version__.split(".")[0]) >= 3


def text_array(values: Iterable[Any]) -> Any:
    """A text array with missing values kept missing: pandas 3's ``str`` dtype, or on
    pandas 2.2 an ``object`` array of strings and NaN (as pandas 3 shows them; never the
    text ``"None"``)."""
    series = pd.Series(values, dtype="str")
    if series.dtype == object:  # pandas 2.2
        series = series.where(series.notna(), np.nan)
    return series.array


def is_text_column(column: pd.Series) -> bool:
    """Whether ``column`` holds text: a string dtype, or (pandas 2.2) an ``object`` column
    whose non-missing cells are all ``str``."""
    if pd.api.types.is_string_dtype(column):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=True) in (
        "string",
        "empty",
    )
