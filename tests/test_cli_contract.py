"""The ``seeka-nb`` contract for schedulers: exit codes (one test each), ``--json`` on stdout
with the human text on stderr, ``-q``, ``--ledger``/``--no-ledger``, help for every option,
the same hints in ``send`` as in ``validate``, and ``python -m seeka_nb``."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterator

import pytest

from seeka_nb import Sandbox
from seeka_nb.cli import build_parser, main
from seeka_nb.cli_outcome import ExitCode

KEY = "cli-contract-key-123456"
GOOD = (
    "order_id,created_at,email,sku,price,qty,currency\n"
    "1,2025-01-01T10:00:00Z,a@example.com,A,10,1,USD\n"
    "2,2025-01-01T11:00:00Z,b@example.com,B,5,2,USD\n"
)


@pytest.fixture
def env(tmp_path, monkeypatch) -> Iterator[Sandbox]:
    """A sandbox, SEEKA_* variables pointing at it, and the current folder in tmp_path (so
    no ./.env nor ./.seeka of the developer is read or written)."""
    monkeypatch.chdir(tmp_path)
    with Sandbox(rate_limit=None) as sandbox:
        monkeypatch.setenv("SEEKA_ORG_ID", "org-cli")
        monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
        monkeypatch.setenv("SEEKA_ENDPOINT", sandbox.ingest_url)
        yield sandbox


def _csv(tmp_path, text: str = GOOD, name: str = "orders.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def _json(capsys: pytest.CaptureFixture[str]) -> tuple[dict, str]:
    captured = capsys.readouterr()
    return json.loads(captured.out), captured.err


def test_exit_0_everything_sent_and_json_parsed_back(env, tmp_path, capsys) -> None:
    code = main(["send", _csv(tmp_path), "--json"])
    result, err = _json(capsys)
    assert code == ExitCode.OK == 0 == result["exit_code"]
    assert result["command"] == "send" and result["outcome"] == "ok"
    assert result["report"]["counts"] == {"sent": 2} and result["report"]["ok"] is True
    assert result["not_sent"] == [] and result["hints"] == []
    assert result["events"]["to_send"] == 2 and result["file"] == "orders.csv"
    assert "sent 2" in err  # the human text went to stderr
    assert KEY not in err and KEY not in json.dumps(result)
    assert len(env.events) == 2
    # The same send again: everything is already sent, still exit 0, nothing posted.
    assert main(["send", _csv(tmp_path), "--json"]) == 0
    again, _ = _json(capsys)
    assert again["report"]["counts"] == {"already_sent": 2} and again["report"]["requests"] == 0


def test_exit_1_held_back_and_changed_not_resent_say_what_to_do(env, tmp_path, capsys) -> None:
    bad = GOOD + "3,2025-01-01T12:00:00Z,c@example.com,C,-5,1,USD\n"
    assert main(["send", _csv(tmp_path, bad), "--json", "-q"]) == ExitCode.NOT_SENT == 1
    result, _ = _json(capsys)
    assert result["report"]["counts"] == {"sent": 2, "invalid": 1}
    assert [(o["activity_id"], o["status"]) for o in result["not_sent"]] == [("3", "invalid")]
    assert "negative_price" in result["not_sent"][0]["error"]
    assert any("seeka-nb validate" in h for h in result["hints"])
    # Order 1 changes after it was sent (the case: nothing is sent, yet exit 0
    # hid it): not re-sent by default, exit 1 with the hint...
    changed = GOOD.replace("A,10,1", "A,12,1")
    assert main(["send", _csv(tmp_path, changed), "-q"]) == 1
    out = capsys.readouterr().out
    assert "already_sent 1, changed 1" in out and "--resend changed" in out
    # ... and sent with --resend changed: exit 0.
    assert main(["send", _csv(tmp_path, changed), "--resend", "changed", "--json"]) == 0
    result, _ = _json(capsys)
    assert result["report"]["counts"] == {"sent": 1, "already_sent": 1}


def test_exit_2_usage_errors(env, tmp_path, capsys) -> None:
    assert main(["send", _csv(tmp_path), "--no-such-option"]) == ExitCode.USAGE == 2
    assert "unrecognized arguments" in capsys.readouterr().err
    assert main(["send", _csv(tmp_path), "--rate", "50"]) == 2  # above Seeka's limit
    assert "limit" in capsys.readouterr().err
    assert main(["send", _csv(tmp_path), "--ledger", "x", "--no-ledger"]) == 2
    capsys.readouterr()
    assert main(["validate", "--json"]) == 2  # the file is missing
    result = json.loads(capsys.readouterr().out)
    assert result["exit_code"] == 2 and result["outcome"] == "usage"
    assert env.stats()["requests"] == 0


def test_exit_3_input_cannot_be_read_or_converted(env, tmp_path, capsys) -> None:
    missing = str(tmp_path / "nope.csv")
    assert main(["send", missing, "--json"]) == ExitCode.INPUT == 3
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"]["type"] == "CliError"
    assert "nope.csv" in captured.err and "Traceback" not in captured.err
    # Times without a zone: send gives the same --tz hint as validate.
    naive = _csv(
        tmp_path, "order_id,created_at,sku,price,qty,currency\n1,2025-01-01 10:00,A,1,1,USD\n"
    )
    assert main(["send", naive]) == 3
    assert "On the command line: --tz ZONE." in capsys.readouterr().err
    assert main(["validate", naive]) == 3
    assert "On the command line: --tz ZONE." in capsys.readouterr().err
    assert main(["send", naive, "--tz", "UTC"]) == 0
    empty = _csv(tmp_path, "", name="empty.csv")
    assert main(["validate", empty]) == 3
    assert env.stats()["requests"] == 1


def test_exit_4_configuration_missing_or_credentials_rejected(
    env, tmp_path, monkeypatch, capsys
) -> None:
    monkeypatch.delenv("SEEKA_PUBLIC_KEY")
    assert main(["send", _csv(tmp_path)]) == ExitCode.CONFIG == 4
    assert "SEEKA_PUBLIC_KEY" in capsys.readouterr().err
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
    with Sandbox(rate_limit=None, accepted_credentials=[("org-cli", "other-key-0000000")]) as sb:
        monkeypatch.setenv("SEEKA_ENDPOINT", sb.ingest_url)
        assert main(["send", _csv(tmp_path), "--json"]) == 4
        result, err = _json(capsys)
        assert result["outcome"] == "config"
        assert result["report"]["counts"] == {"pending": 2}
        assert any("rejected the credentials" in h for h in result["hints"])
        assert KEY not in err and KEY not in json.dumps(result)


def test_exit_130_interrupted(env, tmp_path, monkeypatch, capsys) -> None:
    from seeka_nb.api import Events

    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Events, "send", interrupted)
    assert main(["send", _csv(tmp_path), "--json"]) == ExitCode.INTERRUPTED == 130
    result, err = _json(capsys)
    assert result["exit_code"] == 130 and "interrupted" in err


def test_a_postgresql_ledger_url(env, tmp_path, capsys, pg_server) -> None:
    """``--ledger postgresql://...``: a scheduled job's ledger outlives its worker; a ledger
    that cannot be reached is exit 4 with a message that never shows the password."""
    from pg_server import PASSWORD

    url = pg_server.new_database()
    assert main(["send", _csv(tmp_path), "-q", "--ledger", url]) == 0
    assert PASSWORD not in "".join(capsys.readouterr())
    assert main(["send", _csv(tmp_path), "--json", "-v", "--ledger", url]) == 0
    result, err = _json(capsys)
    assert result["report"]["counts"] == {"already_sent": 2} and len(env.events) == 2
    assert not (tmp_path / ".seeka").exists() and PASSWORD not in err
    wrong = url.replace(PASSWORD, PASSWORD + "x")
    assert main(["send", _csv(tmp_path), "--json", "--ledger", wrong]) == ExitCode.CONFIG == 4
    captured = capsys.readouterr()
    assert "Cannot connect to the PostgreSQL ledger" in captured.err
    assert PASSWORD not in captured.err + captured.out


def test_ledger_path_and_no_ledger(env, tmp_path, capsys) -> None:
    ledger = tmp_path / "elsewhere" / "sent.sqlite"
    assert main(["send", _csv(tmp_path), "-q", "--ledger", str(ledger)]) == 0
    assert ledger.exists() and not (tmp_path / ".seeka").exists()
    capsys.readouterr()
    assert main(["send", _csv(tmp_path), "-q", "--no-ledger", "--json"]) == 0
    result, _ = _json(capsys)
    assert result["report"]["counts"] == {"sent": 2}  # no ledger: sent again
    assert not (tmp_path / ".seeka").exists()
    assert env.stats()["events_received"] == 4


def test_quiet_prints_the_summary_without_tables(env, tmp_path, capsys) -> None:
    bad = GOOD + "3,2025-01-01T12:00:00Z,c@example.com,C,-5,1,USD\n"
    assert main(["send", _csv(tmp_path, bad), "-q"]) == 1
    out = capsys.readouterr().out
    assert "sent 2, invalid 1" in out and "seeka-nb validate" in out
    assert "Not sent:" not in out and "<seeka_nb.Events" not in out


def _options(parser: argparse.ArgumentParser) -> Iterator[tuple[str, argparse.Action]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                for label, inner in _options(child):
                    yield f"{name} {label}", inner
        else:
            yield "/".join(action.option_strings) or action.dest, action


def test_every_option_has_help() -> None:
    seen = dict(_options(build_parser()))
    assert {
        "send --resend",
        "send --ledger",
        "send --no-ledger",
        "send --json",
        "send --proxy",
    } <= set(seen)
    assert {"send -v/--verbose", "send -q/--quiet", "validate --tz", "demo --json"} <= set(seen)
    missing = [label for label, action in seen.items() if not action.help]
    assert missing == []


def test_help_documents_the_exit_codes(capsys) -> None:
    assert main(["send", "--help"]) == 0
    text = capsys.readouterr().out
    for code in ("0 ", "1 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n  {code}" in text
    assert "--resend {none,changed,all}" in text and "HTTPS_PROXY" in text


def test_python_dash_m_seeka_nb(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeka_nb", "validate", str(tmp_path / "missing.csv"), "--json"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 3, result.stderr
    assert json.loads(result.stdout)["exit_code"] == 3
    assert "Traceback" not in result.stderr
