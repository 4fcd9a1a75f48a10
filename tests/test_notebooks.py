"""The committed example notebooks: outputs saved, no widget state, nothing shaped like a key.

(nbval runs them under the test command; this checks what is committed.)
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
KEY_SHAPES = [
    re.compile(r"X-Converge-Key\"?\s*[:=]\s*\"?[A-Za-z0-9_\-]{8,}", re.I),
    re.compile(r"\bpk_(?:live|test)_[A-Za-z0-9]{8,}"),
    re.compile(r"public_key\s*=\s*['\"][A-Za-z0-9_\-]{16,}['\"]"),
]


def test_the_example_notebooks_exist() -> None:
    names = {p.name for p in NOTEBOOKS}
    assert {"01_quickstart.ipynb", "02_shopify_export.ipynb", "04_reliability.ipynb"} <= names


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_with_outputs_and_without_widget_state(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    assert "widgets" not in nb.get("metadata", {})
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c.get("execution_count") for c in code), "run every cell before saving"
    checked = [c for c in code if "NBVAL_CHECK_OUTPUT" in "".join(c["source"])]
    assert checked and all(c["outputs"] for c in checked)
    assert not any(o.get("output_type") == "error" for c in code for o in c["outputs"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nothing_shaped_like_a_key(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for shape in KEY_SHAPES:
        assert not shape.search(text), shape.pattern
