"""``python -m seeka_nb``: the ``seeka-nb`` command (see :mod:`seeka_nb.cli`)."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
