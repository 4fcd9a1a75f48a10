"""The asynchronous send engine (layer 4): one run of ``events.send()``.

Orders are taken in input order; each one's event dict is built and fingerprinted just
before batching, checked against the ledger (``already_sent`` / ``changed``), grouped into
request bodies of at most 20 events, claimed in the ledger (so a concurrent run skips
them) and posted by a few workers under a shared :class:`RateLimiter`.  Every 202 is
written to the ledger in a bounded group commit (:mod:`.bookkeeping`).  Transient
failures (408, 429, 5xx, network) are retried with capped, jittered backoff honouring
``Retry-After(-Ms)``; 400/413/422 are bisected so
only the bad events end ``rejected``; 401/403 stop the run.  A stop request (Ctrl-C), the
deadline, the stall limit, whole rejections (:mod:`.answers`) or a ledger that cannot be
written leave what is left ``pending``.  Any answer (an unknown status, an unreadable
header or body, an unexpected error of the transport) is a failed or retried batch, never
an exception out of the run.  Orders claimed by another *live* run are retried at the end
(waiting for that run up to ``CLAIM_WAIT``); still held then, they end ``pending``.
Acceptances the ledger could not record are listed (``unrecorded``).  Time, sleep,
randomness and the transport are injected, so tests run against the sandbox without
sleeping.  No task of the run outlives :meth:`Engine.run`.

This module owns the run: the engine's state, the order of the work (ledger check,
batching, workers, deferred claims) and its end; one batch's request and the meaning of
its answers are in :mod:`.posting`, the ledger side in :mod:`.bookkeeping`.

Logging (``seeka_nb.pipeline.engine``, under the ``seeka_nb`` logger): DEBUG for every
request (batch, events, attempt, status, latency), INFO for a retry, WARNING for a 429,
retries that ran out and why a run stopped.  Records carry counts, statuses and failure
kinds only: never the key, never an event's content nor a server's message about it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from ..adapters.ledger import Ledger, LedgerError, Scope
from ..adapters.pacing import Clock, RateLimiter, Sleep
from ..adapters.transport import Transport
from ..core.body import event_hash, join_events, same_payload
from ..core.events import Events
from ..credentials import Credentials
from ..schema import MAX_EVENTS_PER_REQUEST
from .answers import RejectionWatch, StallWatch
from .bookkeeping import CLAIM_AHEAD as CLAIM_AHEAD  # re-exported: tests bound claims by it
from .bookkeeping import CLAIM_POLL, CLAIM_WAIT, HELD_ELSEWHERE, Item
from .bookkeeping import rebatch as _rebatch
from .options import MAX_CONCURRENCY, SendOptions
from .posting import HEARTBEAT_SECONDS as HEARTBEAT_SECONDS  # re-exported
from .posting import TLS_STOP as TLS_STOP  # re-exported: the CLI and tests match on it
from .posting import Posting
from .progress import Progress

log = logging.getLogger(__name__)

#: Orders whose events are encoded together (from fragments) as a send takes them.
EVENT_CHUNK = 500


class Engine(Posting):
    """State of one send run (see the module docstring)."""

    def __init__(
        self,
        events: Events,
        creds: Credentials,
        options: SendOptions,
        *,
        transport: Transport,
        ledger: Ledger | None,
        clock: Clock,
        sleep: Sleep,
        now: Callable[[], float] = time.time,
        rng: random.Random | None = None,
        only: set[str] | None = None,
        package_version: str = "",
    ) -> None:
        self.events, self.creds, self.opt = events, creds, options
        self.transport, self.ledger = transport, ledger
        self.clock, self.sleep, self.now = clock, sleep, now
        self.rng = rng or random.Random()
        table = events._table
        n = table.n_orders
        self.table = table
        self.aid = table.activity_id  # per slot: this chunk's orders, then carried ones
        self.status = np.where(
            table.status == "ok",
            "pending",
            np.where(table.status == "excluded", "excluded", "invalid"),
        ).astype(object)
        self.http = np.full(n, -1, dtype=np.int64)
        self.attempts = np.zeros(n, dtype=np.int64)
        self.batch = np.full(n, -1, dtype=np.int64)
        self.error = np.full(n, None, dtype=object)
        self.sent_at = np.full(n, np.nan)
        self.universe = (
            np.ones(n, dtype=bool)
            if only is None
            else np.isin(table.activity_id, np.array(sorted(only), dtype=object))
        )
        self.scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        self.package_version = package_version
        self.run_id: str | None = None
        self.requests = 0
        self.stop_reason: str | None = None
        self.stop_event: asyncio.Event | None = None
        self.bodies: list[bytes] = []  # a dry run's bodies, encoded (see pipeline.bodies)
        self.limiter = RateLimiter(
            None if options.dry_run else options.rate, clock=clock, sleep=sleep
        )
        self.latency = 0.2  # seconds, an EWMA of observed request latency
        self.in_flight = 0
        self._slots: asyncio.Condition | None = None
        self._next_batch = 0
        self._init_groups()
        self.progress: Progress | None = None
        self._t0 = clock()
        self.stall = StallWatch(options.stall_limit, self._t0)
        self.rejections = RejectionWatch()
        self.deferred: list[Item] = []  # claimed by another live run
        self.unrecorded: list[str] = []  # accepted by Seeka, not recorded in the ledger
        self.ledger_error: str | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._carried: list[Item] = []  # a stream's previous chunk's partly-full batch
        self.carry_out = False  # keep this run's last partly-full batch for the next chunk
        self.keep_bodies: int | None = None  # a dry run's bodies kept (None: all)
        self.leftover: list[Item] = []

    # --- the run ------------------------------------------------------------------------
    async def run(self, progress: Progress) -> None:
        """Send everything; statuses end in the arrays above."""
        self.stop_event = asyncio.Event()
        self._slots = asyncio.Condition()
        self.progress = progress
        mine = self.universe[: self.table.n_orders]
        todo: list[int] = np.flatnonzero((self.table.status == "ok") & mine).tolist()
        acked = {}
        if self.ledger is not None:
            ids = self.table.activity_id[todo].tolist()
            try:
                acked = self.ledger.acknowledged(self.scope, ids)
                if not self.opt.dry_run and self.run_id is None:  # a stream's chunks share one
                    self.run_id = self.ledger.start_run(
                        self.scope, package_version=self.package_version, n_orders=len(ids)
                    )
            except LedgerError as exc:
                self._ledger_failed(exc)
                self._explain_pending()  # the orders carried into this run too
                return
        if self.opt.dry_run:  # the batches a send would make, without the transport
            self._dry_run(todo, acked)
            return
        batches = self._batches(todo, acked)
        try:
            await self._workers(self._claimed(batches))
            waited = -CLAIM_POLL  # the first look is at once: the other run may be done
            while self.deferred and not self._stopped():
                if waited >= 0 and (waited >= CLAIM_WAIT or await self._pause(CLAIM_POLL)):
                    break
                waited += CLAIM_POLL
                items, self.deferred = self.deferred, []
                await self._workers(self._claimed(_rebatch(items), deferred=True))
            for it in self.deferred:
                self.error[it.order] = HELD_ELSEWHERE
            self._advance(len(self.deferred))
        finally:
            await self._drain()
            self._explain_pending()

    async def _workers(self, batches: Iterator[list[Item]]) -> None:
        """Run the workers over ``batches`` until they are done or the run stops; a worker
        that fails unexpectedly stops the run (the others finish their requests)."""
        tasks = [
            asyncio.ensure_future(self._worker(batches))
            for _ in range(self.opt.concurrency or MAX_CONCURRENCY)
        ]
        try:
            results = await asyncio.gather(*tasks, return_exceptions=True)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for result in results:
            if isinstance(result, Exception):
                self.request_stop(
                    f"stopped by an unexpected error ({type(result).__name__}); what was "
                    "acknowledged is recorded, the rest is pending"
                )

    async def _drain(self) -> None:
        """Wait for the run's helper tasks (stop wakers) to end; write the outcomes still
        waiting for their group commit, even when cancelled meanwhile."""
        try:
            while self._tasks:
                # Removed here, not only by their done callbacks: on Python 3.12+ gather() over
                # finished tasks returns without yielding to the loop (this loop spun forever).
                waiting = list(self._tasks)
                await asyncio.gather(*waiting, return_exceptions=True)
                self._tasks.difference_update(waiting)
        finally:
            self._flush()

    def request_stop(self, reason: str) -> None:
        """Stop taking new batches (called in the loop's thread)."""
        if self.stop_reason is None:
            self.stop_reason = reason
            # The reason's head only: the credentials' one goes on with the masked key.
            log.warning("send stopping: %s", reason.split(":")[0])
        if self.stop_event is not None:
            self.stop_event.set()
        if self._slots is not None:
            task = asyncio.ensure_future(self._wake())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _wake(self) -> None:
        assert self._slots is not None
        async with self._slots:
            self._slots.notify_all()

    def _batches(self, todo: list[int], acked: dict[str, str]) -> Iterator[list[Item]]:
        """The run's batches: the orders carried in first, 20 a batch; the last, partly
        full one kept in ``leftover`` when ``carry_out`` (a stream's next chunk fills it).
        Events are encoded ``EVENT_CHUNK`` orders at a time, from fragments (their JSON is
        what is posted and what the payload hash covers).  A dry run encodes no event it
        need not compare with the ledger (``Item.event`` is ``None``: :meth:`_dry_run`
        encodes those orders' bodies in one go)."""
        builder = self.events._builder
        aid = self.table.activity_id
        resend = self.opt.resend
        items: list[Item] = list(self._carried)
        hashed = self.ledger is not None  # the digest only serves the ledger
        lazy = self.opt.dry_run
        for k in range(0, len(todo), EVENT_CHUNK):
            chunk = todo[k : k + EVENT_CHUNK]
            previous = [acked.get(aid[i]) for i in chunk] if acked else [None] * len(chunk)
            if lazy:  # only the orders to compare with the ledger
                need = [i for i, p in zip(chunk, previous, strict=True) if p is not None]
                made = dict(zip(need, builder.event_texts(need), strict=True)) if need else {}
                texts: list[bytes | None] = [made.get(i) for i in chunk]
            else:
                texts = list(builder.event_texts(chunk))
            for i, before, text in zip(chunk, previous, texts, strict=True):
                if text is None:  # a dry run's order without a previous hash
                    items.append(Item(i, None, ""))
                else:
                    if before is not None and resend != "all" and self._compared(i, before, text):
                        continue
                    items.append(Item(i, text, event_hash(text) if hashed else ""))
                if len(items) == MAX_EVENTS_PER_REQUEST:
                    yield items
                    items = []
        if items and self.carry_out:
            self.leftover = items  # the next chunk's orders fill this batch up
        elif items:
            yield items

    def _compared(self, i: int, previous: str, text: bytes) -> bool:
        """Settle order ``i`` acknowledged before with hash ``previous`` (v1 or v2) when it
        is not to be sent again: True when it ends ``already_sent`` or ``changed``."""
        if same_payload(previous, text):
            self.status[i] = "already_sent"
        elif self.opt.resend == "none":
            self.status[i] = "changed"
            self.error[i] = (
                "changed since it was sent; pass resend='changed' to send the new version"
            )
        else:
            return False
        self._advance(1)
        return True

    def _dry_run(self, todo: list[int], acked: dict[str, str]) -> None:
        """A dry run: the batches of :meth:`_batches` - the very grouping a send makes,
        orders carried over between a stream's chunks included - numbered and encoded,
        never posted.  Runs of batches of this run's own orders are encoded together by the
        body builder's fragment encoder; a batch with carried orders from their events.
        Bodies past ``keep_bodies`` are encoded and dropped (a streamed dry run keeps the
        first ones only)."""
        builder = self.events._builder
        plain = not self._carried and not self.carry_out and not acked
        # nothing carried and nothing to compare: the batches are ``todo`` cut in twenties
        batches: Iterator[list[Item]] | None = None if plain else self._batches(todo, acked)
        run: list[int] = list(todo) if plain else []
        for items in batches or ():
            if all(it.event is None for it in items):
                run.extend(it.order for it in items)
                continue
            self._dry_bodies(builder, run)
            run = []
            self._dry_bodies(builder, items)
        self._dry_bodies(builder, run)
        late = [it for it in self.leftover if it.event is None]
        if late:  # the next chunk has another builder: their events now
            texts = builder.event_texts([it.order for it in late])
            for it, text in zip(late, texts, strict=True):
                it.event = text

    def _dry_bodies(self, builder: Any, batch: list[int] | list[Item]) -> None:
        """Number and encode the bodies of ``batch`` (orders in twenties, or one batch)."""
        if not batch:
            return
        size = MAX_EVENTS_PER_REQUEST
        if isinstance(batch[0], Item):
            items = batch
            orders = np.array([it.order for it in items], dtype=np.int64)
            missing = [it.order for it in items if it.event is None]
            made = iter(builder.event_texts(missing) if missing else ())
            texts = [next(made) if it.event is None else it.event for it in items]
            bodies: Iterable[bytes] = [join_events(texts)]
            size = len(items)
        else:
            orders = np.asarray(batch, dtype=np.int64)
            bodies = builder.encoded_bodies(batch, size)
        first = self._next_batch
        self.batch[orders] = first + np.arange(orders.size) // size
        self._next_batch = first + -(-orders.size // size)
        self.status[orders] = "dry_run"
        self._advance(int(orders.size))
        for body in bodies:
            if self.keep_bodies is None or len(self.bodies) < self.keep_bodies:
                self.bodies.append(body)

    def _advance(self, n: int) -> None:
        if self.progress is not None:
            self.progress.update(n)

    def _limit(self) -> int:
        if self.opt.concurrency:
            return self.opt.concurrency
        rate = self.limiter.rate
        if not rate:
            return 4
        return max(2, min(MAX_CONCURRENCY, math.ceil(rate * self.latency * 1.25) + 1))

    async def _worker(self, batches: Iterator[list[Item]]) -> None:
        assert self._slots is not None
        while True:
            async with self._slots:
                await self._slots.wait_for(
                    lambda: self.in_flight < self._limit() or self.stop_reason is not None
                )
                if self._stopped():
                    self._slots.notify_all()
                    return
                items = next(batches, None)
                if items is None:
                    self._slots.notify_all()
                    return
                self.in_flight += 1
            number, self._next_batch = self._next_batch, self._next_batch + 1
            for it in items:
                self.batch[it.order] = number
            try:
                await self._post(items)
                statuses = [str(self.status[it.order]) for it in items]
                if self.rejections.batch_done(statuses, self.error[items[0].order]):
                    self.request_stop(self.rejections.reason())
            finally:
                async with self._slots:
                    self.in_flight -= 1
                    self._slots.notify_all()

    def counts(self) -> dict[str, int]:
        """Orders per status within this run's universe."""
        values, counts = np.unique(self.status[self.universe].astype(str), return_counts=True)
        return {str(v): int(c) for v, c in zip(values, counts, strict=True)}
