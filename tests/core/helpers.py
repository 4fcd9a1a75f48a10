"""Small shared helpers for the core tests."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

import seeka_nb  # noqa: F401  (registers df.seeka)


def events_by_id(events: Any) -> dict[str, dict]:
    """Event dicts keyed by activity ID."""
    return {e["ev"]["payload"]["activityId"]: e["ev"] for e in events.to_list()}


def codes(events: Any) -> set[str]:
    """The issue codes reported."""
    return set(events.issues["code"])


def issue_rows(events: Any, code: str) -> list[object]:
    """Input row labels with an issue of ``code``."""
    return events.issues.loc[events.issues["code"] == code, "row"].tolist()


def find_absent_markers(value: Any, path: str = "") -> list[str]:
    """Paths in a JSON value holding null, NaN, inf, "" or [] (all forbidden on the wire)."""
    bad: list[str] = []
    empty = value is None or value == "" or value == []
    if empty or (isinstance(value, float) and not math.isfinite(value)):
        bad.append(path)
    elif isinstance(value, dict):
        for k, v in value.items():
            bad.extend(find_absent_markers(v, f"{path}.{k}"))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            bad.extend(find_absent_markers(v, f"{path}[{i}]"))
    return bad


def line_items(**overrides: Any) -> pd.DataFrame:
    """A tidy three-order line-item table (first-row-only customer fields, like exports)."""
    data = {
        "order_id": ["A1", "A1", "B2", "C3"],
        "created_at": [
            "2025-03-01T10:00:00Z",
            "2025-03-01T10:00:00Z",
            "2025-03-02 09:30:00 -0500",
            "2025-03-03T23:59:59+10:00",
        ],
        "email": ["Ann@Example.com", None, "bob@example.org", None],
        "phone": ["0412 345 678", None, "+1 415 555 2671", None],
        "country": ["AU", None, "US", None],
        "currency": ["AUD", "AUD", "USD", "EUR"],
        "sku": ["S1", "S2", "S3", "S4"],
        "price": [10.0, 2.5, 99.99, 5.0],
        "qty": [1, 4, 1, 2],
    }
    data.update(overrides)
    return pd.DataFrame(data)
