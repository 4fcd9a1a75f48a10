"""``send`` and ``asend``: run the engine, then build the :class:`SendReport` (layer 4).

The synchronous ``send`` runs its own event loop in a worker thread that it joins before
returning, so it works the same in a script and inside a running Jupyter kernel (no
``asyncio.run`` in the kernel's loop, no ``nest_asyncio``) and no thread outlives the call.
Ctrl-C in the calling thread asks the engine to stop taking new batches, lets in-flight
requests finish for a bounded time (then abandons them), records everything acknowledged
and raises :class:`~seeka_nb.errors.SendInterrupted` carrying the report; the rest is
``pending`` and re-running the same send sends only that.

Logs (``seeka_nb`` logger, silent unless the application configures logging) a run's start
and its summary at INFO: counts, requests, time, endpoint — never the key nor order data.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..adapters.ledger import Ledger
from ..adapters.network import describe_proxy, proxy_for, ssl_context
from ..adapters.pacing import Clock, Sleep
from ..adapters.transport import HttpxTransport, Transport
from ..core.events import Events
from ..core.pdcompat import text_array
from ..credentials import PACKAGE_VERSION, Credentials
from ..errors import SendInterrupted
from .bodies import EncodedBodies
from .engine import Engine
from .options import DEFAULT_LEDGER_PATH, MAX_CONCURRENCY, SendOptions, open_ledger
from .progress import Progress
from .report import SendReport

log = logging.getLogger(__name__)

#: Seconds an interrupted send waits for in-flight requests before abandoning them.
INTERRUPT_GRACE = 5.0


@dataclass
class Seams:
    """Injectable time, randomness and transport (tests; defaults are the real ones)."""

    transport: Callable[[SendOptions], Transport] | None = None
    clock: Clock = time.monotonic
    sleep: Sleep = asyncio.sleep
    now: Callable[[], float] = time.time
    rng: random.Random | None = None
    on_engine: Callable[[Engine], None] | None = field(default=None)


async def asend(
    events: Events,
    credentials: Credentials,
    options: SendOptions,
    *,
    seams: Seams | None = None,
    only: set[str] | None = None,
) -> SendReport:
    """Send in the running event loop and return the report."""
    seams = seams or Seams()
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
            timeout=options.timeout,
            max_connections=MAX_CONCURRENCY,
            proxy=proxy,
            verify=verify,
        )
    )
    engine = Engine(
        events,
        credentials,
        options,
        transport=transport,
        ledger=ledger,
        clock=seams.clock,
        sleep=seams.sleep,
        now=seams.now,
        rng=seams.rng,
        only=only,
        package_version=PACKAGE_VERSION,
    )
    if seams.on_engine is not None:
        seams.on_engine(engine)
    started = seams.clock()
    total = int(((events._table.status == "ok") & engine.universe).sum())
    progress = Progress(
        total,
        enabled=False if options.dry_run else options.progress,
        description="Seeka" if not options.dry_run else "dry run",
    )
    log.info(
        "%s started: %d orders to send to %s%s (rate %s/s, resend %s, ledger %s)",
        "dry run" if options.dry_run else "send",
        total,
        credentials.endpoint,
        f" via proxy {describe_proxy(proxy)}" if proxy else "",
        "unpaced" if options.rate is None else f"{options.rate:g}",
        options.resend,
        "off" if ledger is None else "on",
    )
    interrupted = False
    detach = (
        options.stop.attach(asyncio.get_running_loop(), engine.request_stop)
        if options.stop is not None
        else None
    )
    try:
        await engine.run(progress)
    except asyncio.CancelledError:
        interrupted = True
        engine.request_stop("interrupted (Ctrl-C)")
        engine._explain_pending()
    finally:
        if detach is not None:
            with contextlib.suppress(Exception):
                detach()
        _end_run(engine, ledger, owned, progress)
        with contextlib.suppress(Exception):
            await transport.aclose()
    report = build_report(events, engine, elapsed=seams.clock() - started, interrupted=interrupted)
    summary = report.summary()
    log.info(
        "%s finished: %s; %d requests in %.2fs, %d throttled%s",
        "dry run" if options.dry_run else "send",
        ", ".join(f"{k} {v}" for k, v in summary["counts"].items()) or "nothing",
        summary["requests"],
        summary["seconds"],
        summary["throttled"],
        "" if report.ok else "; not everything was sent",
    )
    return report


def _end_run(engine: Engine, ledger: Ledger | None, owned: bool, progress: Progress) -> None:
    """However the run ended: close the bar, end the run in the ledger (its claims are
    released even when the ledger cannot write that), close a ledger we opened."""
    with contextlib.suppress(Exception):
        progress.close()
    try:
        engine._flush()  # outcomes still waiting for their group commit (an interrupted run)
        if ledger is not None and engine.run_id is not None:
            ledger.finish_run(engine.run_id, engine.counts())
    except Exception as exc:
        engine.ledger_error = engine.ledger_error or str(exc) or type(exc).__name__
    finally:
        if owned and ledger is not None:
            with contextlib.suppress(Exception):
                ledger.close()


def send(
    events: Events,
    credentials: Credentials,
    options: SendOptions,
    *,
    seams: Seams | None = None,
    only: set[str] | None = None,
    wait: Callable[[threading.Thread], None] | None = None,
) -> SendReport:
    """Send from synchronous code (see the module docstring).  ``wait`` is a test seam:
    how the caller waits for the worker thread (it may raise KeyboardInterrupt)."""
    seams = seams or Seams()
    box: dict[str, Any] = {}
    ready = threading.Event()
    user_hook = seams.on_engine

    def remember(engine: Engine) -> None:
        box["engine"] = engine
        box["loop"] = asyncio.get_running_loop()
        ready.set()
        if user_hook is not None:
            user_hook(engine)

    seams = Seams(seams.transport, seams.clock, seams.sleep, seams.now, seams.rng, remember)

    async def main(_box: dict[str, Any], _ready: threading.Event) -> SendReport:
        return await asend(events, credentials, options, seams=seams, only=only)

    def message(report: SendReport | None) -> str:
        return (
            "Send interrupted: what Seeka acknowledged is recorded; "
            f"{report.counts['pending'] if report else 'the remaining'} orders are pending. "
            "Run the same send again to send only those."
        )

    return run_in_thread(main, box, ready, name="seeka-nb-send", wait=wait, message=message)


def run_in_thread(
    start: Callable[[dict[str, Any], threading.Event], Awaitable[SendReport]],
    box: dict[str, Any],
    ready: threading.Event,
    *,
    name: str,
    wait: Callable[[threading.Thread], None] | None,
    message: Callable[[SendReport | None], str],
) -> SendReport:
    """Run ``start(box, ready)`` in its own event loop in a worker thread joined before
    returning (a plain send and a streamed one).  ``start`` puts in ``box`` the object
    whose ``request_stop`` a Ctrl-C calls (``"engine"``) and the running loop
    (``"loop"``), then sets ``ready``.  Ctrl-C raises
    :class:`~seeka_nb.errors.SendInterrupted` with the report and ``message(report)``."""
    # The caller waits for ``done``, never in ``Thread.join``: on Python 3.11 a Ctrl-C that
    # interrupts a join marks the still-running thread as stopped (the bpo-45274 handling in
    # ``Thread._wait_for_tstate_lock``), after which join() returns at once, the report is
    # lost and the thread outlives the call.
    done = threading.Event()

    async def main() -> SendReport:
        box["task"] = asyncio.current_task()
        return await start(box, ready)

    def target() -> None:
        # asyncio.Runner, like asyncio.run, finishes what is left on the loop before closing
        # it (the finalisers of half-read response streams, for one); a bare loop.close()
        # destroyed them pending and asyncio logged an error for each.
        try:
            with asyncio.Runner() as loop_runner:
                box["report"] = loop_runner.run(main())
        except BaseException as exc:  # handed to the caller's thread below
            box["error"] = exc
        finally:
            ready.set()
            done.set()

    worker = threading.Thread(target=target, name=name, daemon=True)
    worker.start()
    try:
        (wait or (lambda _: _wait(done)))(worker)
        done.wait()
        worker.join()
    except KeyboardInterrupt:
        _interrupt(worker, box, ready, done)
        report = box.get("report")
        raise SendInterrupted(message(report), report=report) from None
    if "error" in box:
        raise box["error"]
    return box["report"]


def _wait(done: threading.Event) -> None:
    while not done.wait(0.25):  # short waits: Ctrl-C is seen at once on every platform
        pass


def _interrupt(
    worker: threading.Thread, box: dict[str, Any], ready: threading.Event, done: threading.Event
) -> None:
    """Stop taking batches, give in-flight requests a bounded time, then abandon them."""
    ready.wait(INTERRUPT_GRACE)
    loop, engine = box.get("loop"), box.get("engine")
    if loop is not None and engine is not None and not loop.is_closed():
        with contextlib.suppress(RuntimeError):  # the loop may have just finished
            loop.call_soon_threadsafe(engine.request_stop, "interrupted (Ctrl-C)")
    if not done.wait(INTERRUPT_GRACE) and loop is not None and "task" in box:
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(box["task"].cancel)
        done.wait(INTERRUPT_GRACE)
    if done.is_set():
        worker.join(INTERRUPT_GRACE)


def _explain_held_back(table: Any, engine: Engine) -> None:
    """Give invalid and excluded orders the first reason from the issues report."""
    issues = table.issues
    why = issues[issues["severity"].isin(["error", "excluded"])].dropna(subset=["activity_id"])
    if why.empty:
        return
    first = why.drop_duplicates("activity_id").set_index("activity_id")
    text = (first["code"] + ": " + first["message"]).to_dict()
    held = np.flatnonzero(np.isin(engine.status, ["invalid", "excluded"]) & (engine.error == None))  # noqa: E711
    for i in held:
        engine.error[i] = text.get(table.activity_id[i])


def _utc_times(seconds: np.ndarray) -> pd.DatetimeIndex:
    """Epoch seconds (NaN = never sent) → UTC times, nanosecond precision kept to the µs.

    Built by hand rather than ``pd.to_datetime(unit="s")``: pandas 2.2 casts NaN to an
    integer inside that call and, under its own overflow check, raised on some runs. A clock
    seam far outside datetime64's range is NaT too.
    """
    ok = np.isfinite(seconds) & (np.abs(seconds) < 1e10)
    micros = np.zeros(len(seconds), dtype="int64")
    micros[ok] = np.round(seconds[ok] * 1e6).astype("int64")
    values = micros.astype("datetime64[us]").astype("datetime64[ns]")
    values[~ok] = np.datetime64("NaT", "ns")
    return pd.DatetimeIndex(values).tz_localize("UTC")


def build_report(
    events: Events, engine: Engine, *, elapsed: float, interrupted: bool
) -> SendReport:
    """The report of a finished (or stopped) run."""
    table = events._table
    sel = np.flatnonzero(engine.universe)
    labels = np.asarray(table.labels, dtype=object)
    _explain_held_back(table, engine)
    sent_at = _utc_times(engine.sent_at[sel])
    frame = pd.DataFrame(
        {
            "activity_id": text_array(table.activity_id[sel]),
            "row": labels[table.first_row[sel]],
            "status": text_array(engine.status[sel]),
            "http_status": pd.array(
                np.where(engine.http[sel] >= 0, engine.http[sel], None),  # type: ignore[call-overload]
                dtype="Int64",
            ),
            "attempts": engine.attempts[sel],
            "batch": pd.array(
                np.where(engine.batch[sel] >= 0, engine.batch[sel], None),  # type: ignore[call-overload]
                dtype="Int64",
            ),
            "error": text_array(engine.error[sel]),
            "sent_at": sent_at,
        }
    )
    whole = bool(engine.universe.all())
    if whole and (table.row_order < 0).any():
        no_id = np.flatnonzero(table.row_order < 0)
        frame = pd.concat(
            [
                frame,
                pd.DataFrame(
                    {
                        "activity_id": text_array([None] * no_id.size),
                        "row": labels[no_id],
                        "status": text_array(["invalid"] * no_id.size),
                        "http_status": pd.array([None] * no_id.size, dtype="Int64"),
                        "attempts": np.zeros(no_id.size, dtype=np.int64),
                        "batch": pd.array([None] * no_id.size, dtype="Int64"),
                        "error": text_array(["row has no activity ID"] * no_id.size),
                        "sent_at": pd.to_datetime([None] * no_id.size, utc=True),
                    }
                ),
            ],
            ignore_index=True,
        )
    codes = table.row_order
    in_universe = codes >= 0
    in_universe[in_universe] = engine.universe[codes[in_universe]]
    row_status = np.where(codes >= 0, engine.status[np.maximum(codes, 0)], "invalid")
    row_frame = pd.DataFrame(
        {
            "activity_id": text_array(table.row_ids),
            "status": text_array(row_status),
        },
        index=table.labels,
    )
    if not whole:
        row_frame = row_frame[in_universe]
    return SendReport(
        frame=frame,
        row_frame=row_frame,
        endpoint=engine.creds.endpoint,
        dry_run=engine.opt.dry_run,
        elapsed=elapsed,
        requests=engine.requests,
        throttles=engine.limiter.throttles,
        run_id=engine.run_id,
        interrupted=interrupted,
        stopped_reason=engine.stop_reason,
        bodies=EncodedBodies(engine.bodies),
        unrecorded=list(dict.fromkeys(engine.unrecorded)),
        ledger_error=engine.ledger_error,
        ledger_used=engine.ledger is not None and not engine.opt.dry_run,
    )
