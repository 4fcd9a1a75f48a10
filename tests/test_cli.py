"""The seeka-nb command line."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from seeka_nb.cli import build_parser, main


def test_demo_converts_sends_to_a_sandbox_and_reruns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "--show-body"]) == 0
    out = capsys.readouterr().out
    assert "12 orders to send" in out
    assert "missing_time" in out and "id_hazard" in out
    body = json.loads(out[out.index('{\n  "data"') : out.index("\nSending to a local sandbox")])
    assert len(body["data"]) == 1  # preview(1): one event
    assert body["data"][0]["ev"]["payload"]["activityId"] == "1001"
    assert "sent 12, invalid 2" in out
    assert "accepted 12 unique events" in out
    assert "12 already sent, 0 sent" in out
    assert "demo-public-key-0000" not in out


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
    assert "negative_price" in out and "1 order held back" in out
    naive = tmp_path / "naive.csv"
    naive.write_text(
        "order_id,created_at,total,currency\n1,2025-01-01 10:00,5,USD\n", encoding="utf-8"
    )
    assert main(["validate", str(naive)]) == 3  # cannot be converted as given
    assert "--tz ZONE" in capsys.readouterr().err
    assert main(["validate", str(naive), "--tz", "UTC"]) == 0


def _orders_csv(tmp_path) -> str:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,created_at,email,sku,price,qty,currency\n"
        "1,2025-01-01T10:00:00Z,a@example.com,A,10,1,USD\n"
        "2,2025-01-01T11:00:00Z,b@example.com,B,5,2,USD\n",
        encoding="utf-8",
    )
    return str(path)


def test_send_command(tmp_path, monkeypatch, capsys: pytest.CaptureFixture[str]) -> None:
    from seeka_nb import Sandbox

    with Sandbox(rate_limit=None) as sb:
        monkeypatch.setenv("SEEKA_ORG_ID", "org-cli")
        monkeypatch.setenv("SEEKA_PUBLIC_KEY", "cli-key-1234567890")
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        ledger = str(tmp_path / "ledger.sqlite")
        args = ["send", _orders_csv(tmp_path), "--ledger", ledger, "--quiet"]
        assert main(args) == 0
        assert len(sb.events) == 2
        assert main([*args, "--dry-run", "--bodies", str(tmp_path / "bodies")]) == 0
        out = capsys.readouterr().out
        assert "sent 2" in out and "1 request bodies written" not in out
        assert "cli-key-1234567890" not in out
    with Sandbox(rate_limit=None, accepted_credentials=[("org-cli", "another-key-000000")]) as sb:
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        assert main(["send", _orders_csv(tmp_path), "--ledger", ledger + "2", "--quiet"]) == 4
        assert "rejected the credentials" in capsys.readouterr().out


def test_send_dry_run_writes_bodies(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SEEKA_ORG_ID", "org-cli")
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", "cli-key-1234567890")
    folder = tmp_path / "bodies"
    code = main(
        [
            "send",
            _orders_csv(tmp_path),
            "--dry-run",
            "--bodies",
            str(folder),
            "--ledger",
            str(tmp_path / "l.sqlite"),
            "--quiet",
        ]
    )
    assert code == 0
    assert [
        json.loads(p.read_text())["data"][0]["ev"]["payload"]["activityId"]
        for p in sorted(folder.glob("*.json"))
    ] == ["1"]
    assert "dry run" in capsys.readouterr().out


def test_validate_takes_map_status_policy_and_currency(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "lines.csv"
    path.write_text(
        "ref,when,state,line_value\n"
        "A,2025-01-01T10:00:00Z,paid,45.19\n"
        "A,2025-01-01T10:00:00Z,paid,16.94\n"
        "B,2025-01-01T11:00:00Z,pending,5\n",
        encoding="utf-8",
    )
    # no column is recognisably money: refused, with the command-line way to say it
    assert main(["validate", str(path), "--currency", "CAD"]) == 3
    assert "--map FIELD=COLUMN" in capsys.readouterr().err
    args = ["validate", str(path), "--map", "activityId=ref", "--map", "time=when"]
    args += ["--map", "lineTotal=line_value", "--map", "status=state", "--currency", "CAD"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "lineTotal" in out and "1 order to send" in out.replace("orders", "order")
    assert "62.13" in out and "pending" in out
    assert main([*args, "--status-policy", "pending=send"]) == 0
    assert "2 orders to send" in capsys.readouterr().out
    assert main([*args, "--status-policy", "pending=maybe"]) != 0
    assert "pending" in capsys.readouterr().err
    # without a currency the orders with money are held back: exit 1, advice in the output
    assert main(args[:-2]) == 1
    assert "currency=" in capsys.readouterr().out


def test_map_option_parsing() -> None:
    from seeka_nb.cli_options import parse_map
    from seeka_nb.errors import SeekaError

    assert parse_map([]) is None
    assert parse_map(["totalPrice=", "status=A", "status=B", "email=Mail=x"]) == {
        "totalPrice": None,
        "status": ["A", "B"],
        "email": "Mail=x",
    }
    with pytest.raises(SeekaError):
        parse_map(["nonsense"])
