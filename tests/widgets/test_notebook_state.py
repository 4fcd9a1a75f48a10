"""The key never reaches a saved notebook: run one with nbclient, which saves widget state."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from nbclient import NotebookClient

CELLS = [
    "import os\nfrom seeka_nb.widgets import CredentialsForm\nform = CredentialsForm()\nform",
    # The key is not written in the notebook's source: it arrives as a typed value would.
    'form.org_id.value = "org-notebook"\n'
    'form.public_key.value = os.environ["SEEKA_WIDGET_TEST_KEY"]\n'
    "form.use_button.click()\n"
    "print(form.status.value)\n"
    "form",
    "print(repr(form), form.credentials)\nform.credentials.masked_key",
    # A control: a plain Password widget does leak, so this test can see a leak.
    'import ipywidgets\ncanary = ipywidgets.Password()\ncanary.value = os.environ["SEEKA_CANARY"]',
]
CANARY = "canary_c4f1e2d3b5a6"
VALID_TC = "CQSbk4AQSbk4AAKADBENCWFgAMIAAAAAAAYgABuAAAAA.IABu"  # tests/core/tc_encoder.py


def test_executed_notebook_holds_no_key(tmp_path: Path, fake_key: str, monkeypatch) -> None:
    monkeypatch.setenv("SEEKA_WIDGET_TEST_KEY", fake_key)  # the kernel inherits it
    monkeypatch.setenv("SEEKA_CANARY", CANARY)
    monkeypatch.chdir(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    assert client.store_widget_state  # the default: what we check is what gets saved
    client.execute()
    path = tmp_path / "executed.ipynb"
    nbformat.write(nb, path)

    saved = path.read_bytes()
    assert CANARY.encode() in saved  # widget state is saved, values included
    assert fake_key.encode() not in saved
    assert fake_key[-12:].encode() not in saved and fake_key[:14].encode() not in saved
    doc = json.loads(saved)
    state = doc["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    passwords = [m["state"] for m in state.values() if m["model_name"] == "PasswordModel"]
    assert sorted(p.get("value", "") for p in passwords) == ["", CANARY]
    texts = "".join(
        "".join(o.get("text", "")) + json.dumps(o.get("data", {}))
        for cell in doc["cells"]
        for o in cell["outputs"]
    )
    assert "org-notebook" in texts and "••••4242" in texts  # it ran, and shows the mask only
    assert not any(o["output_type"] == "error" for c in doc["cells"] for o in c["outputs"])


PANEL_CELLS = [
    "import os\nimport seeka_nb\nfrom seeka_nb.widgets import ConsentForm, CredentialsForm, "
    "SendPanel\nsandbox = seeka_nb.Sandbox(rate_limit=None).start()\n"
    "events = seeka_nb.sample_orders().seeka.to_events()\n"
    "form = CredentialsForm(sandbox=sandbox, env={}, dotenv_path=False)\n"
    "consent = ConsentForm()\n"
    "panel = SendPanel(events, form, consent=consent, rate=None, ledger=False)\n"
    "panel",
    'form.org_id.value = "org-notebook"\n'
    'form.public_key.value = os.environ["SEEKA_WIDGET_TEST_KEY"]\n'
    f'consent.tc_string.value = "{VALID_TC}"\n'
    "consent.apply()\n"
    "report = panel.send()\n"
    "print(report.counts['sent'], panel.status.value)",
    "print(all(e['ev']['id']['privacy']['tcfConsentString'] for e in sandbox.events))\nconsent\n",
    # An empty environment and no credentials: one line, no traceback into seeka_nb.
    "for name in [n for n in os.environ if n.startswith('SEEKA_')]:\n"
    "    del os.environ[name]\n"
    "events.send(None)",
]


def test_saved_notebook_with_the_panel_holds_no_key_and_no_personal_data(
    tmp_path: Path, fake_key: str, monkeypatch
) -> None:
    monkeypatch.setenv("SEEKA_WIDGET_TEST_KEY", fake_key)
    monkeypatch.chdir(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in PANEL_CELLS]
    nb.cells[-1].metadata["tags"] = ["raises-exception"]
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    path = tmp_path / "panel.ipynb"
    nbformat.write(nb, path)
    saved = path.read_text(encoding="utf-8")

    outputs = [
        "".join(o.get("text", "")) for cell in nb.cells for o in cell["outputs"] if "text" in o
    ]
    assert outputs[0].startswith("12 ") and "see Issues" in outputs[0]
    assert outputs[1].strip() == "True"  # the applied consent reached every event
    state = json.loads(saved)["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]
    assert "j•••@example.com" in json.dumps(state, ensure_ascii=False)  # the masked preview
    assert fake_key not in saved and fake_key[-12:] not in saved
    for value in (
        "jane.doe@example.com",
        "+61422333444",
        "0422 333 444",
        "Jane",
        "Doe",
        "sam.lee@example.net",
        "Priya",
        "Nair",
        "Shop 6 2500 Gold Coast Hwy",
    ):
        assert value not in saved, value

    error = nb.cells[-1]["outputs"][-1]
    assert error["output_type"] == "error" and error["ename"] == "ConfigurationError"
    assert len(error["traceback"]) == 1 and "seeka_nb" not in error["traceback"][0].replace(
        "seeka_nb.widgets.CredentialsForm", ""
    ).replace("seeka_nb.Credentials", "")
    assert "SEEKA_ORG_ID" in error["evalue"] and "CredentialsForm" in error["evalue"]
