"""The bundled synthetic sample orders."""

from __future__ import annotations

import seeka_nb


def test_sample_orders_keep_identifiers_as_text() -> None:
    df = seeka_nb.sample_orders()
    assert len(df) == 17
    assert df["order_id"].nunique() == 14
    assert "03181" in set(df["postcode"])  # leading zero kept
    assert df["phone"].dropna().map(type).eq(str).all()


def test_sample_orders_show_each_kind_of_problem() -> None:
    events = seeka_nb.sample_orders().seeka.to_events()
    codes = set(events.issues["code"])
    assert {
        "invalid_email",
        "missing_time",
        "negative_price",
        "no_identity",
        "total_mismatch",
    } <= codes
    assert set(events.duplicates()["kind"]) == {"duplicate_lines", "id_hazard"}
