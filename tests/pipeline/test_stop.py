"""``send(stop=StopSignal)``: another thread ends a send cleanly, without an exception."""

from __future__ import annotations

import asyncio
import dataclasses

import pandas as pd
import pytest

import seeka_nb
from seeka_nb import Credentials
from seeka_nb.adapters.transport import Response
from seeka_nb.pipeline.engine import Engine
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.pipeline.runner import Seams
from seeka_nb.pipeline.stop import StopSignal

CREDS = Credentials("org-stop", "pk_test_0123456789abcdef", endpoint="http://127.0.0.1:9/api")


def _events(n: int) -> seeka_nb.Events:
    df = pd.DataFrame(
        {
            "order_id": [f"S{k}" for k in range(n)],
            "created_at": ["2025-03-01T10:00:00Z"] * n,
            "email": [f"c{k}@example.com" for k in range(n)],
            "currency": ["AUD"] * n,
            "total": [5.0] * n,
        }
    )
    return df.seeka.to_events()


class Accepting:
    """Answers 202; calls ``on_post(number)`` first."""

    def __init__(self, on_post=lambda _n: None) -> None:
        self.posts = 0
        self.on_post = on_post

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        self.posts += 1
        self.on_post(self.posts)
        return Response(202, {}, b"")

    async def aclose(self) -> None:
        pass


def test_a_stopped_signal_sends_nothing(seams: Seams) -> None:
    signal = StopSignal()
    signal.stop("not today")
    signal.stop("ignored")  # one-shot
    transport = Accepting()
    report = _events(30).send(
        CREDS,
        ledger=False,
        stop=signal,
        _seams=dataclasses.replace(seams, transport=lambda _o: transport),
    )
    assert transport.posts == 0 and report.counts["pending"] == 30
    assert report.stopped_reason == "not today" and not report.interrupted


def test_stop_during_a_send_finishes_the_batch_in_flight(seams: Seams) -> None:
    signal = StopSignal()
    transport = Accepting(lambda n: signal.stop("user") if n == 1 else None)
    report = _events(100).send(
        CREDS,
        ledger=False,
        concurrency=1,
        stop=signal,
        _seams=dataclasses.replace(seams, transport=lambda _o: transport),
    )
    assert transport.posts == 1
    assert report.counts["sent"] == 20 and report.counts["pending"] == 80
    assert report.stopped_reason == "user"


def test_the_drain_ends_when_a_stop_waker_finished_just_before_it(
    seams: Seams, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Python 3.12+'s ``asyncio.gather`` over tasks that are all done completes at once,
    without yielding to the loop.  A stop's waker that had ended, but whose done callback
    (which takes it out of the engine's set) had not run yet, made ``Engine._drain`` loop
    forever there: an interrupted send's thread outlived the call, spinning with the GIL, and
    slowed everything else in the process (the polars streaming tests ~20x on Python 3.13).
    The same eager gather is installed here so that every Python checks it; the passes are
    counted so that a regression fails instead of hanging."""
    real_gather = asyncio.gather
    passes = {"n": 0}

    def eager_gather(*futures: asyncio.Future, return_exceptions: bool = False) -> asyncio.Future:
        passes["n"] += 1
        if passes["n"] > 50:
            raise AssertionError("Engine._drain kept gathering tasks that were already done")
        if futures and all(f.done() for f in futures):
            outer = futures[0].get_loop().create_future()
            outer.set_result([f.exception() or f.result() for f in futures])
            return outer  # done: awaiting it does not yield, as on Python 3.12+
        return real_gather(*futures, return_exceptions=return_exceptions)

    engine = Engine(
        _events(3),
        CREDS,
        SendOptions(ledger=False),
        transport=Accepting(),
        ledger=None,
        clock=seams.clock,
        sleep=seams.sleep,
    )

    async def stopped_then_drained() -> None:
        engine.stop_event, engine._slots = asyncio.Event(), asyncio.Condition()
        engine.request_stop("user")
        await asyncio.sleep(0)  # the waker runs and ends; its done callback is only queued
        assert [task.done() for task in engine._tasks] == [True]
        monkeypatch.setattr(asyncio, "gather", eager_gather)
        await engine._drain()

    asyncio.run(stopped_then_drained())
    assert not engine._tasks and engine.stop_reason == "user" and passes["n"] == 1
