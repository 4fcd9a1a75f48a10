"""docs/api.md is generated from the docstrings of ``seeka_nb.__all__`` and cannot drift:
regenerate it with ``python scripts/gen_api_docs.py``."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import seeka_nb

ROOT = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "gen_api_docs", ROOT / "scripts" / "gen_api_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_api_reference_is_up_to_date() -> None:
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    assert page == _generator().render(), "run: python scripts/gen_api_docs.py"


def test_api_reference_documents_exactly_the_public_names() -> None:
    page = (ROOT / "docs" / "api.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^## `([^`]+)`", page, flags=re.M))
    assert documented == set(seeka_nb.__all__)
    missing_docs = [
        n
        for n in seeka_nb.__all__
        if f"## `{n}`" in page
        and "(no docstring)" in page.split(f"## `{n}`", 1)[1].split("\n## ", 1)[0]
    ]
    assert missing_docs == []
