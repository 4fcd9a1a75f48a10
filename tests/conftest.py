"""Shared fixtures: the real exports in ../shared, the test data in tests/data; fake time and
the send seams that use it (no test sleeps for real)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from fake_time import FakeTime
from fixture_paths import REAL2_DATA, REAL_DATA, REFERENCE, require

from seeka_nb.pipeline.runner import Seams


@pytest.fixture(scope="session")
def real_data() -> Path:
    """Folder of the six real exports; fails under CI when absent, skips elsewhere."""
    return require(REAL_DATA)


@pytest.fixture(scope="session")
def real2_data() -> Path:
    """Folder of the six further real exports (issue 11); fails under CI when absent."""
    return require(REAL2_DATA)


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    """Test data written here: the documentation page's example order, the IAB TC vectors."""
    return REFERENCE


@pytest.fixture
def fake_time() -> FakeTime:
    """A clock and an async sleep that only moves it."""
    return FakeTime()


@pytest.fixture
def seams(fake_time: FakeTime) -> Seams:
    """Send seams on fake time with a seeded random generator."""
    return Seams(
        clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall, rng=random.Random(7)
    )
