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
