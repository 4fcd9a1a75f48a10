"""The seeka-nb command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seeka_nb.cli import build_parser, main


def test_demo_prints_summary_issues_duplicates_and_a_valid_body(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "12 orders to send" in out
    assert "missing_time" in out and "id_hazard" in out
    body = json.loads(out[out.index('{\n  "data"') :])
    assert len(body["data"]) == 12
    assert body["data"][0]["ev"]["payload"]["activityId"] == "1001"


def test_parser_lists_subcommands() -> None:
    parser = build_parser()
    text = parser.format_help()
    assert "demo" in text and "sandbox" in text


def test_console_script_entry_point_runs() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeka_nb.cli", "--version"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("seeka-nb ")


def test_validate_a_real_export(real_data, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "validate",
            str(real_data / "uci_online_retail_FatymaHassan_head.csv"),
            "--tz",
            "Europe/London",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "detected preset 'online_retail'" in out
    assert "cancellation" in out and "91 orders to send" in out


def test_validate_exit_codes(tmp_path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,created_at,sku,price,qty,currency\n"
        "1,2025-01-01T10:00:00Z,A,10,1,USD\n"
        "2,2025-01-01T11:00:00Z,B,-5,1,USD\n",
        encoding="utf-8",
    )
    assert main(["validate", str(path)]) == 1  # order 2 is held back by an error
    out = capsys.readouterr().out
    assert "negative_price" in out and "1 order(s) held back" in out
    naive = tmp_path / "naive.csv"
    naive.write_text("order_id,created_at\n1,2025-01-01 10:00\n", encoding="utf-8")
    assert main(["validate", str(naive)]) == 2
    assert "--tz ZONE" in capsys.readouterr().err
    assert main(["validate", str(naive), "--tz", "UTC"]) == 0
