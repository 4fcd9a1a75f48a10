"""``send(stop=StopSignal)``: another thread ends a send cleanly, without an exception."""

from __future__ import annotations

import dataclasses

import pandas as pd

import seeka_nb
from seeka_nb import Credentials
from seeka_nb.adapters.transport import Response
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
