"""Shared fixtures: the real order exports in ../shared/data/real (test fixtures only)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REAL_DATA = REPO.parent / "shared" / "data" / "real"
REFERENCE = REPO.parent / "shared" / "reference"


def _require(path: Path) -> Path:
    if path.exists():
        return path
    message = f"{path} is missing (it lives beside the repository, in ../shared)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must have it", pytrace=False)
    pytest.skip(message)
    raise AssertionError  # unreachable


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the six real exports; fails under CI when absent, skips elsewhere."""
    return _require(REAL_DATA)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder of the Seeka documentation page and the TCF test vectors."""
    return _require(REFERENCE)
