"""Fixtures for send tests: a sandbox on loopback, credentials for it, fake time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from send_helpers import KEY

import seeka_nb
from seeka_nb import Credentials, Sandbox


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(rate_limit=None, seed=1) as sb:
        yield sb


@pytest.fixture
def creds(sandbox: Sandbox) -> Credentials:
    return Credentials("org-test", KEY, endpoint=sandbox.ingest_url)


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def events() -> seeka_nb.Events:
    return seeka_nb.sample_orders().seeka.to_events()
