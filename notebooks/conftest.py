"""Under the test command the example notebooks (run by nbval, which has no fixtures) get a
running local sandbox and fake credentials through the environment; run interactively, each
notebook starts its own sandbox."""

from __future__ import annotations

import os

import pytest

import seeka_nb

_SANDBOX: seeka_nb.Sandbox | None = None
_ENV = {"SEEKA_ORG_ID": "nbval-org", "SEEKA_PUBLIC_KEY": "nbval-fake-key"}


def pytest_sessionstart(session: pytest.Session) -> None:
    global _SANDBOX
    _SANDBOX = seeka_nb.Sandbox(rate_limit=None).start()
    os.environ["SEEKA_SANDBOX_URL"] = _SANDBOX.url
    for name, value in _ENV.items():
        os.environ.setdefault(name, value)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    global _SANDBOX
    if _SANDBOX is not None:
        _SANDBOX.stop()
        _SANDBOX = None
    os.environ.pop("SEEKA_SANDBOX_URL", None)
