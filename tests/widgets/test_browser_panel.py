"""The send panel in a real JupyterLab, light and dark: every step as an analyst does it.

Forms filled by typing, consent applied in the linked form, the panel's tabs, a brief
reveal of personal data, a dry run, a send to the local sandbox, the confirmation before
Seeka production (cancelled: nothing leaves the machine), Stop in the middle of a slow
send while the kernel keeps answering another form, then Ctrl+S: the saved notebook
(widget state on) holds neither the key nor any email, phone number or name of the sample.
Text must stay readable in both themes (contrast of the status lines measured in the page).

Screenshots of each step go to the test's temporary folder; with ``SEEKA_SCREENSHOT_DOCS=1``
to ``docs/panel/`` (committed, shown in the README).  Browser and server handling as in
``lab_harness`` (Debian's chromium, never a downloaded browser; fails under CI when
missing).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from fixture_paths import REPO
from lab_harness import notebook_page, run_all_cells, wait_for_save

VALID_TC = "CQSbk4AQSbk4AAKADBENCWFgAMIAAAAAAAYgABuAAAAA.IABu"  # tests/core/tc_encoder.py
THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}
CELLS = [
    "import seeka_nb\n"
    "from seeka_nb.widgets import ConsentForm, CredentialsForm, SendPanel\n"
    "sandbox = seeka_nb.Sandbox(rate_limit=None).start()\n"
    "events = seeka_nb.sample_orders().seeka.to_events()\n"
    "form = CredentialsForm(sandbox=sandbox, env={}, dotenv_path=False)\n"
    "form",
    "consent = ConsentForm()\nconsent",
    "panel = SendPanel(events, form, consent=consent, rate=20, ledger=False, reveal_seconds=2)\n"
    "panel",
    "import pandas as pd\n"
    "n = 300  # 15 requests at 1 request/s: time to click Stop\n"
    "big = pd.DataFrame({'order_id': [f'B{k}' for k in range(n)], 'created_at': "
    "'2025-03-01T10:00:00Z', 'email': [f'c{k}@example.com' for k in range(n)], "
    "'currency': 'AUD', 'total': 10.0})\n"
    "slow = SendPanel(big.seeka.to_events(), form, rate=1, ledger='stop.sqlite')\n"
    "slow",
]
#: Personal values of the sample (seeka_nb/data/sample_orders.csv) that must not be saved.
PERSONAL = (
    "jane.doe@example.com",
    "sam.lee@example.net",
    "+61422333444",
    "0422 333 444",
    "+61412555019",
    "Jane",
    "Doe",
    "Priya",
    "Nair",
    "Shop 6 2500 Gold Coast Hwy",
    "14 Harbour St",
)

_CONTRAST_JS = """
(el) => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  let bg = null;
  for (let e = el; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length >= 3 && (c.length < 4 || c[3] > 0.5)) { bg = c; break; }
  }
  return {fg: rgb(getComputedStyle(el).color), bg: bg || [255, 255, 255]};
}
"""


def _contrast(fg: list[float], bg: list[float]) -> float:
    def lum(c: list[float]) -> float:
        parts = [x / 255 for x in c[:3]]
        lin = [p / 12.92 if p <= 0.03928 else ((p + 0.055) / 1.055) ** 2.4 for p in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    a, b = sorted((lum(fg), lum(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


@pytest.mark.timeout(300)
@pytest.mark.parametrize("theme", sorted(THEMES))
def test_send_panel_in_jupyterlab(tmp_path: Path, fake_key: str, theme: str) -> None:
    from playwright.sync_api import expect

    home = tmp_path / "home"
    themes = home / "settings" / "@jupyterlab" / "apputils-extension" / "themes.jupyterlab-settings"
    themes.parent.mkdir(parents=True)
    themes.write_text(json.dumps({"theme": THEMES[theme]}), encoding="utf-8")
    notebook = tmp_path / "root" / "panel.ipynb"
    shots = REPO / "docs" / "panel" if os.environ.get("SEEKA_SCREENSHOT_DOCS") == "1" else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()

    with notebook_page(
        tmp_path, "panel.ipynb", CELLS, viewport={"width": 1200, "height": 1600}, home=home
    ) as page:
        cells = page.locator(".jp-Notebook .jp-Cell")

        def shot(step: str, *locators: object) -> None:
            for k, loc in enumerate(locators):
                suffix = f"-{k + 1}" if len(locators) > 1 else ""
                loc.screenshot(path=str(shots / f"{theme}-{step}{suffix}.png"))  # type: ignore[attr-defined]

        assert page.evaluate("document.body.dataset.jpThemeName") == THEMES[theme]
        run_all_cells(page)
        page.evaluate("window.jupyterapp.commands.execute('notebook:hide-all-cell-code')")
        form = page.locator(".seeka-credentials-form")
        panel = page.locator(".seeka-send-panel").first
        expect(panel).to_be_visible()
        target = panel.locator(".seeka-target")
        expect(target).to_contain_text("incomplete in the credentials form")

        # 1. Credentials: typed; the panel's "Send to" line follows live.
        org = form.locator(".widget-text", has_text="Organisation ID").locator("input")
        org.press_sequentially("org-browser")
        key = form.locator("input[type=password]")
        key.press_sequentially(fake_key)
        expect(form.locator(".seeka-status")).to_contain_text("press Enter")
        key.press("Enter")
        expect(key).to_have_value("")
        expect(target).to_contain_text("org org-browser · key ••••4242")
        selected = form.locator(".widget-toggle-button.mod-active")
        expect(selected).to_have_text("Local sandbox")
        shot("1-credentials", cells.nth(0))

        # 2. Consent applied in the linked form reaches the panel.
        consent = page.locator(".seeka-consent-form")
        consent.locator("textarea").fill(VALID_TC)
        state = panel.locator(".seeka-consent-state")
        expect(state).to_contain_text("not applied yet")
        consent.get_by_role("button", name="Apply to events").click()
        expect(state).to_contain_text("12 of 12 orders carry a TC string")
        shot("2-consent", cells.nth(1))

        # 3. The card: summary, tabs, issues with badges, masked preview.
        summary = panel.locator(".seeka-summary")
        expect(summary).to_contain_text("12 orders to send")
        expect(summary).to_contain_text("AUD 652.95")
        expect(panel.locator(".seeka-table .seeka-badge").first).to_be_visible()
        shot("3-panel", panel)
        panel.locator(".lm-TabBar-tab", has_text="Preview").click()
        preview = panel.locator(".seeka-json")
        expect(preview).to_contain_text("j•••@example.com")
        expect(preview).not_to_contain_text("jane.doe@example.com")
        shot("4-preview", panel)
        panel.get_by_role("button", name="Show personal data").click()
        expect(preview).to_contain_text("jane.doe@example.com")
        expect(preview).not_to_contain_text("jane.doe@example.com")  # hidden after 2 s

        # 4. A dry run looks different from a send.
        panel.locator(".widget-checkbox input").check()
        send = panel.locator(".seeka-send-button")
        expect(send).to_have_text("Dry run")
        send.click()
        status = panel.locator(".seeka-status")
        expect(status).to_contain_text("Dry run: 12 orders would be sent; nothing was sent.")
        expect(status).to_have_class(_has("seeka-dry"))
        shot("5-dry-run", panel)

        # 5. The send, its final line and the report tab.
        panel.locator(".widget-checkbox input").uncheck()
        expect(send).to_have_text("Send")
        send.click()
        expect(status).to_contain_text("12 orders sent to http://127.0.0.1")
        expect(status).to_contain_text("Needs attention: 2 orders held back: see Issues.")
        expect(panel.locator(".seeka-progress")).to_contain_text("Finished: 12 / 12 orders")
        panel.locator(".lm-TabBar-tab", has_text="Report").click()
        report = panel.locator(".seeka-table", has_text="held back: errors in the data")
        expect(report).to_be_visible()
        shot("6-sent", panel)
        for line in (status, summary, panel.locator(".seeka-target")):
            colours = line.evaluate(_CONTRAST_JS)
            ratio = _contrast(colours["fg"], colours["bg"])
            assert ratio >= 4.5, (theme, line, colours, ratio)
        badge = panel.locator(".seeka-badge").first
        colours = badge.evaluate(_CONTRAST_JS)
        assert _contrast(colours["fg"], colours["bg"]) >= 3.0, (theme, colours)

        # 6. Production asks first, with org, masked key and count; Cancel sends nothing.
        form.get_by_role("button", name="Seeka production").click()
        expect(target).to_contain_text("Send to: Seeka production")
        send.click()
        confirm = panel.locator(".seeka-confirm")
        expect(confirm).to_be_visible()
        expect(confirm).to_contain_text("Send 12 orders to Seeka production")
        expect(confirm).to_contain_text("org-browser")
        expect(confirm).to_contain_text("••••4242")
        shot("7-confirm", panel)
        confirm.get_by_role("button", name="Cancel").click()
        expect(confirm).to_be_hidden()
        expect(status).to_contain_text("Not sent.")

        # 7. Stop mid-send; the kernel answers the consent form meanwhile.
        form.get_by_role("button", name="Local sandbox").click()
        slow = page.locator(".seeka-send-panel").nth(1)
        slow_status = slow.locator(".seeka-status")
        slow.locator(".seeka-send-button").click()
        expect(slow.locator(".seeka-progress")).to_contain_text("orders/s")
        consent.locator("textarea").fill("not a tc string")
        expect(consent.locator(".seeka-verdict")).to_contain_text("Not a usable TC string")
        expect(slow_status).to_contain_text("Sending")  # still sending: the kernel is free
        slow.get_by_role("button", name="Stop").click()
        expect(slow_status).to_contain_text("not sent yet (stopped with the Stop button)")
        shot("8-stopped", slow)

        before = notebook.read_bytes()
        page.evaluate("document.activeElement && document.activeElement.blur()")
        page.locator(".jp-InputPrompt").first.click()
        page.keyboard.press("Control+s")
        saved = wait_for_save(notebook, before)

    text = saved.decode("utf-8")
    assert fake_key not in text and fake_key[-12:] not in text and fake_key[:14] not in text
    assert [v for v in PERSONAL if v in text] == []
    widgets = json.loads(text)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    dumped = json.dumps(widgets, ensure_ascii=False)
    assert "j•••@example.com" in dumped  # the masked preview is what was saved
    assert "held back: errors in the data" in dumped  # the report tab too
    print(f"browser panel test ({theme}): {time.monotonic() - started:.1f} s")


def _has(css_class: str) -> object:
    import re

    return re.compile(rf"(^|\s){re.escape(css_class)}(\s|$)")
