"""One batch's request and its answers (layer 4): the part of
:class:`~seeka_nb.pipeline.engine.Engine` that posts a request body and decides what each
answer means.

:meth:`Posting._post` sends one batch under the run's :class:`RateLimiter`: a 202 ends it
``sent``; 400/413/422 are bisected so only the bad events end ``rejected``; 401/403 and an
untrusted TLS certificate stop the run (``TLS_STOP``); transient failures (408, 429, 5xx,
unknown statuses, network errors, an unexpected error of the transport) are retried with
capped, jittered backoff honouring ``Retry-After(-Ms)`` until ``max_retries``, the deadline
or the stall limit.  :meth:`Posting._pause` is the wait between two attempts (cut short by
a stop, with ledger heartbeats in long waits) and :meth:`Posting._stopped` the check of
the stop, deadline and stall conditions.  It logs under the engine's logger
(``seeka_nb.pipeline.engine``): counts, statuses and failure kinds only.
"""

from __future__ import annotations

import asyncio
import logging
import random

import numpy as np
import orjson

from ..adapters.ledger import LedgerError
from ..adapters.pacing import RateLimiter, Sleep, backoff, retry_after_seconds
from ..adapters.transport import Transport, TransportFailure
from ..core.body import join_events
from ..credentials import Credentials
from ..schema import ACCEPTED_STATUS, AUTH_STATUSES, REJECTED_STATUSES, TRANSIENT_STATUSES
from .answers import answer_name
from .bookkeeping import Bookkeeping, Item
from .messages import describe

#: The engine's logger: a run's records keep one name, whichever part of it logs.
log = logging.getLogger("seeka_nb.pipeline.engine")

#: How a run stopped by an untrusted server certificate begins its ``stop_reason``.
TLS_STOP = "TLS certificate not trusted"
HEARTBEAT_SECONDS = 20.0


