"""The notebook displays in a real JupyterLab, in headless Chromium: look, and take pictures.

``Events`` (summary, orders/revenue chart, held-back reasons, issues by severity), the
duplicate findings, the column mapping and two ``SendReport`` displays (a rejected event;
credentials refused with the stop reason first) are rendered by JupyterLab and photographed.
The pictures are always taken (into the test's folder, checked to be real images); with
``SEEKA_SCREENSHOT_DOCS=1`` they are also written to ``docs/display-*.png`` for the README.
Skips only when Chromium is missing (fails under CI), like ``test_browser.py``.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from fixture_paths import REPO
from lab_harness import notebook_page, run_all_cells

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
    from playwright.sync_api import expect

    shots = tmp_path / "shots"
    shots.mkdir()
    cells = [source for _, source in CELLS]
    with notebook_page(
        tmp_path, "displays.ipynb", cells, viewport={"width": 1100, "height": 1400}
    ) as page:
        run_all_cells(page)
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
        for (name, _), output in zip(CELLS, (events, dups, mapping, report, refused), strict=True):
            output.scroll_into_view_if_needed()
            output.screenshot(path=str(shots / f"display-{name}.png"))

    for name, _ in CELLS:
        picture = shots / f"display-{name}.png"
        data = picture.read_bytes()
        assert data.startswith(PNG) and len(data) > 5_000, picture
        if os.environ.get("SEEKA_SCREENSHOT_DOCS") == "1":
            shutil.copyfile(picture, REPO / "docs" / picture.name)
