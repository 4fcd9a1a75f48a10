"""Fixtures for send tests: a sandbox on loopback, credentials for it, fake time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from send_helpers import KEY, FakeTime

import seeka_nb
from seeka_nb import Credentials, Sandbox
from seeka_nb.pipeline.runner import Seams


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def seams(fake_time: FakeTime) -> Seams:
    import random

    return Seams(
        clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall, rng=random.Random(7)
    )


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