class Posting(Bookkeeping):
    """Request methods of :class:`~seeka_nb.pipeline.engine.Engine` (see the module); the
    engine sets the attributes declared here and in :class:`Bookkeeping`."""

    creds: Credentials
    transport: Transport
    limiter: RateLimiter
    sleep: Sleep
    rng: random.Random
    batch: np.ndarray
    requests: int
    latency: float
    stop_event: asyncio.Event | None
    _t0: float

    def _stopped(self) -> bool:
        if self.stop_reason is not None:
            return True
        deadline = self.opt.deadline
        if deadline is not None and self.clock() - self._t0 >= deadline:
            self.request_stop(f"deadline of {deadline:g}s reached")
            return True
        if self.stall.stalled(self.clock()):
            self.request_stop(self.stall.reason())
            return True
        return False

    async def _pause(self, seconds: float) -> bool:
        """Sleep, unless a stop comes first; True when stopped.  Long waits are cut into
        pieces with a ledger heartbeat between them, so no other run takes our claims."""
        assert self.stop_event is not None
        while True:
            if self.stop_event.is_set():
                return True
            piece = min(seconds, HEARTBEAT_SECONDS)
            sleeper = asyncio.ensure_future(self.sleep(piece))
            stopper = asyncio.ensure_future(self.stop_event.wait())
            done, pending = await asyncio.wait(
                {sleeper, stopper}, return_when=asyncio.FIRST_COMPLETED
            )
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if stopper in done:
                return True
            seconds -= piece
            if seconds <= 0:
                return False
            if self.ledger is not None and self.run_id is not None:
                try:
                    self.ledger.heartbeat(self.run_id)
                except LedgerError as exc:
                    self._ledger_failed(exc)
                    return True

    async def _post(self, items: list[Item]) -> None:
        # a memoryview: its repr shows no personal data (tracebacks with locals)
        content = memoryview(join_events([it.event for it in items if it.event is not None]))
        # The key stays inside Credentials' SecretKey: the transport reveals it only while
        # it writes the request (no frame of ours holds it in clear).
        headers = self.creds.request_headers()
        attempt = 0
        while True:
            if self._stopped():
                return await self._finish(items, "pending", None, self.stop_reason)
            await self.limiter.acquire()
            if self._stopped():
                return await self._finish(items, "pending", None, self.stop_reason)
            attempt += 1
            for it in items:
                self.attempts[it.order] += 1
            self.requests += 1
            started = self.clock()
            hint, kind = None, None
            number = int(self.batch[items[0].order])
            try:
                response = await self.transport.post(self.creds.endpoint, content, headers)
            except TransportFailure as failure:
                error, status, kind = f"{failure.kind}: {failure}", None, failure.kind
                outcome = failure.kind
                if failure.kind == "tls":  # every request would fail the same way
                    self.request_stop(f"{TLS_STOP}: {failure}")
                    return await self._finish(items, "pending", None, self.stop_reason)
            except Exception as exc:  # a transport bug or an odd answer: retried like a reset
                error, status, kind = f"unexpected error ({type(exc).__name__})", None, "error"
                outcome = error
            else:
                self.latency = 0.8 * self.latency + 0.2 * max(0.0, self.clock() - started)
                status = response.status
                outcome = f"HTTP {status}"
            log.debug(
                "batch %d: %d events, attempt %d -> %s in %.0f ms",
                number,
                len(items),
                attempt,
                outcome,
                1000 * max(0.0, self.clock() - started),
            )
            if status is not None:
                if status == ACCEPTED_STATUS:
                    return await self._finish(items, "sent", status, None)
                try:
                    # inline: no local of this frame holds the decoded events (tracebacks)
                    error = describe(response, [orjson.loads(it.event) for it in items if it.event])
                except Exception:  # never let a body end the send
                    error = f"HTTP {status} (unreadable answer)"
                if status in AUTH_STATUSES:
                    self.request_stop(
                        f"Seeka rejected the credentials (HTTP {status}): check the org ID "
                        f"and public key ({self.creds.masked_key}) for {self.creds.endpoint}"
                    )
                    return await self._finish(items, "pending", status, self.stop_reason)
                if status in REJECTED_STATUSES:
                    if len(items) == 1:
                        log.warning("batch %d: Seeka rejected an event (HTTP %d)", number, status)
                        return await self._finish(items, "rejected", status, error)
                    half = len(items) // 2
                    await self._post(items[:half])
                    await self._post(items[half:])
                    return None
                if status == 429:
                    hint = retry_after_seconds(response.headers, now=self.now())
                    self.limiter.throttled(hint)
                    log.warning(
                        "throttled (HTTP 429%s); slowing down",
                        "" if hint is None else f", retry after {hint:g}s",
                    )
                elif status not in TRANSIENT_STATUSES and status < 500:
                    log.warning("batch %d: failed with HTTP %d (not retried)", number, status)
                    return await self._finish(items, "failed", status, error)
                # 5xx and unknown statuses (600-999...): transient, retried
            self.stall.answer(answer_name(status, kind))
            if attempt > self.opt.max_retries:
                log.warning(
                    "batch %d: gave up after %d attempts (last: %s); %d orders failed",
                    number,
                    attempt,
                    outcome,
                    len(items),
                )
                return await self._finish(
                    items, "failed", status, f"{error} (after {attempt} attempts)"
                )
            delay = max(backoff(attempt, self.rng), hint or 0.0)
            log.info("batch %d: %s, retry %d in %.1fs", number, outcome, attempt, delay)
            deadline = self.opt.deadline
            if deadline is not None and self.clock() + delay - self._t0 > deadline:
                self.request_stop(f"deadline of {deadline:g}s reached")
                return await self._finish(
                    items, "pending", status, f"deadline reached; last error: {error}"
                )
            if self.stall.stalled(self.clock() + delay):
                self.request_stop(self.stall.reason())
                return await self._finish(items, "pending", status, self.stop_reason)
            if await self._pause(delay):
                return await self._finish(items, "pending", status, self.stop_reason)
