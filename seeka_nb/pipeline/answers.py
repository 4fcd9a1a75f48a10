"""What one send run learns from the server's answers, and when it gives up (layer 4).

Owns the run's two "the server will not take this" rules:

* :class:`StallWatch` - the stall limit.  When no batch has been settled by the server
  (acknowledged with a 202, or rejected for its content) for ``stall_limit`` seconds of the
  run's clock, the run stops and what is left is ``pending``; the reason names what the
  server kept answering meanwhile (``HTTP 429 × 37, reset × 2``), never a body.
* :class:`RejectionWatch` - whole rejections.  When the first ``REJECTED_WHOLE_LIMIT``
  batches of a run are each rejected event by event (bisection isolated every single
  event) and nothing was accepted yet, the payload shape itself is refused: bisecting more
  batches only costs ~2n requests each, so the run stops and says so.

Plus :func:`ledger_http_status`: a status the ledger can store (an out-of-range status from
a hostile server is kept in the report and the error text, not in the ledger's column).
"""

from __future__ import annotations

from collections import Counter

#: Default seconds without any batch settled before a send stops (``stall_limit=``).
DEFAULT_STALL_LIMIT = 600.0
#: Batches rejected whole (every event, nothing accepted yet) before a run stops bisecting.
REJECTED_WHOLE_LIMIT = 3


def ledger_http_status(status: int | None) -> int | None:
    """``status`` when it is a real HTTP status (100-599), else ``None``."""
    return status if status is not None and 100 <= status <= 599 else None


def answer_name(status: int | None, failure_kind: str | None = None) -> str:
    """A short name of one answer for the stall reason: ``HTTP 503``, ``reset``..."""
    if status is not None:
        return f"HTTP {status}"
    return failure_kind or "no answer"


class StallWatch:
    """Seconds since the server last settled a batch, and what it answered since."""

    def __init__(self, limit: float | None, start: float) -> None:
        self.limit = limit
        self.last_progress = start
        self.answers: Counter[str] = Counter()

    def progress(self, now: float) -> None:
        """A batch was acknowledged or rejected: the server is not stalling."""
        self.last_progress = now
        self.answers.clear()

    def answer(self, name: str) -> None:
        """A non-final answer (429, 5xx, reset, timeout...)."""
        self.answers[name] += 1

    def stalled(self, at: float) -> bool:
        """Whether at time ``at`` nothing will have been settled for the limit or longer."""
        return self.limit is not None and at - self.last_progress >= self.limit

    def reason(self) -> str:
        kept = ", ".join(f"{name} × {n}" for name, n in self.answers.most_common(4))
        said = f"; the server kept answering {kept}" if kept else ""
        return (
            f"stalled: no batch was acknowledged for {self.limit:g} s{said}. What is left "
            "is pending: run the same send again later (or raise stall_limit)."
        )


class RejectionWatch:
    """Counts batches rejected event by event while nothing has been accepted."""

    def __init__(self, limit: int = REJECTED_WHOLE_LIMIT) -> None:
        self.limit = limit
        self.whole = 0
        self.accepted = 0
        self.first_error: str | None = None

    def batch_done(self, statuses: list[str], error: str | None) -> bool:
        """One top-level batch settled; True when the run must stop bisecting."""
        if statuses and all(s == "rejected" for s in statuses) and self.accepted == 0:
            self.whole += 1
            self.first_error = self.first_error or error
        return self.accepted == 0 and self.whole >= self.limit

    def reason(self) -> str:
        first = f" (first: {self.first_error})" if self.first_error else ""
        return (
            f"Seeka rejected every single event of the first {self.whole} batches{first}: "
            "the payload shape itself is refused, so the send stopped instead of bisecting "
            "every batch. Check the mapping and events.preview() against the contract."
        )
