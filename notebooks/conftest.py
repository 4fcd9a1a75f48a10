"""The tutorial notebooks under the test command (nbval has no fixtures).

The notebooks need nothing from the test session: each starts its own local
``seeka_nb.Sandbox`` as part of its story, so they run the same for a reader and here.
The session only switches progress bars off (``TQDM_DISABLE``): a bar in a notebook is a
widget, and these runs have no one to watch it.
"""

from __future__ import annotations

import os

import pytest


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ.setdefault("TQDM_DISABLE", "1")
