"""Shared fixtures: the real order exports and the reference documents in ../shared."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixture_paths import REAL_DATA, REFERENCE, require


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the six real exports; fails under CI when absent, skips elsewhere."""
    return require(REAL_DATA)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Folder of the Seeka documentation page and the TCF test vectors."""
    return require(REFERENCE)
