"""seeka-nb validate and send stream big files (--chunksize, or automatically above a size):
the same exit codes and JSON report as a whole-file read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from stream_data import orders_frame

from seeka_nb import Sandbox, cli_options
from seeka_nb.cli import main


def _csv(tmp_path: Path, n: int = 120) -> str:
    path = tmp_path / "orders.csv"
    orders_frame(n, seed=9).to_csv(path, index=False)
    return str(path)


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, dict]:
    code = main([*argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_validate_streamed_equals_whole(tmp_path: Path, capsys) -> None:
    path = _csv(tmp_path)
    code, whole = _json(capsys, ["validate", path, "--chunksize", "0"])
    scode, streamed = _json(capsys, ["validate", path, "--chunksize", "25"])
    assert code == scode == 1  # orders without a currency are held back
    assert streamed["events"].pop("chunks") >= 5
    assert streamed["events"].pop("revenue") == pytest.approx(whole["events"].pop("revenue"))
    for key in ("events", "issues_by_code", "duplicates", "read"):
        assert streamed[key] == whole[key], key


def test_big_files_stream_automatically(tmp_path: Path, capsys, monkeypatch) -> None:
    path = _csv(tmp_path, 60)
    monkeypatch.setattr(cli_options, "STREAM_AUTO_BYTES", 1000)
    monkeypatch.setattr(cli_options, "STREAM_CHUNKSIZE", 20)
    main(["validate", path])
    assert "streamed 20 rows at a time" in capsys.readouterr().out
    main(["validate", path, "--chunksize", "0"])
    assert "streamed" not in capsys.readouterr().out
    assert main(["validate", path, "--chunksize", "-3"]) == 3
    assert "--chunksize -3" in capsys.readouterr().err


def test_send_streamed_then_resumed(tmp_path: Path, monkeypatch, capsys) -> None:
    path = _csv(tmp_path, 80)
    with Sandbox(rate_limit=None) as sb:
        monkeypatch.setenv("SEEKA_ORG_ID", "org-cli")
        monkeypatch.setenv("SEEKA_PUBLIC_KEY", "cli-key-1234567890")
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        ledger = str(tmp_path / "ledger.sqlite")
        argv = ["send", path, "--ledger", ledger, "--chunksize", "15", "--rate", "30"]
        code, first = _json(capsys, argv)
        sent = first["report"]["counts"]["sent"]
        assert code == 1 and sent == len(sb.events) > 0  # 1: one order held back (no currency)
        assert first["report"]["counts"] == {"sent": sent, "invalid": 1}
        code, again = _json(capsys, argv)
        assert code == 1 and again["report"]["counts"] == {"already_sent": sent, "invalid": 1}
        assert len(sb.events) == sent and "cli-key-1234567890" not in json.dumps(again)
