"""Where the shared fixtures live (../shared beside the repository), and how tests get them.

Under CI (``CI`` set) a missing folder fails the test; elsewhere the test is skipped.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
REAL2_DATA = SHARED / "data" / "real2"
REFERENCE = SHARED / "reference"


def require(path: Path) -> Path:
    """``path`` if it exists; else fail under CI, skip elsewhere."""
    if path.exists():
        return path
    message = f"{path} is missing (it lives beside the repository, in ../shared)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must have it", pytrace=False)
    pytest.skip(message)
    raise AssertionError  # unreachable
