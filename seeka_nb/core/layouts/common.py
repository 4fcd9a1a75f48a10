"""Vectorised helpers shared by the export presets (layer 2, pure)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from ..mapping import normalise_name


def text(frame: pd.DataFrame, column: Hashable) -> pd.Series:
    """A column as trimmed text, ``""`` where missing."""
    return frame[column].astype("string").fillna("").str.strip()


def is_set(frame: pd.DataFrame, column: Hashable) -> np.ndarray:
    """Rows where ``column`` holds a non-empty value."""
    return (text(frame, column) != "").to_numpy(dtype=bool)


def is_one_of(frame: pd.DataFrame, column: Hashable, values: Iterable[str]) -> np.ndarray:
    """Rows whose ``column`` equals one of ``values`` (case-insensitive)."""
    wanted = {v.lower() for v in values}
    return text(frame, column).str.lower().isin(wanted).to_numpy(dtype=bool)


def split_name(frame: pd.DataFrame, column: Hashable, prefix: str) -> dict[str, pd.Series]:
    """A full name → ``{prefix}first`` and ``{prefix}last`` (split at the first space).

    Single-word names become a first name only.  Absent column → no derived columns.
    """
    if column not in frame.columns:
        return {}
    parts = text(frame, column).str.replace(r"\s+", " ", regex=True).str.split(" ", n=1)
    first = parts.str[0].where(parts.str[0] != "")
    last = parts.str[1]
    return {f"{prefix}first": first, f"{prefix}last": last}


def signature(*columns: str) -> frozenset[str]:
    """Normalised header names identifying a layout."""
    return frozenset(normalise_name(c) for c in columns)
