"""The forms in a real JupyterLab, driven by headless Chromium: type, click, save, look.

JupyterLab runs on loopback (no token) in a temporary root folder with its own settings
(widget state saving switched on, news and update checks off).  Playwright drives Debian's
``/usr/bin/chromium`` (never a downloaded browser).  Under CI (``CI`` set) a missing or
broken browser fails the test; elsewhere a missing one skips it.  Only a missing
Chromium skips: JupyterLab and Playwright are test dependencies, so their absence fails.
On failure a screenshot is left in the test's temporary folder; with
``SEEKA_SCREENSHOT_DOCS=1`` the forms are also saved to ``docs/forms.png``.
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
from collections.abc import Iterator
from pathlib import Path

import httpx
import nbformat
import pytest
from fixture_paths import REPO

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
GOOD_TC = "iabgpp-es-tcfeuv2-vendors-11-28-29"
CANARY = "canary_9b8a7c6d5e4f"
CELLS = [
    "import seeka_nb\n"
    "from seeka_nb.widgets import ConsentForm, CredentialsForm\n"
    "sandbox = seeka_nb.Sandbox(rate_limit=None).start()\n"
    "form = CredentialsForm(sandbox=sandbox, env={}, dotenv_path=False)\n"
    "form",
    "consent = ConsentForm()\nconsent",
    "# A control: a plain Password widget keeps what is typed (saved with the widget state)\n"
    "import ipywidgets\ncanary = ipywidgets.Password(description='canary')\ncanary",
]


def _unavailable(reason: str) -> None:
    """The one reason to skip: no Chromium on this machine (under CI: fail)."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must run the browser test", pytrace=False)
    pytest.skip(f"{reason}: the real-browser test is skipped (under CI it fails)")


def require_chromium() -> None:
    """Skip (fail under CI) when Debian's Chromium is missing; fail when Playwright is."""
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is missing at {CHROMIUM} (apt-get install chromium)")
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


@pytest.mark.timeout(240)
def test_forms_in_jupyterlab(tmp_path: Path, fake_key: str, tc_vectors: dict[str, str]) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    root, home = tmp_path / "root", tmp_path / "home"
    root.mkdir()
    home.mkdir()
    notebook = root / "forms.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, notebook)
    tc = tc_vectors[GOOD_TC]
    started = time.monotonic()

    with jupyter_lab(root, home) as base, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
        except Exception as exc:  # Chromium is there but broken: a failure, never a skip
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        page = browser.new_page(viewport={"width": 1280, "height": 1700})
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/forms.ipynb")
            page.wait_for_function(
                "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                " && window.jupyterapp.shell.currentWidget.sessionContext"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                " && window.jupyterapp.shell.currentWidget.sessionContext.session.kernel"
                ".connectionStatus === 'connected'"
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")

            form = page.locator(".seeka-credentials-form")
            expect(form).to_be_visible()
            expect(form.locator(".seeka-status")).to_contain_text("incomplete")
            org = form.locator(".widget-text", has_text="Organisation ID").locator("input")
            org.press_sequentially("org-browser")
            key = form.locator("input[type=password]")
            key.press_sequentially(fake_key)
            form.get_by_role("button", name="Use these").click()
            status = form.locator(".seeka-status")
            expect(status).to_contain_text("Using org org-browser with key ••••4242")
            expect(status).to_contain_text("127.0.0.1")  # the sandbox, selected
            expect(key).to_have_value("")
            expect(form).to_contain_text("key ••••4242 received")

            consent = page.locator(".seeka-consent-form")
            consent.locator("textarea").press_sequentially(tc)
            expect(consent.locator(".seeka-verdict")).to_contain_text("Usable, with 1 warning")
            summary = consent.locator(".seeka-consent-summary")
            expect(summary).to_contain_text("1. Store and/or access information on a device")
            expect(summary).to_contain_text("CMP 10")
            expect(summary).to_contain_text("2022-02-01 00:00:00 UTC")
            expect(consent).to_contain_text("VendorListVersion is 0")

            canary = page.locator(".widget-text", has_text="canary").locator("input")
            canary.press_sequentially(CANARY)
            canary.press("Enter")
            if os.environ.get("SEEKA_SCREENSHOT_DOCS") == "1":
                _screenshot_forms(page, REPO / "docs" / "forms.png")

            before = notebook.read_bytes()
            page.evaluate("document.activeElement && document.activeElement.blur()")
            page.locator(".jp-InputPrompt").first.click()  # focus the notebook, not a widget
            page.keyboard.press("Control+s")
            saved = _wait_for_save(notebook, before)
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"screenshot: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()

    assert fake_key.encode() not in saved
    assert fake_key[:14].encode() not in saved and fake_key[-12:].encode() not in saved
    doc = json.loads(saved)
    state = doc["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    passwords = sorted(
        m["state"].get("value", "") for m in state.values() if m["model_name"] == "PasswordModel"
    )
    assert passwords == ["", CANARY]  # the control shows typed values are saved; ours is not
    print(f"browser test: {time.monotonic() - started:.1f} s")


def _screenshot_forms(page: object, path: Path) -> None:
    """The two form cells (not the control cell) as a PNG for the README."""
    cells = page.locator(".jp-Notebook .jp-Cell")  # type: ignore[attr-defined]
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    top = first["y"]
    clip = {
        "x": first["x"],
        "y": top,
        "width": max(first["width"], second["width"]),
        "height": second["y"] + second["height"] - top,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), clip=clip)  # type: ignore[attr-defined]


def _wait_for_save(notebook: Path, before: bytes) -> bytes:
    """The notebook's bytes once JupyterLab has written it (bounded polling)."""
    for _ in range(240):  # at most ~60 s
        data = notebook.read_bytes()
        if data != before:
            with contextlib.suppress(json.JSONDecodeError):
                if json.loads(data)["cells"][0]["outputs"]:
                    return data
        time.sleep(0.25)
    raise AssertionError("the notebook was not saved within 60 s of Ctrl+S")
