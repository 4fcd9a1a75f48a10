"""Logging of a send: the ``seeka_nb`` logger has a NullHandler; INFO for the run's start
and summary, WARNING for throttling, retries that ran out and stop reasons, DEBUG per
request — and never the key nor personal data in any record."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from send_helpers import KEY

import seeka_nb
from seeka_nb import Sandbox
from seeka_nb.cli import main

PERSONAL = ("email", "phone", "first_name", "last_name", "address1", "city", "postcode")


def _personal_values() -> set[str]:
    df = seeka_nb.sample_orders()
    values = set()
    for column in PERSONAL:
        values.update(str(v) for v in df[column].dropna().unique())
    return {v for v in values if len(v) >= 4}


def _assert_clean(records: list[logging.LogRecord]) -> None:
    secrets = {KEY, KEY[-4:]} | _personal_values()
    for record in records:
        text = record.getMessage() + repr(record.args) + str(record.exc_text)
        leaked = [s for s in secrets if s in text]
        assert leaked == [], (record.getMessage(), leaked)


def test_package_logger_has_a_null_handler() -> None:
    logger = logging.getLogger("seeka_nb")
    assert any(isinstance(h, logging.NullHandler) for h in logger.handlers)


def test_a_faulty_send_logs_throttling_retries_and_the_give_up(
    events, creds, seams, ledger_path, caplog: pytest.LogCaptureFixture
) -> None:
    # First batch: 429 (with Retry-After), then 500s until its retries run out.
    with Sandbox(rate_limit=None, faults=[429, 500, 503], retry_after="seconds", penalty=3) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        with caplog.at_level(logging.DEBUG, logger="seeka_nb"):
            report = events.send(
                creds, ledger=ledger_path, max_retries=2, concurrency=1, _seams=seams
            )
    assert report.counts["failed"] == 12 and report.throttles == 1
    _assert_clean(caplog.records)
    records = [r for r in caplog.records if r.name.startswith("seeka_nb.pipeline")]
    by_level = {
        level: [r.getMessage() for r in records if r.levelno == level]
        for level in (logging.DEBUG, logging.INFO, logging.WARNING)
    }
    assert by_level[logging.INFO][0].startswith("send started: 12 orders to send to http")
    assert by_level[logging.INFO][-1].startswith("send finished: invalid 2, failed 12; 3 requests")
    assert "batch 0: HTTP 429, retry 1" in " ".join(by_level[logging.INFO])
    warnings = by_level[logging.WARNING]
    assert warnings[0] == "throttled (HTTP 429, retry after 3s); slowing down"
    assert "batch 0: gave up after 3 attempts (last: HTTP 503); 12 orders failed" in warnings
    debug = by_level[logging.DEBUG]
    assert len(debug) == 3  # one per request: batch, events, attempt, status, latency
    assert debug[0].startswith("batch 0: 12 events, attempt 1 -> HTTP 429 in ")
    assert debug[0].endswith(" ms")
    _assert_clean(records)


def test_credentials_rejected_and_deadline_are_logged_as_stop_reasons(
    events, creds, seams, ledger_path, caplog: pytest.LogCaptureFixture
) -> None:
    with Sandbox(rate_limit=None, accepted_credentials=[("org-test", "x" * 20)]) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        with caplog.at_level(logging.INFO, logger="seeka_nb"):
            events.send(creds, ledger=ledger_path, _seams=seams)
    stops = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert stops == ["send stopping: Seeka rejected the credentials (HTTP 403)"]
    _assert_clean(caplog.records)
    caplog.clear()
    with Sandbox(rate_limit=None, faults=["reset"] * 50) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        with caplog.at_level(logging.INFO, logger="seeka_nb"):
            events.send(creds, ledger=ledger_path, deadline=5.0, _seams=seams)
    stops = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert stops == ["send stopping: deadline of 5s reached"]
    assert any("reset, retry" in r.getMessage() for r in caplog.records)
    _assert_clean(caplog.records)


def test_cli_verbose_logs_to_stderr(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    pd.DataFrame(
        {
            "order_id": ["1"],
            "created_at": ["2025-01-01T10:00:00Z"],
            "email": ["someone@example.com"],
            "price": [10],
            "currency": ["USD"],
        }
    ).to_csv(tmp_path / "o.csv", index=False)
    with Sandbox(rate_limit=None) as sb:
        monkeypatch.setenv("SEEKA_ORG_ID", "org-v")
        monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        assert main(["send", "o.csv", "-q", "-v", "--no-ledger"]) == 0
        err = capsys.readouterr().err
        assert "INFO seeka_nb.pipeline.runner: send started: 1 orders" in err
        assert "send finished: sent 1" in err and "DEBUG" not in err
        assert main(["send", "o.csv", "-q", "-vv", "--no-ledger"]) == 0
        err = capsys.readouterr().err
        assert "DEBUG seeka_nb.pipeline.engine: batch 0: 1 events, attempt 1 -> HTTP 202" in err
        assert KEY not in err and "someone@example.com" not in err
        assert main(["send", "o.csv", "-q", "--no-ledger"]) == 0
        assert "seeka_nb" not in capsys.readouterr().err  # no -v: no log lines
    assert logging.getLogger("seeka_nb").handlers == [
        h for h in logging.getLogger("seeka_nb").handlers if isinstance(h, logging.NullHandler)
    ]
