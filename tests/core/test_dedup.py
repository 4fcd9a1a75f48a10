"""events.duplicates(): activity IDs that repeat in ways that matter."""

from __future__ import annotations

import pandas as pd
from helpers import line_items


def findings(df: pd.DataFrame) -> pd.DataFrame:
    return df.seeka.check_duplicates()


def test_conflicting_order_values_show_values_but_never_personal_data() -> None:
    df = line_items(
        created_at=[
            "2025-03-01T10:00:00Z",
            "2025-03-01T11:00:00Z",
            "2025-03-02T00:00:00Z",
            "2025-03-03T00:00:00Z",
        ],
        email=["a@example.com", "b@example.com", None, None],
    )
    out = findings(df)
    time_row = out[(out.kind == "conflicting_values") & (out.field == "time")].iloc[0]
    assert time_row["activity_id"] == "A1" and time_row["rows"] == [0, 1]
    assert "2025-03-01T10:00:00Z" in time_row["detail"]
    email_row = out[(out.kind == "conflicting_values") & (out.field == "email")].iloc[0]
    assert email_row["detail"] == "2 distinct values"
    assert "example.com" not in " ".join(out["detail"])


def test_exact_duplicate_lines() -> None:
    df = line_items(sku=["S1", "S1", "S3", "S4"], price=[10.0, 10.0, 1, 1], qty=[1, 1, 1, 1])
    out = findings(df)
    assert out[["activity_id", "kind", "rows"]].values.tolist() == [
        ["A1", "duplicate_lines", [0, 1]]
    ]


def test_split_orders_and_id_hazards() -> None:
    df = line_items(
        order_id=["1001", "#1001", "1001.0", " 1001"],
        currency=["AUD"] * 4,
        created_at=["2025-03-01T10:00:00Z"] * 4,
        email=[None] * 4,
        phone=[None] * 4,
        country=[None] * 4,
    )
    out = findings(df)
    kinds = dict(zip(out["kind"], out["detail"], strict=True))
    assert set(kinds) == {"split_order", "id_hazard"}
    assert "'#1001'" in kinds["id_hazard"] and "separate orders" in kinds["id_hazard"]


def test_a_clean_frame_has_no_findings() -> None:
    out = findings(line_items())
    assert out.empty and list(out.columns) == [
        "activity_id",
        "kind",
        "field",
        "rows",
        "n_rows",
        "detail",
    ]
