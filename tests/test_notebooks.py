"""The committed tutorial notebooks: stories without plumbing, public API only, outputs saved
(charts and static pictures of the forms included), no widget state, nothing like a key.

nbval runs them under the test command (``python -m pytest``: ``testpaths`` holds
``notebooks`` and ``addopts`` ``--nbval-lax``); this checks what is committed.
"""

from __future__ import annotations

import ast
import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CHECK_TAG = "nbval-check-output"
KEY_SHAPES = [
    re.compile(r"X-Converge-Key\"?\s*[:=]\s*\"?[A-Za-z0-9_\-]{8,}", re.I),
    re.compile(r"\bpk_(?:live|test)_[A-Za-z0-9]{8,}"),
    re.compile(r"public_key\s*=\s*['\"][A-Za-z0-9_\-]{16,}['\"]"),
]
#: What a first code cell must not do: it opens the story, not the test harness.
PLUMBING = re.compile(
    r"os\.environ|getenv|import os\b|SEEKA_|NBVAL|tempfile|sys\.path|_SANDBOX|SANDBOX_URL"
)


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(path: Path) -> list[dict[str, Any]]:
    return [c for c in _load(path)["cells"] if c["cell_type"] == "code"]


def _source(cell: dict[str, Any]) -> str:
    return "".join(cell["source"])


def test_the_six_tutorials_exist() -> None:
    assert [p.name for p in NOTEBOOKS] == [
        "01_quickstart.ipynb",
        "02_shopify_export.ipynb",
        "03_credentials_and_consent.ipynb",
        "04_reliability.ipynb",
        "05_real_export_end_to_end.ipynb",
        "06_big_data.ipynb",
    ]


def test_nbval_runs_them_under_the_readme_test_command() -> None:
    options = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in options["testpaths"] and "--nbval-lax" in options["addopts"]
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert 'pip install -e ".[test]" && python -m pytest\n' in readme


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_saved_with_outputs_and_without_widget_state(path: Path) -> None:
    nb = _load(path)
    assert "widgets" not in nb.get("metadata", {})
    code = _code_cells(path)
    assert code and all(c.get("execution_count") for c in code), "run every cell before saving"
    assert not any(o.get("output_type") == "error" for c in code for o in c["outputs"])
    assert not any(o.get("name") == "stderr" for c in code for o in c["outputs"]), "warnings"
    for cell in code:
        if CHECK_TAG in cell.get("metadata", {}).get("tags", []):
            assert cell["outputs"], "a checked cell needs its expected output saved"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_first_code_cell_is_story_not_plumbing(path: Path) -> None:
    first = _source(_code_cells(path)[0])
    assert "import seeka_nb" in first
    assert not PLUMBING.search(first), PLUMBING.search(first)
    assert _load(path)["cells"][0]["cell_type"] == "markdown"  # the story opens it


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_checker_markers_in_the_visible_source(path: Path) -> None:
    for cell in _code_cells(path):
        assert "NBVAL" not in _source(cell)  # nbval reads cell tags instead


def _private_uses(source: str) -> list[str]:
    """Private imports, private attributes and ``_``-arguments in a cell."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if any(p.startswith("_") for p in a.name.split("."))
            ]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if any(p.startswith("_") for p in module.split(".")):
                found.append(module)
            found += [a.name for a in node.names if a.name.startswith("_")]
            if module.startswith("seeka_nb.") and module != "seeka_nb.widgets":
                found.append(f"{module} (only seeka_nb and seeka_nb.widgets are public)")
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            found.append(f".{node.attr}")
        elif isinstance(node, ast.keyword) and node.arg and node.arg.startswith("_"):
            found.append(f"{node.arg}=")
    return found


def test_the_private_name_check_catches_what_notebook_04_used_to_do() -> None:
    old = (
        "from seeka_nb.adapters.transport import HttpxTransport\n"
        "from seeka_nb.pipeline.runner import Seams\n"
        "events.send(creds, _seams=Seams(transport=None))\nx._table\n"
    )
    assert len(_private_uses(old)) == 4
    assert _private_uses("import seeka_nb\nfrom seeka_nb.widgets import SendPanel\n") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_no_notebook_uses_a_private_name(path: Path) -> None:
    for cell in _code_cells(path):
        assert _private_uses(_source(cell)) == [], _source(cell)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nothing_shaped_like_a_key(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for shape in KEY_SHAPES:
        assert not shape.search(text), shape.pattern


def _outputs(path: Path) -> list[dict[str, Any]]:
    return [o for c in _code_cells(path) for o in c["outputs"] if "data" in o]


def test_forms_are_readable_without_a_kernel() -> None:
    """GitHub/nbviewer draw ``text/html`` when there is no widget state: each form has a
    static picture, and its text is the form's repr, not ``VBox(children=...``."""
    path = REPO / "notebooks" / "03_credentials_and_consent.ipynb"
    widgets = [
        o["data"] for o in _outputs(path) if "application/vnd.jupyter.widget-view+json" in o["data"]
    ]
    assert len(widgets) == 3
    for data in widgets:
        assert "Static view of" in "".join(data["text/html"])
        plain = "".join(data["text/plain"])
        assert not plain.startswith(("VBox", "HBox")), plain
    saved_outputs = json.dumps([c["outputs"] for c in _code_cells(path)])
    assert "sandbox-only-key" not in saved_outputs  # the key typed into the form


def test_saved_outputs_include_the_charts() -> None:
    reliability = _outputs(REPO / "notebooks" / "04_reliability.ipynb")
    assert any("image/png" in o["data"] for o in reliability)  # the matplotlib chart
    for name in ("01_quickstart.ipynb", "05_real_export_end_to_end.ipynb"):
        html = [
            "".join(o["data"].get("text/html", "")) for o in _outputs(REPO / "notebooks" / name)
        ]
        assert any("<svg" in h and "orders per" in h for h in html), name
