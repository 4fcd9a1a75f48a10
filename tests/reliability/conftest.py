"""Fixtures of the reliability tests: credentials with the fake key, no progress bars
(fake time and seams come from tests/conftest.py)."""

from __future__ import annotations

import pytest
from rel_support import KEY, ORG

from seeka_nb import Credentials


def credentials_for(url: str, **kw: str) -> Credentials:
    return Credentials(ORG, KEY, endpoint=url, **kw)


@pytest.fixture
def make_creds():
    return credentials_for


@pytest.fixture(autouse=True)
def _no_real_progress_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TQDM_DISABLE", "1")
