"""Fixtures for send tests: credentials for the sandbox (tests/conftest.py), a ledger path,
sample events."""

from __future__ import annotations

from pathlib import Path

import pytest
from send_helpers import KEY

import seeka_nb
from seeka_nb import Credentials, Sandbox


@pytest.fixture
def creds(sandbox: Sandbox) -> Credentials:
    return Credentials("org-test", KEY, endpoint=sandbox.ingest_url)


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def events() -> seeka_nb.Events:
    return seeka_nb.sample_orders().seeka.to_events()
