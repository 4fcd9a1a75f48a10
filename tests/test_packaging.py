"""Packaging promises: environment.yml names every runtime dependency; the demo runs."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].strip().lower()


def test_environment_yml_names_every_runtime_dependency() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    text = (REPO / "environment.yml").read_text()
    listed = {
        _name(line.strip()[2:])
        for line in text.splitlines()
        if line.strip().startswith("- ") and not line.strip().startswith("- -e")
    }
    assert runtime <= listed, runtime - listed
    assert "conda-forge" in text and "nodefaults" in text and "pip:" in text
    assert re.search(r"-\s+-e\s+\"?\.\[", text)  # the pip section installs this package


def test_demo_runs_as_a_command() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "seeka_nb.cli", "demo"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "sent 12, invalid 2" in result.stdout
    assert "12 already sent, 0 sent" in result.stdout
