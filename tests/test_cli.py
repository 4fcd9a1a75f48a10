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
