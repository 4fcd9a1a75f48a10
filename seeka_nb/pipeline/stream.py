"""Sending a stream of converted chunks as one run (layer 4).

Owns :func:`send_stream` (synchronous, Ctrl-C safe like :func:`~seeka_nb.pipeline.runner.send`)
and :func:`asend_stream`.  Chunks (core :class:`~seeka_nb.core.events.Events`) are taken one
at a time; each is sent by an :class:`~seeka_nb.pipeline.engine.Engine` that shares with the
others **one rate budget** (one :class:`~seeka_nb.adapters.pacing.RateLimiter`, so a 429
slows the whole run), one transport, **one ledger and one ledger run** (claims, resume: a
re-run sends only what the ledger does not hold), one deadline and stall watch, and one
stop request.  Requests are full across chunk boundaries: a chunk's last, partly-full batch
(its orders' events, claimed in the ledger only when posted) opens the next chunk's first
batch, and the stream's very last one is sent once the input is read (or could not be read
further), so the batches are those of an in-memory send.  Only the current chunk's events
(and at most 19 carried over) are in memory; the report keeps per order what
:class:`~seeka_nb.pipeline.report.SendReport` shows in compact columns
(:mod:`.stream_report`), so all counts add up across chunks.  A dry run makes the same
batches (carried over alike: only posting is swapped for encoding) and keeps the first
:data:`DRY_RUN_BODIES` request bodies only (all of them would not fit in memory for a
backfill; the others are encoded and dropped as they are made).

A stop (Ctrl-C, ``stop=``, deadline, stall limit, rejected credentials, a ledger that
cannot be written) ends the current chunk as a plain send does (the rest ``pending``) and
reads no further chunk: the report is then ``incomplete`` (never ``ok``) and running the
same send again resumes through the ledger.  An error raised while reading or converting
a later chunk (a :class:`~seeka_nb.errors.SeekaError`, or any other exception of the
caller's iterator) ends the run the same way, its message in ``stopped_reason`` (the
orders carried over are sent first); on the first chunk it is raised as is (nothing was
sent).
Orders carried over when a stop comes end as the stop's other unsent orders: ``pending``
with its reason (the engine holding them explains them; their entries are patched).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any, cast

import numpy as np

from ..adapters.ledger import Ledger, LedgerError
from ..adapters.network import proxy_for, ssl_context
from ..adapters.pacing import RateLimiter
from ..adapters.transport import HttpxTransport
from ..core.events import Events
from ..credentials import PACKAGE_VERSION, Credentials
from ..errors import SeekaError
from .answers import RejectionWatch, StallWatch
from .bodies import EncodedBodies
from .bookkeeping import Item
from .engine import Engine
from .options import DEFAULT_LEDGER_PATH, MAX_CONCURRENCY, SendOptions, open_ledger
from .progress import Progress
from .report import SendReport
from .runner import Seams, run_in_thread
from .stream_report import Outcomes, StreamedReport

log = logging.getLogger(__name__)

#: Request bodies a streamed dry run keeps in ``report.bodies`` (the first ones).
DRY_RUN_BODIES = 1000


class _NoOrders:
    """Events without orders: the engine that sends a stream's last partly-full batch."""

    class _Table:
        status = activity_id = np.empty(0, dtype=object)
        n_orders = 0

    _table = _Table()
    _builder = None


def _unreadable(exc: Exception) -> str:
    """The run's stop reason when the stream fails after its first chunk."""
    if isinstance(exc, SeekaError):
        return f"the stream could not be read further: {exc}"
    # not ours: its type (the log gets only that: its text may quote the data)
    log.warning("the stream could not be read further (%s)", type(exc).__name__)
    return (
        f"the stream could not be read further ({type(exc).__name__}: {exc}); the orders "
        "read before are in this report, the rest were not read: fix the input and run the "
        "same send again (the ledger skips what was sent)"
    )


