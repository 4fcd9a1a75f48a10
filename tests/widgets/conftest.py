"""Fixtures for the widget tests: a recognisable fake key, sample events, TC strings (the
sandbox is tests/conftest.py's)."""

from __future__ import annotations

import json

import pytest
from fixture_paths import REFERENCE

import seeka_nb

#: A fake key that is easy to find in any text it might leak into.
FAKE_KEY = "pk_test_WIDGETLEAK_7f3c9e1d4242"


@pytest.fixture
def fake_key() -> str:
    return FAKE_KEY


@pytest.fixture
def events() -> seeka_nb.Events:
    return seeka_nb.sample_orders().seeka.to_events()


@pytest.fixture(scope="session")
def tc_vectors() -> dict[str, str]:
    """Name -> TC string of the public IAB vectors in ../shared/reference."""
    path = REFERENCE / "tcf-vectors.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {v["name"]: v["tc_string"] for v in data["vectors"]}
