"""The notebook displays in a real JupyterLab, in headless Chromium: look, and take pictures.

``Events`` (summary, orders/revenue chart, held-back reasons, issues by severity), the
duplicate findings, the column mapping and two ``SendReport`` displays (a rejected event;
credentials refused with the stop reason first) are rendered by JupyterLab and photographed.
The pictures are always taken (into the test's folder, checked to be real images); with
``SEEKA_SCREENSHOT_DOCS=1`` they are also written to ``docs/display-*.png`` for the README.
Skips only when Chromium is missing (fails under CI), like ``test_browser.py``.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from fixture_paths import REPO
from test_browser import CHROMIUM, CHROMIUM_ARGS, TIMEOUT_MS, jupyter_lab, require_chromium

#: (picture name, cell source); each cell's output is photographed on its own.
CELLS = [
    (
        "events",
        "import seeka_nb\n\norders = seeka_nb.sample_orders()\n"
        "events = orders.seeka.to_events()\nevents",
    ),
    ("duplicates", "events.duplicates()"),
    ("mapping", "orders.seeka.mapping()"),
    (
        "report",
        "sandbox = seeka_nb.Sandbox(rate_limit=None, reject=['1003']).start()\n"
        "creds = seeka_nb.Credentials('demo-org', 'sandbox-only', endpoint=sandbox.ingest_url)\n"
        "events.send(creds, ledger=False, progress=False)",
    ),
    (
        "report-403",
        "strict = seeka_nb.Sandbox(rate_limit=None, accepted_credentials=[('org', 'other-key')])\n"
        "strict.start()\n"
        "events.send(creds.with_endpoint(strict.ingest_url), ledger=False, progress=False)",
    ),
]
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.mark.timeout(240)
def test_displays_in_jupyterlab(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import expect, sync_playwright

    root, home, shots = tmp_path / "root", tmp_path / "home", tmp_path / "shots"
    for folder in (root, home, shots):
        folder.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(source) for _, source in CELLS]
    nbformat.write(nb, root / "displays.ipynb")

    with jupyter_lab(root, home) as base, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=TIMEOUT_MS
            )
        except Exception as exc:  # Chromium is there but broken: a failure, never a skip
            pytest.fail(f"Chromium at {CHROMIUM} did not start: {exc}", pytrace=False)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        page.set_default_timeout(TIMEOUT_MS)
        expect.set_options(timeout=TIMEOUT_MS)
        try:
            page.goto(f"{base}/lab/tree/displays.ipynb")
            page.wait_for_function(
                "() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;"
                " const k = w && w.sessionContext && w.sessionContext.session"
                " && w.sessionContext.session.kernel;"
                " return k && k.connectionStatus === 'connected'; }"
            )
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            outputs = page.locator(".jp-Notebook .jp-Cell .jp-OutputArea-output")
            expect(outputs).to_have_count(len(CELLS))
            events, dups, mapping, report, refused = (outputs.nth(i) for i in range(5))
            expect(refused).to_contain_text("Stopped")
            expect(events).to_contain_text("12 orders to send")
            expect(events).to_contain_text("JPY 7,960")
            expect(events).to_contain_text("Held back, by reason")
            expect(events.locator("svg")).to_have_count(2)  # the timeline and the issues bar
            expect(dups).to_contain_text("1013")
            expect(mapping).to_contain_text("created_at")
            expect(report).to_contain_text("rejected")
            expect(report.locator("svg rect").first).to_be_visible()
            expect(refused).to_contain_text("report.retry(credentials=")
            assert refused.inner_text().index("Stopped") < refused.inner_text().index(
                "SendReport"
            )  # the stop reason comes first
            page.evaluate("document.activeElement && document.activeElement.blur()")
            for (name, _), output in zip(
                CELLS, (events, dups, mapping, report, refused), strict=True
            ):
                output.scroll_into_view_if_needed()
                output.screenshot(path=str(shots / f"display-{name}.png"))
        except BaseException:
            with contextlib.suppress(Exception):
                page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
                print(f"screenshot: {tmp_path / 'failure.png'}")
            raise
        finally:
            browser.close()

    for name, _ in CELLS:
        picture = shots / f"display-{name}.png"
        data = picture.read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, picture
        if os.environ.get("SEEKA_SCREENSHOT_DOCS") == "1":
            shutil.copyfile(picture, REPO / "docs" / picture.name)
