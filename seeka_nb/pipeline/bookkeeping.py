"""The ledger side of a send run (layer 4): claims, outcomes, group commits, and what a
run does when the ledger fails.  :class:`Bookkeeping` is the part of
:class:`~seeka_nb.pipeline.engine.Engine` that talks to the ledger.

* Orders are claimed a few batches at a time (:meth:`Bookkeeping._claimed`); orders held by
  another *live* run wait in ``deferred`` (the engine retries them at the end of the run),
  acknowledged ones end ``already_sent``.
* Outcomes are written in group commits (:meth:`Bookkeeping._settle`): one transaction
  for up to ``COMMIT_BATCHES`` answered batches, written at the latest ``COMMIT_SECONDS``
  after the first of them was answered, and always before the run ends.  A ``kill -9``
  therefore re-sends at most the batches in flight plus ``COMMIT_BATCHES`` answered ones
  (their claims are taken over by the next run, which sends them again; Seeka
  de-duplicates on ``activityId``).
* A write the ledger refuses (a full disk, a lock held too long) stops the run: what is
  left ends ``pending`` and the acceptances that could not be written are listed in
  ``unrecorded``, so the report says what a re-run will send again.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..adapters.ledger import LedgerError, Outcome
from ..schema import MAX_EVENTS_PER_REQUEST
from .answers import RejectionWatch, StallWatch, ledger_http_status

if TYPE_CHECKING:
    from ..adapters.ledger import Ledger, Scope
    from ..adapters.pacing import Clock
    from ..core.build import OrderTable
    from .options import SendOptions

CLAIM_AHEAD = 25  # batches claimed per ledger transaction
COMMIT_BATCHES = 8  # answered batches whose outcomes share one ledger transaction, at most
COMMIT_SECONDS = 0.25  # longest an answered batch waits for its transaction (loop time)
CLAIM_WAIT = 60.0  # seconds the end of a run waits for orders another live run holds
CLAIM_POLL = 2.0  # seconds between two looks at them
HELD_ELSEWHERE = (
    "another send that is still running holds this order in the ledger, so this run did "
    "not send it; run the same send again once the other one has finished"
)


@dataclass
class Item:
    """One order in flight: its position in the table, event JSON and payload hash."""

    order: int
    #: the event's JSON as posted; personal data: never in a traceback; ``None`` in a dry
    #: run until it is encoded
    event: bytes | None = field(repr=False)
    digest: str = field(repr=False)


class Bookkeeping:
    """Ledger methods of :class:`~seeka_nb.pipeline.engine.Engine` (see the module); the
    engine sets the attributes declared here."""

    table: OrderTable
    aid: np.ndarray  # activity ID per slot (a stream's carried orders after the chunk's)
    opt: SendOptions
    ledger: Ledger | None
    scope: Scope
    run_id: str | None
    status: np.ndarray
    http: np.ndarray
    error: np.ndarray
    attempts: np.ndarray
    sent_at: np.ndarray
    universe: np.ndarray
    clock: Clock
    now: Callable[[], float]
    stop_reason: str | None
    ledger_error: str | None
    unrecorded: list[str]
    deferred: list[Item]
    stall: StallWatch
    rejections: RejectionWatch
    _group_outcomes: list[Outcome]
    _group_released: list[str]
    _group_batches: int
    _group_timer: asyncio.TimerHandle | None
    transactions: int  # ledger writes of outcomes (group commits) in this run
    batch: np.ndarray
    _carried: list[Item]

    def _init_groups(self) -> None:
        self._group_outcomes, self._group_released = [], []
        self._group_batches, self._group_timer = 0, None
        self.transactions = 0

    def take_over(self, items: list[Item], aids: list[str]) -> None:
        """Orders a stream's previous chunk left in a partly-full batch (``aids`` their
        activity IDs): they open this run's first batch, their outcomes in the slots after
        this chunk's orders (``len(self.table.activity_id) + k``)."""
        n, r = len(self.status), len(items)
        grow = {"status": "pending", "http": -1, "attempts": 0, "batch": -1, "error": None}
        for name, fill in grow.items():
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.full(r, fill, dtype=old.dtype)]))
        self.sent_at = np.concatenate([self.sent_at, np.full(r, np.nan)])
        self.universe = np.concatenate([self.universe, np.ones(r, dtype=bool)])
        self.aid = np.concatenate([self.aid, np.array(aids, dtype=object)])
        self._carried = [Item(n + k, it.event, it.digest) for k, it in enumerate(items)]

    def request_stop(self, reason: str) -> None:
        raise NotImplementedError

    def _advance(self, n: int) -> None:
        raise NotImplementedError

    def _explain_pending(self) -> None:
        """Pending orders without a reason get the run's stop reason."""
        why = self.stop_reason or "not sent in this run"
        left = (self.status == "pending") & (self.error == None) & self.universe  # noqa: E711
        self.error[left] = why

    def _ledger_failed(self, exc: BaseException) -> None:
        """The ledger refused a write: stop the run (what is left stays pending)."""
        text = str(exc) or type(exc).__name__
        if self.ledger_error is None:
            self.ledger_error = text
        self.request_stop(f"the ledger could not be written ({text}); the send stopped")

    def _claimed(
        self, batches: Iterator[list[Item]], *, deferred: bool = False
    ) -> Iterator[list[Item]]:
        """Claim the orders of the next few batches in one ledger transaction; orders that
        another live run holds wait in ``deferred``, acknowledged ones are already sent."""
        while True:
            group = [b for b in itertools.islice(batches, CLAIM_AHEAD)]
            if not group or self.stop_reason is not None:
                if deferred:  # still ours to explain at the end of the run
                    self.deferred.extend(it for batch in group for it in batch)
                    self.deferred.extend(it for batch in batches for it in batch)
                return
            if self.ledger is None or self.run_id is None:
                yield from group
                continue
            items = [it for batch in group for it in batch]
            aid = self.aid
            changed = self.opt.resend == "changed"
            try:
                claimed = set(
                    self.ledger.claim(
                        self.scope,
                        self.run_id,
                        [aid[it.order] for it in items],
                        resend=self.opt.resend,
                        payload_hashes={aid[it.order]: it.digest for it in items}
                        if changed
                        else None,
                    )
                )
                lost = [it for it in items if aid[it.order] not in claimed]
                acked = (
                    self.ledger.acknowledged(self.scope, [aid[it.order] for it in lost])
                    if lost
                    else {}
                )
            except LedgerError as exc:
                self._ledger_failed(exc)
                return
            done = [it for it in lost if acked.get(aid[it.order])]
            for it in done:
                self.status[it.order] = "already_sent"
                self.error[it.order] = None
            self._advance(len(done))
            self.deferred.extend(it for it in lost if not acked.get(aid[it.order]))
            for batch in group:
                kept = [it for it in batch if aid[it.order] in claimed]
                if kept:
                    yield kept

    async def _finish(
        self, items: list[Item], status: str, http: int | None, error: str | None
    ) -> None:
        when = self.now()
        for it in items:
            self.status[it.order] = status
            self.http[it.order] = -1 if http is None else http
            self.error[it.order] = error
            if status == "sent":
                self.sent_at[it.order] = when
        if status == "sent":
            self.rejections.accepted += len(items)
        if status in ("sent", "rejected"):
            self.stall.progress(self.clock())
        if self.ledger is not None and self.run_id is not None:
            aid = self.aid
            if status == "pending":
                self._settle([], [aid[it.order] for it in items])
            else:
                code = ledger_http_status(http)
                self._settle(
                    [
                        Outcome(
                            aid[it.order],
                            it.digest,
                            status,
                            code,
                            int(self.attempts[it.order]),
                            error,
                        )
                        for it in items
                    ],
                    [],
                )
        self._advance(len(items))

    def _settle(self, outcomes: list[Outcome], released: list[str]) -> None:
        """Queue a batch's outcomes (or released claims) for the next group commit: written
        once ``COMMIT_BATCHES`` batches wait, ``COMMIT_SECONDS`` after the first of them,
        or when the run ends (see the module docstring for what a kill -9 costs)."""
        assert self.ledger is not None and self.run_id is not None
        self._group_outcomes.extend(outcomes)
        self._group_released.extend(released)
        self._group_batches += 1
        if self._group_batches >= COMMIT_BATCHES:
            self._flush()
        elif self._group_timer is None:
            loop = asyncio.get_running_loop()
            self._group_timer = loop.call_later(COMMIT_SECONDS, self._flush)

    def _flush(self) -> None:
        """Write the waiting group in one transaction (no-op when none waits).  A write the
        ledger refuses stops the run; its acceptances are listed in ``unrecorded`` (a re-run
        will send them again)."""
        if self._group_timer is not None:
            self._group_timer.cancel()
            self._group_timer = None
        if not self._group_batches:
            return
        outcomes, self._group_outcomes = self._group_outcomes, []
        released, self._group_released = self._group_released, []
        self._group_batches = 0
        if self.ledger is None or self.run_id is None:
            return
        self.transactions += 1
        try:
            if outcomes:
                self.ledger.record(self.scope, self.run_id, outcomes)
            if released:
                self.ledger.release(self.run_id, released)
        except Exception as exc:
            self.unrecorded.extend(o.activity_id for o in outcomes if o.status == "sent")
            self._ledger_failed(exc)


def rebatch(items: list[Item]) -> Iterator[list[Item]]:
    """``items`` again in batches of at most 20 (input order kept)."""
    items = sorted(items, key=lambda it: it.order)
    for k in range(0, len(items), MAX_EVENTS_PER_REQUEST):
        yield items[k : k + MAX_EVENTS_PER_REQUEST]
