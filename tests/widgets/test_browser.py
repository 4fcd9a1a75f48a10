"""The forms in a real JupyterLab, driven by headless Chromium: type, click, save, look.

JupyterLab and Chromium are run by :mod:`lab_harness` (Debian's ``/usr/bin/chromium``, never
a downloaded browser; under CI a missing one fails).  With ``SEEKA_SCREENSHOT_DOCS=1`` the
forms are also saved to ``docs/forms.png``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from fixture_paths import REPO
from lab_harness import notebook_page, run_all_cells, wait_for_save

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


@pytest.mark.timeout(240)
def test_forms_in_jupyterlab(tmp_path: Path, fake_key: str, tc_vectors: dict[str, str]) -> None:
    from playwright.sync_api import expect

    tc = tc_vectors[GOOD_TC]
    started = time.monotonic()
    notebook = tmp_path / "root" / "forms.ipynb"
    with notebook_page(
        tmp_path, "forms.ipynb", CELLS, viewport={"width": 1280, "height": 1700}
    ) as page:
        run_all_cells(page)

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
        saved = wait_for_save(notebook, before)

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
