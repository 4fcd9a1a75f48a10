"""The tutorial notebooks under the test command (nbval has no fixtures).

The notebooks need nothing from the test session: each starts its own local
``seeka_nb.Sandbox`` as part of its story, so they run the same for a reader and here.
Only progress bars are switched off (``TQDM_DISABLE``) while a notebook's kernel starts
and runs: a bar in a notebook is a widget, and these runs have no one to watch it.  The
variable is restored after each cell, so other tests see the environment unchanged.
"""

from __future__ import annotations

import os

import pytest

_SAVED: dict[str, str | None] = {}


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    _SAVED["TQDM_DISABLE"] = os.environ.get("TQDM_DISABLE")
    os.environ["TQDM_DISABLE"] = "1"


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    old = _SAVED.pop("TQDM_DISABLE", None)
    if old is None:
        os.environ.pop("TQDM_DISABLE", None)
    else:
        os.environ["TQDM_DISABLE"] = old
