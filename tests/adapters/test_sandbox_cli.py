"""``seeka-nb sandbox``: options, the foreground runner, and the standalone module."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from seeka_nb.adapters.sandbox import cli
from seeka_nb.errors import ConfigurationError

pytestmark = pytest.mark.timeout(60)
REPO_ROOT = Path(__file__).resolve().parents[2]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers(dest="command")
    cli.register(subparsers)
    return parser.parse_args(["sandbox", *argv])


class _Lines:
    """A text sink that tells when a line containing ``http://`` arrives."""

    def __init__(self) -> None:
        self.text = ""
        self.has_url = threading.Event()

    def write(self, s: str) -> int:
        self.text += s
        if "http://" in self.text and "\n" in self.text:
            self.has_url.set()
        return len(s)

    def flush(self) -> None:
        pass


def test_register_adds_the_sandbox_subcommand_with_defaults():
    args = parse()
    assert args.handler is cli.run and args.func is cli.run
    assert (args.host, args.port, args.rate_limit) == ("127.0.0.1", 8787, 30)
    assert (args.faults, args.fault_rate, args.accept, args.seed) == ("", [], [], None)


def test_options_build_the_matching_sandbox():
    args = parse(
        "--port", "0", "--rate-limit", "0", "--latency", "0.25", "--faults", "500,reset,202",
        "--fault-rate", "503=0.1", "--fault-rate", "timeout=0.05", "--seed", "3",
        "--accept", "org-1:key:with:colons", "--retry-after", "ms", "--timeout-hold", "2",
    )  # fmt: skip
    sb = cli.build_sandbox(args)
    service = sb._service
    assert service.limiter is None
    assert service.plan.pending() == [500, "reset", 202]
    assert service.plan.rates == {503: 0.1, "timeout": 0.05}
    assert service.config.accepted_credentials == frozenset({("org-1", "key:with:colons")})
    assert (service.config.latency, service.config.retry_after) == (0.25, "ms")
    assert service.config.timeout_hold == 2.0


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--fault-rate", "500"], "KIND=P"),
        (["--fault-rate", "500=often"], "KIND=P"),
        (["--fault-rate", "boom=0.1"], "Unknown"),
        (["--accept", "just-an-org"], "ORG:KEY"),
        (["--faults", "500,teapot"], "Unknown"),
    ],
)
def test_bad_options_are_configuration_errors(argv, fragment):
    with pytest.raises(ConfigurationError, match=fragment):
        cli.build_sandbox(parse(*argv))


def test_run_prints_the_url_serves_and_stops_on_the_event(headers, body_factory, port_closed):
    out, stop, result = _Lines(), threading.Event(), {}
    args = parse("--port", "0", "--faults", "503")
    runner = threading.Thread(
        target=lambda: result.setdefault("code", cli.run(args, stop_event=stop, out=out))
    )
    runner.start()
    try:
        assert out.has_url.wait(10)
        url = out.text.splitlines()[0]
        assert url.startswith("http://127.0.0.1:")
        with httpx.Client(headers=headers) as client:
            codes = [client.post(f"{url}/api/ingest", json=body_factory(n)).status_code
                     for n in ("a", "b")]  # fmt: skip
            assert client.get(f"{url}/_sandbox/stats").json()["events_accepted"] == 1
        assert codes == [503, 202]
    finally:
        stop.set()
        runner.join(10)
    assert result == {"code": 0}
    assert "2 requests, 1 unique event accepted, 0 duplicates." in out.text
    lines = [line for line in out.text.splitlines() if " #" in line]  # one per request
    assert len(lines) == 2, out.text
    assert (
        "#1 503 injected_fault" in lines[0] and "#2 202 1 event (1 new, 0 duplicates)" in lines[1]
    )
    assert all(len(line) <= 100 for line in lines)
    assert port_closed(int(url.rsplit(":", 1)[1]))


def test_module_entry_point_runs_in_the_foreground_and_stops_on_sigterm(headers, body_factory):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "seeka_nb.adapters.sandbox.cli", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=REPO_ROOT,
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:"), proc.stderr.read() if proc.stderr else ""
        response = httpx.post(f"{url}/api/ingest", json=body_factory("a"), headers=headers)
        assert response.status_code == 202
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, stderr
    assert "1 unique event accepted" in stdout
    assert "#1 202 1 event (1 new, 0 duplicates)" in stdout  # one line per request
    assert "Traceback" not in stderr


def test_main_reports_bad_options_without_a_traceback(capsys):
    assert cli.main(["--faults", "teapot"]) == 2
    assert "error: Unknown sandbox fault 'teapot'" in capsys.readouterr().err