class _Control:
    """The run's stop switch: remembers the reason and stops the current chunk's engine."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self.engine: Engine | None = None

    def request_stop(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        if self.engine is not None:
            self.engine.request_stop(reason)


async def asend_stream(
    chunks: Iterable[Events],
    credentials: Credentials,
    options: SendOptions,
    *,
    seams: Seams | None = None,
    only: set[str] | None = None,
    control: _Control | None = None,
) -> SendReport:
    """Send every chunk in the running event loop; one report for the whole stream."""
    seams = seams or Seams()
    control = control or _Control()
    choice = options.ledger
    if options.dry_run and choice is None:  # a dry run reads an existing ledger, never makes one
        choice = DEFAULT_LEDGER_PATH if os.path.exists(DEFAULT_LEDGER_PATH) else False
    proxy = proxy_for(credentials.endpoint, options.proxy)
    verify = ssl_context(truststore=options.truststore) if seams.transport is None else True
    ledger, owned = open_ledger(choice)
    transport = (
        seams.transport(options)
        if seams.transport is not None
        else HttpxTransport(
            timeout=options.timeout, max_connections=MAX_CONCURRENCY, proxy=proxy, verify=verify
        )
    )
    run = _Run(credentials, options, seams, ledger)
    progress = Progress(
        0,
        enabled=False if options.dry_run else options.progress,
        description="Seeka" if not options.dry_run else "dry run",
    )
    detach = (
        options.stop.attach(asyncio.get_running_loop(), control.request_stop)
        if options.stop is not None
        else None
    )
    log.info(
        "streamed %s started to %s (rate %s/s, ledger %s)",
        "dry run" if options.dry_run else "send",
        credentials.endpoint,
        "unpaced" if options.rate is None else f"{options.rate:g}",
        "off" if ledger is None else "on",
    )
    try:
        await run.all(chunks, transport, progress, control, only)
    finally:
        if detach is not None:
            with contextlib.suppress(Exception):
                detach()
        with contextlib.suppress(Exception):
            progress.close()
        run.finish()
        if owned and ledger is not None:
            with contextlib.suppress(Exception):
                ledger.close()
        with contextlib.suppress(Exception):
            await transport.aclose()
    report = run.report(seams.clock() - run.t0)
    log.info("streamed %s finished: %s", "dry run" if options.dry_run else "send", report)
    return report


class _Run:
    """What the chunks of one streamed send share, and the report's parts so far."""

    def __init__(
        self, creds: Credentials, options: SendOptions, seams: Seams, ledger: Ledger | None
    ) -> None:
        self.creds, self.opt, self.seams, self.ledger = creds, options, seams, ledger
        self.t0 = seams.clock()
        self.limiter = RateLimiter(
            None if options.dry_run else options.rate, clock=seams.clock, sleep=seams.sleep
        )
        self.stall = StallWatch(options.stall_limit, self.t0)
        self.rejections = RejectionWatch()
        self.run_id: str | None = None
        self.outcomes = Outcomes()
        self.bodies: list[bytes] = []
        self.unrecorded: list[str] = []
        #: Orders of a partly-full last batch, for the next chunk's first batch: each with
        #: its activity ID and its entry in ``outcomes``.
        self.carried: list[tuple[Item, tuple[str, int]]] = []
        self.requests = 0
        self.batches = 0
        self.stopped: str | None = None
        self.ledger_error: str | None = None
        self.interrupted = False
        self.incomplete = False

    async def all(
        self,
        chunks: Iterable[Events],
        transport: Any,
        progress: Progress,
        control: _Control,
        only: set[str] | None,
    ) -> None:
        source = iter(chunks)
        first, exhausted, unreadable = True, False, None
        while control.reason is None:
            try:
                chunk = next(source, None)
            except Exception as exc:  # a bad file, the caller's own iterator, a conversion bug
                if first:
                    raise  # nothing was sent: the error as it is
                unreadable = _unreadable(exc)
                break
            first = False
            if chunk is None:
                exhausted = True
                break
            engine = self._engine(chunk, transport, only)
            progress.total += int(((chunk._table.status == "ok") & engine.universe).sum())
            if getattr(progress, "_bar", None) is not None:
                progress._bar.total = progress.total
            await self._run(chunk, engine, progress, control)
            # A chunk's core objects refer to each other (its body builder and encoder):
            # without a collection here they would wait for a full one, and the next chunks
            # would pile up in memory meanwhile.
            del chunk, engine
            gc.collect()
        if self.carried and control.reason is None:  # the stream's last, partly-full batch
            engine = self._engine(cast(Events, _NoOrders()), transport, None)
            await self._run(None, engine, progress, control)
        if unreadable is not None:  # what was read is sent; the rest cannot be
            control.request_stop(unreadable)
        if control.reason is not None:
            self.stopped = self.stopped or control.reason
        if not exhausted:  # chunks may be left unread: their orders are in no report row
            self.incomplete = True

    async def _run(
        self, chunk: Events | None, engine: Engine, progress: Progress, control: _Control
    ) -> None:
        """Send one chunk (``None``: only the orders carried over), collect its outcomes."""
        carried, self.carried = self.carried, []
        if carried:
            engine.take_over([it for it, _ in carried], [aid for _, (aid, _) in carried])
        # a dry run batches as a send does: it only swaps posting for encoding
        engine.carry_out = chunk is not None
        engine.keep_bodies = max(0, DRY_RUN_BODIES - len(self.bodies))
        control.engine = engine
        if control.reason is not None:
            engine.request_stop(control.reason)
        try:
            await engine.run(progress)
        except asyncio.CancelledError:
            self.interrupted = True
            engine.request_stop("interrupted (Ctrl-C)")
            engine._explain_pending()
            control.request_stop("interrupted (Ctrl-C)")
        finally:
            control.engine = None
            n = engine.table.n_orders
            position = self._collect(chunk, engine)
            if carried:  # their outcomes go to their own chunk's report entries
                self.outcomes.patch([p for _, (_, p) in carried], engine, n)
            for it in engine.leftover:
                if it.order < n:
                    assert position is not None
                    where = (str(engine.aid[it.order]), int(position[it.order]))
                else:  # carried over once more (a chunk with fewer than 20 orders to send)
                    where = carried[it.order - n][1]
                self.carried.append((it, where))
        if engine.stop_reason is not None and control.reason is None:
            control.reason = engine.stop_reason

    def _engine(self, chunk: Events, transport: Any, only: set[str] | None) -> Engine:
        s = self.seams
        engine = Engine(
            chunk,
            self.creds,
            self.opt,
            transport=transport,
            ledger=self.ledger,
            clock=s.clock,
            sleep=s.sleep,
            now=s.now,
            rng=s.rng,
            only=only,
            package_version=PACKAGE_VERSION,
        )
        engine.limiter, engine.stall, engine.rejections = self.limiter, self.stall, self.rejections
        engine._t0, engine.run_id, engine._next_batch = self.t0, self.run_id, self.batches
        if s.on_engine is not None:
            s.on_engine(engine)
        return engine

    def _collect(self, chunk: Events | None, engine: Engine) -> np.ndarray | None:
        """The run's figures from a finished engine; its chunk's outcomes (``None``: the
        engine sent carried-over orders only), and where each of its orders is in them."""
        self.run_id = engine.run_id or self.run_id
        self.batches = engine._next_batch
        self.requests += engine.requests
        self.unrecorded.extend(engine.unrecorded)
        self.ledger_error = self.ledger_error or engine.ledger_error
        room = DRY_RUN_BODIES - len(self.bodies)
        if room > 0:
            self.bodies.extend(engine.bodies[:room])
        if engine.stop_reason is not None and self.stopped is None:
            self.stopped = engine.stop_reason
        return self.outcomes.add(chunk, engine) if chunk is not None else None

    def finish(self) -> None:
        """End the ledger run (its claims are released even when that cannot be written)."""
        try:
            if self.ledger is not None and self.run_id is not None:
                self.ledger.finish_run(self.run_id, self.outcomes.counts())
        except (LedgerError, Exception) as exc:
            self.ledger_error = self.ledger_error or str(exc) or type(exc).__name__

    def report(self, elapsed: float) -> SendReport:
        return StreamedReport(
            self.outcomes,
            endpoint=self.creds.endpoint,
            dry_run=self.opt.dry_run,
            elapsed=elapsed,
            requests=self.requests,
            throttles=self.limiter.throttles,
            run_id=self.run_id,
            interrupted=self.interrupted,
            stopped_reason=self.stopped,
            bodies=EncodedBodies(self.bodies),
            unrecorded=list(dict.fromkeys(self.unrecorded)),
            ledger_error=self.ledger_error,
            ledger_used=self.ledger is not None and not self.opt.dry_run,
            incomplete=self.incomplete,
        )


def send_stream(
    chunks: Iterable[Events],
    credentials: Credentials,
    options: SendOptions,
    *,
    seams: Seams | None = None,
    only: set[str] | None = None,
    wait: Callable[[threading.Thread], None] | None = None,
) -> SendReport:
    """Send a stream from synchronous code: one event loop in a worker thread joined before
    returning; Ctrl-C stops the run and raises :class:`~seeka_nb.errors.SendInterrupted`
    with the report (see the module docstring).  ``wait`` is a test seam, as in
    :func:`~seeka_nb.pipeline.runner.send`."""
    control = _Control()
    box: dict[str, Any] = {"engine": control}

    async def main(box: dict[str, Any], ready: threading.Event) -> SendReport:
        box["loop"] = asyncio.get_running_loop()
        ready.set()
        return await asend_stream(
            chunks, credentials, options, seams=seams, only=only, control=control
        )

    def message(report: SendReport | None) -> str:
        return (
            "Send interrupted: what Seeka acknowledged is recorded; "
            f"{report.counts['pending'] if report else 'the remaining'} orders read so far "
            "are pending. Run the same send again to send only what is left."
        )

    return run_in_thread(
        main, box, threading.Event(), name="seeka-nb-stream", wait=wait, message=message
    )
