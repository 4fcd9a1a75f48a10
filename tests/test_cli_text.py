"""Terminal output of ``seeka-nb``: fits 100 columns (or a narrower terminal), plural forms,
the demo explains what it sends and ends with the next step, ``validate`` shows IDs."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from seeka_nb.cli import main
from seeka_nb.cli_text import table, wrap

SAMPLE = Path(__file__).resolve().parents[1] / "seeka_nb" / "data" / "sample_orders.csv"
CLUMSY = re.compile(r"\b1 (requests|orders|events|rows|duplicates)\b|\(s\)|e\.g\. rows \w+:")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    main(list(argv))
    return capsys.readouterr().out


@pytest.mark.parametrize("columns", ["80", "100", "250"])
def test_demo_fits_the_terminal_and_never_more_than_100_columns(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, columns: str
) -> None:
    monkeypatch.setenv("COLUMNS", columns)
    out = _run(capsys, "demo")
    limit = min(int(columns), 100)
    assert max(len(line) for line in out.splitlines()) <= limit
    assert not CLUMSY.search(out), CLUMSY.search(out)


def test_demo_explains_the_two_spellings_and_ends_with_the_next_step(
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = _run(capsys, "demo")
    assert "'1013' and '#1013' are sent as separate orders" in out
    last = out.strip().splitlines()
    assert "seeka-nb validate yourfile.csv" in " ".join(last[-3:])


def test_validate_shows_duplicate_ids_and_fits(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    out = _run(capsys, "validate", str(SAMPLE))
    section = out[out.index("Duplicates:") :]
    assert "1005" in section and "1013" in section and "id_hazard" in section
    assert "e.g. row 10: order has no time" in out
    assert "2 orders held back by errors" in out
    assert max(len(line) for line in out.splitlines()) <= 100
    assert not CLUMSY.search(out), CLUMSY.search(out)


def test_wrap_and_table_helpers(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    text = wrap("  " + "word " * 40)
    assert all(len(line) <= 60 for line in text.splitlines())
    assert text.splitlines()[1].startswith("    word")
    table(pd.DataFrame({"id": ["A", "B"], "n": [1, None], "why": ["x" * 200, None]}))
    out = capsys.readouterr().out
    assert all(len(line) <= 60 for line in out.splitlines()) and "NaN" not in out
    assert out.splitlines()[1].rstrip().endswith("…")
