"""``StopSignal``: ask a running send to stop from another thread (layer 4).

A notebook Stop button runs in the kernel's thread while the send runs in a worker thread;
``send(stop=signal)`` lets the button end the send as Ctrl-C does, without an exception:
no new batch is taken, requests in flight finish, everything acknowledged is recorded in
the ledger, and the rest ends ``pending`` (the same send again sends only those).

>>> signal = StopSignal()
>>> signal.stopped, signal.reason
(False, None)
>>> signal.stop("stopped from the panel")
>>> signal.stopped, signal.reason
(True, 'stopped from the panel')
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable

__all__ = ["StopSignal"]


class StopSignal:
    """A one-shot, thread-safe stop request for ``send(stop=...)``; reusable by no other
    send once stopped (make a new one per send)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._reason: str | None = None
        self._hooks: list[Callable[[str], None]] = []

    @property
    def stopped(self) -> bool:
        """True once :meth:`stop` was called."""
        return self._reason is not None

    @property
    def reason(self) -> str | None:
        """The reason given to :meth:`stop` (it ends in the report's ``stopped_reason``)."""
        return self._reason

    def stop(self, reason: str = "stopped by the user") -> None:
        """Ask the send to stop (from any thread); later calls do nothing."""
        with self._lock:
            if self._reason is not None:
                return
            self._reason = reason
            hooks = list(self._hooks)
        for hook in hooks:
            hook(reason)

    def attach(
        self, loop: asyncio.AbstractEventLoop, request_stop: Callable[[str], None]
    ) -> Callable[[], None]:
        """Call ``request_stop(reason)`` in ``loop``'s thread when stopped (at once when
        already stopped); returns the function that detaches it (the send calls it when
        it ends)."""

        def hook(reason: str) -> None:
            with contextlib.suppress(RuntimeError):  # the loop may have just closed
                loop.call_soon_threadsafe(request_stop, reason)

        with self._lock:
            reason = self._reason
            if reason is None:
                self._hooks.append(hook)
        if reason is not None:
            hook(reason)

        def detach() -> None:
            with self._lock, contextlib.suppress(ValueError):
                self._hooks.remove(hook)

        return detach
