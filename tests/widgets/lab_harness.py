"""A real JupyterLab and Debian's Chromium for the browser tests (``test_browser*.py``).

JupyterLab runs on loopback (no token) in a temporary root folder with its own settings
(widget state saving switched on, news and update checks off); :func:`notebook_page` writes
a notebook, opens it in headless Chromium driven by Playwright (``/usr/bin/chromium``, never
a downloaded browser), waits for its kernel and yields the page.  Under CI (``CI`` set) a
missing or broken browser fails the test; elsewhere a missing one skips it.  JupyterLab and
Playwright are test dependencies, so their absence fails.  On failure a screenshot is left
in the test's temporary folder.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx
import nbformat
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 60_000


def unavailable(reason: str) -> None:
    """The one reason to skip: no Chromium on this machine (under CI: fail)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test", pytrace=False)
    pytest.skip(f"{reason}: the real-browser test is skipped (under CI it fails)")


def require_chromium() -> None:
    """Skip (fail under CI) when Debian's Chromium is missing; fail when Playwright is."""
    if not CHROMIUM.exists():
        unavailable(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        pytest.fail("playwright is not installed (pip install -e '.[test]')", pytrace=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_settings(settings: Path) -> None:
    """Lab user settings: save widget state (so the test can see a leak), stay offline."""
    for plugin, values in {
        "@jupyter-widgets/jupyterlab-manager/plugin": {"saveState": True},
        "@jupyterlab/apputils-extension/notification": {
            "fetchNews": "false",
            "checkForUpdates": False,
        },
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values), encoding="utf-8")


def _marked_pids(marker: str) -> list[int]:
    """Processes whose environment carries ``marker``: the server and its kernels."""
    found = []
    needle = f"SEEKA_BROWSER_TEST={marker}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
    return found


@contextlib.contextmanager
def jupyter_lab(root: Path, home: Path) -> Iterator[str]:
    """JupyterLab serving ``root`` on a free loopback port; yields its base URL.

    Stopped with SIGTERM (the server shuts its kernels down), then anything left that was
    started by this server (found by an environment marker) is killed by its PID.
    """
    if importlib.util.find_spec("jupyterlab") is None:
        pytest.fail("jupyterlab is not installed (pip install -e '.[test]')", pytrace=False)
    port = _free_port()
    marker = uuid.uuid4().hex
    env = {
        **os.environ,
        "SEEKA_BROWSER_TEST": marker,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    _write_settings(home / "settings")
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--ServerApp.token=",
        "--ServerApp.password=",
        f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
        "--LabApp.expose_app_in_browser=True",
    ]
    log = (home / "jupyter.log").open("wb")
    server = subprocess.Popen(
        command, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):  # at most ~60 s
            if server.poll() is not None:
                raise AssertionError(f"JupyterLab exited ({server.returncode}); see {log.name}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/api", timeout=1.0).status_code == 200:
                    break
            time.sleep(0.25)
        else:
            raise AssertionError(f"JupyterLab did not answer within 60 s; see {log.name}")
        yield base
    finally:
        if server.poll() is None:
            server.terminate()  # SIGTERM: the server shuts its kernels down, then exits
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)
        log.close()
        for pid in _marked_pids(marker):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for _ in range(40):
            if not _marked_pids(marker):
                break
            time.sleep(0.25)
        assert not _marked_pids(marker), "processes of the test's JupyterLab are left over"


def write_notebook(path: Path, cells: Sequence[str]) -> None:
    """A Python 3 notebook at ``path`` whose code cells are ``cells``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in cells]
    nbformat.write(nb, path)


KERNEL_CONNECTED = (
    "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
    " const k = w && w.sessionContext && w.sessionContext.session"
    " && w.sessionContext.session.kernel;"
    " return k && k.connectionStatus === 'connected'; }"
)


@contextlib.contextmanager
def notebook_page(
    tmp_path: Path,
    name: str,
    cells: Sequence[str],
    *,
    viewport: dict[str, int],
    home: Path | None = None,
) -> Iterator[Any]:
    """JupyterLab with ``cells`` as notebook ``name``, opened in Chromium, its kernel
    connected; yields the Playwright page (cells not run yet).  On any failure a screenshot
    goes to ``tmp_path/failure.png``; the browser and the server are always stopped."""
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    root, home = tmp_path / "root", home or tmp_path / "home"
    root.mkdir()
    home.mkdir(exist_ok=True)
    write_notebook(root / name, cells)
    with jupyter_lab(root, home) as base, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
        except Exception as exc:  # Chromium is there but broken: a failure, never a skip
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        page = browser.new_page(viewport=viewport)
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/{name}")
            page.wait_for_function(KERNEL_CONNECTED)
            yield page
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"screenshot: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()


def run_all_cells(page: Any) -> None:
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")


def wait_for_save(notebook: Path, before: bytes) -> bytes:
    """The notebook's bytes once JupyterLab has written it (bounded polling)."""
    for _ in range(240):  # at most ~60 s
        data = notebook.read_bytes()
        if data != before:
            with contextlib.suppress(json.JSONDecodeError):
                if json.loads(data)["cells"][0]["outputs"]:
                    return data
        time.sleep(0.25)
    raise AssertionError("the notebook was not saved within 60 s of Ctrl+S")
