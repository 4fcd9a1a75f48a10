"""Regression tests for the traps and wording a new user hit (issue 14), one test each."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import seeka_nb
from seeka_nb.core.display import format_money, plural

SAMPLE = Path(__file__).resolve().parents[1] / "notebooks" / "data" / "shopify_orders_sample.csv"


def _orders(n: int = 5) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "order_id": [f"R{i:04d}" for i in range(n)],
            "created_at": "2025-01-01T09:00:00Z",
            "email": [f"c{i}@example.com" for i in range(n)],
            "sku": "SKU-1",
            "price": 9.5,
            "qty": 1,
            "currency": "EUR",
        }
    )


@pytest.mark.parametrize(
    ("key", "meant"),
    [("total", "totalPrice"), ("date", "time"), ("order", "activityId"), ("totl", "totalTax")],
)
def test_mapping_typos_suggest_by_meaning_then_spelling(key: str, meant: str) -> None:
    with pytest.raises(seeka_nb.MappingError, match=f"did you mean '{meant}'"):
        seeka_nb.sample_orders().seeka.to_events(mapping={key: "total"})


def test_conflicting_value_error_says_the_order_is_held_back() -> None:
    df = _orders(2)
    df = pd.concat([df, df.iloc[[0]].assign(currency="USD")], ignore_index=True)
    events = df.seeka.to_events()
    rows = events.issues.query("code == 'conflicting_value'")
    assert set(rows["severity"]) == {"error"}
    assert all("held back" in m and "first value is used" not in m for m in rows["message"])


def test_conflicting_value_warning_says_which_value_is_sent() -> None:
    df = _orders(2).assign(payment_method="card")
    df = pd.concat([df, df.iloc[[0]].assign(payment_method="cash")], ignore_index=True)
    rows = df.seeka.to_events().issues.query("code == 'conflicting_value'")
    assert len(rows) and set(rows["severity"]) == {"warning"}
    assert all("the first value is sent" in m for m in rows["message"])


def test_report_after_403_does_not_say_sent_and_retry_takes_new_credentials() -> None:
    good = seeka_nb.Credentials("org-1", "sandbox-key-good-1234")
    events = _orders(5).seeka.to_events()
    with seeka_nb.Sandbox(rate_limit=None, accepted_credentials=good) as sb:
        wrong = seeka_nb.Credentials("org-1", "sandbox-key-wrong-999", endpoint=sb.ingest_url)
        report = events.send(wrong, ledger=False, rate=None, progress=False)
        assert report.counts["pending"] == 5 and report.auth_failed
        text = repr(report)
        assert "(sent)" not in text and "credentials rejected" in text
        assert "report.retry(credentials=" in report._repr_html_()
        with pytest.raises(seeka_nb.SendError, match=r"retry\(credentials="):
            report.retry()  # the rejected credentials would be rejected again
        again = report.retry(credentials=good.with_endpoint(sb.ingest_url))
        assert again.counts["sent"] == 5 and again.ok
        assert len(sb.events) == 5


@pytest.mark.parametrize(
    ("n", "text"),
    [(0, "0 requests"), (1, "1 request"), (2, "2 requests"), (1200, "1,200 requests")],
)
def test_plural(n: int, text: str) -> None:
    assert plural(n, "request") == text


def test_reprs_use_plural_forms() -> None:
    events = _orders(1).seeka.to_events()
    assert "1 order to send (1 line item) from 1 row;" in repr(events)
    with seeka_nb.Sandbox(rate_limit=None) as sb:
        creds = seeka_nb.Credentials("org-1", "sandbox-only", endpoint=sb.ingest_url)
        report = events.send(creds, ledger=False, rate=None, progress=False)
    assert "1 order: sent 1; 1 request in" in repr(report)
    assert "1 requests" not in repr(report) and "(s)" not in repr(report)


def test_money_uses_each_currencys_minor_units() -> None:
    assert format_money(7960.0, "JPY") == "JPY 7,960"
    assert format_money(55.0, "EUR") == "EUR 55.00"
    assert format_money(1.25, "KWD") == "KWD 1.250"
    events = seeka_nb.sample_orders().seeka.to_events()
    assert "JPY 7,960" in repr(events) and "7,960.00" not in repr(events)
    assert "JPY 7,960" in events._repr_html_() and "7,960.00" not in events._repr_html_()


def test_issue_table_has_no_nan_in_field_or_column() -> None:
    issues = seeka_nb.sample_orders().seeka.to_events().issues
    no_identity = issues.query("code == 'no_identity'").iloc[0]
    assert no_identity["field"] == "" and no_identity["column"] == ""
    assert not issues["field"].isna().any() and not issues["column"].isna().any()
    assert "NaN" not in issues.to_html() and "None" not in issues.to_html()


def test_sandbox_accepts_a_credentials_object() -> None:
    creds = seeka_nb.Credentials("org-1", "sandbox-key-1234")
    with seeka_nb.Sandbox(rate_limit=None, accepted_credentials=creds) as sb:
        report = (
            _orders(2)
            .seeka.to_events()
            .send(creds.with_endpoint(sb.ingest_url), ledger=False, rate=None, progress=False)
        )
    assert report.ok
    with pytest.raises(seeka_nb.ConfigurationError, match="Credentials"):
        seeka_nb.Sandbox(accepted_credentials=42)


def test_sandbox_rejects_chosen_events_and_the_send_bisects_to_them() -> None:
    events = _orders(40).seeka.to_events()
    with seeka_nb.Sandbox(rate_limit=None, reject=["R0007", "R0031"]) as sb:
        creds = seeka_nb.Credentials("org-1", "sandbox-only", endpoint=sb.ingest_url)
        report = events.send(creds, ledger=False, rate=None, progress=False)
        assert len(sb.events) == 38
    frame = report.to_frame()
    assert sorted(frame.loc[frame["status"] == "rejected", "activity_id"]) == ["R0007", "R0031"]
    assert report.counts["sent"] == 38
    with seeka_nb.Sandbox(
        rate_limit=None, reject=lambda ev: ev["ev"]["payload"]["activityId"].endswith("9")
    ) as sb:
        creds = seeka_nb.Credentials("org-1", "sandbox-only", endpoint=sb.ingest_url)
        report = events.send(creds, ledger=False, rate=None, progress=False)
    assert report.counts["rejected"] == 4
    with pytest.raises(seeka_nb.ConfigurationError, match="reject"):
        seeka_nb.Sandbox(reject="R0007")


def test_time_zone_given_by_position_gets_an_error_naming_tz_and_preset() -> None:
    df = seeka_nb.sample_orders()
    with pytest.raises(seeka_nb.MappingError, match=r"tz='Australia/Sydney'.*preset="):
        df.seeka.to_events("Australia/Sydney")
    with pytest.raises(seeka_nb.MappingError, match="keyword-only"):
        df.seeka.mapping(["order_id"])


def test_plain_to_events_on_a_shopify_export_suggests_the_preset() -> None:
    df = pd.read_csv(SAMPLE)
    with pytest.raises(seeka_nb.MappingError, match=r"Shopify export: pass preset='shopify'"):
        df.seeka.to_events()
    assert len(df.seeka.to_events(preset="shopify")) > 0


def test_preview_n_shows_n_events() -> None:
    events = seeka_nb.sample_orders().seeka.to_events()
    assert len(json.loads(events.preview(1))["data"]) == 1
    assert len(json.loads(events.preview(3))["data"]) == 3
    assert len(events.preview(1).splitlines()) < 80
    with pytest.raises(seeka_nb.ConfigurationError):
        events.preview(0)


def test_duplicates_and_mapping_render_as_readable_html() -> None:
    df = seeka_nb.sample_orders()
    dups = df.seeka.to_events().duplicates()
    page = dups._repr_html_()
    assert "Duplicate findings" in page and "1013" in page and "NaN" not in page
    assert type(dups[["kind"]]) is pd.DataFrame  # derived frames are plain DataFrames
    mapping = df.seeka.mapping()._repr_html_()
    assert "Seeka column mapping" in mapping and "created_at" in mapping


def test_events_display_has_a_chart_held_back_reasons_and_severity_colours() -> None:
    page = seeka_nb.sample_orders().seeka.to_events()._repr_html_()
    assert page.count("<svg") == 2  # orders/revenue over time + issues by severity
    assert "orders per day" in page and "revenue AUD per day" in page
    assert "Held back, by reason" in page and "missing_time" in page
    assert "#ffebe9" in page and "#fff8c5" in page  # error and warning rows tinted


def test_report_display_has_a_stacked_bar_with_failures_in_red() -> None:
    events = _orders(20).seeka.to_events()
    with seeka_nb.Sandbox(rate_limit=None, reject=["R0003"]) as sb:
        creds = seeka_nb.Credentials("org-1", "sandbox-only", endpoint=sb.ingest_url)
        report = events.send(creds, ledger=False, rate=None, progress=False)
    page = report._repr_html_()
    assert "<svg" in page and "rejected 1" in page and "#cf222e" in page
    assert page.index("<svg") < page.index("Not accepted")
