"""Real servers on loopback for the proxy and TLS tests: Debian's ``tinyproxy`` (a
forward proxy: plain HTTP and CONNECT) and a throwaway certificate authority (``trustme``)
for a sandbox that serves HTTPS.  Under CI a missing tinyproxy fails the tests (.ci/run
installs it); elsewhere they are skipped with the reason."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def tinyproxy_binary() -> str:
    found = shutil.which("tinyproxy") or next(
        (p for p in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy") if os.path.exists(p)), None
    )
    if found is None:
        message = "tinyproxy is not installed (apt-get install tinyproxy; .ci/run does)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Proxy:
    """A running tinyproxy: its URL and what it logged."""

    url: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def requests(self) -> list[str]:
        """The request lines the proxy received (``POST http://...``, ``CONNECT host:port``)."""
        return [
            line.split("): ", 1)[1]
            for line in self.log().splitlines()
            if "Request (file descriptor" in line
        ]


@contextlib.contextmanager
def tinyproxy(folder: Path) -> Iterator[Proxy]:
    """Start tinyproxy on a free loopback port; stop it (by its own pid) afterwards."""
    binary = tinyproxy_binary()
    for _ in range(5):  # the port is free when chosen; another process may take it first
        port = _free_port()
        log = folder / f"tinyproxy-{port}.log"
        conf = folder / f"tinyproxy-{port}.conf"
        conf.write_text(
            f"Port {port}\nListen 127.0.0.1\nTimeout 30\nLogLevel Info\n"
            f'LogFile "{log}"\nMaxClients 20\nAllow 127.0.0.1\nDisableViaHeader Yes\n',
            encoding="utf-8",
        )
        process = subprocess.Popen(
            [binary, "-d", "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        try:
            if _wait_listening(port, process):
                yield Proxy(f"http://127.0.0.1:{port}", log)
                return
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            if process.stderr is not None:
                process.stderr.close()
    pytest.fail("tinyproxy did not start on a free loopback port")


def _wait_listening(port: int, process: subprocess.Popen[bytes]) -> bool:
    for _ in range(200):
        if process.poll() is not None:
            return False
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return True
        time.sleep(0.05)
    return False
