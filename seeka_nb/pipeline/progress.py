"""A progress bar for sends: ``tqdm.auto`` when it helps, nothing otherwise (layer 4).

``progress=None`` (auto) shows a bar in notebooks and terminals, not when output is not
interactive or ``TQDM_DISABLE`` is set; a callable ``progress(done, total)`` is called
instead (from the sending thread).  The bar counts orders settled (sent or otherwise).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any


def _in_notebook() -> bool:
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and type(shell).__name__ == "ZMQInteractiveShell"


def _interactive() -> bool:
    if os.environ.get("TQDM_DISABLE"):
        return False
    return _in_notebook() or bool(getattr(sys.stderr, "isatty", lambda: False)())


ProgressCallback = Callable[[int, int], None]


class Progress:
    """Counts settled orders; draws a tqdm bar when enabled, or calls ``enabled(done,
    total)`` when it is a callable (the notebook send panel drives its own bar so)."""

    def __init__(
        self, total: int, *, enabled: bool | ProgressCallback | None, description: str
    ) -> None:
        self.done = 0
        self.total = total
        self._bar: Any = None
        self._callback: ProgressCallback | None = None
        if callable(enabled):
            self._callback = enabled
            return
        if enabled or (enabled is None and _interactive()):
            try:
                from tqdm.auto import tqdm
            except ImportError:  # pragma: no cover - tqdm is a dependency
                return
            self._bar = tqdm(total=total, desc=description, unit="order", leave=True)

    def update(self, n: int) -> None:
        """``n`` more orders settled."""
        self.done += n
        if self._bar is not None:
            self._bar.update(n)
        if self._callback is not None:
            self._callback(self.done, self.total)

    def close(self) -> None:
        """Finish the bar."""
        if self._bar is not None:
            self._bar.close()
