"""Fixtures of the reliability tests: fake time and seams, a ledger path, the fake key."""

from __future__ import annotations

import random

import pytest
from rel_support import KEY, ORG, FakeTime

from seeka_nb import Credentials
from seeka_nb.pipeline.runner import Seams


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def seams(fake_time: FakeTime) -> Seams:
    return Seams(
        clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall, rng=random.Random(7)
    )


def credentials_for(url: str, **kw: str) -> Credentials:
    return Credentials(ORG, KEY, endpoint=url, **kw)


@pytest.fixture
def make_creds():
    return credentials_for


@pytest.fixture(autouse=True)
def _no_real_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
