"""Where test data lives, and the one rule about ../shared.

**Only the tests over real exports need the fixture folder** ``../shared`` beside the
repository (``REAL_DATA``, ``REAL2_DATA``: public exports whose redistribution rights are
unclear, so they are never copied here).  They get it through :func:`require`: under CI
(``CI`` set) a missing folder fails the test; elsewhere the test is skipped, saying so.
Everything that proves the package's own behaviour runs in a fresh clone: the public IAB
TCF test vectors and the example order of Seeka's documentation page are test data
written here (``tests/data``, ``REFERENCE``), and other TC strings are made by
``tests/core/tc_encoder.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
REAL_DATA = SHARED / "data" / "real"
REAL2_DATA = SHARED / "data" / "real2"
#: Test data shipped with the tests (``tcf-vectors.json``, ``seeka-documented-order.json``).
REFERENCE = REPO / "tests" / "data"


def require(path: Path) -> Path:
    """``path`` if it exists; else fail under CI, skip elsewhere."""
    if path.exists():
        return path
    message = f"{path} is missing (it lives beside the repository, in ../shared)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must have it", pytrace=False)
    pytest.skip(message)
    raise AssertionError  # unreachable
