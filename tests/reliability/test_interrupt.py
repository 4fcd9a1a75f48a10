"""Ctrl-C during a send: ``SendInterrupted`` with a report of ``pending`` orders; a re-run
sends exactly those.

The interrupt reaches the thread that called ``send()``: through the ``wait=`` seam, through
``_thread.interrupt_main`` and through a real SIGINT, each sent from a helper thread once
the transport holds requests in flight (they are released when the engine stops taking
batches, so the in-flight ones finish and are recorded).
"""

from __future__ import annotations

import _thread
import os
import signal
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from rel_support import GatedTransport, make_orders

from seeka_nb import Sandbox, SendInterrupted
from seeka_nb.adapters.transport import HttpxTransport
from seeka_nb.pipeline import runner
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.pipeline.runner import Seams

N = 400


def _interrupt_via_wait(reached: threading.Event) -> tuple[Callable | None, Callable]:
    def wait(worker: threading.Thread) -> None:
        assert reached.wait(30)
        raise KeyboardInterrupt

    return wait, lambda: None


def _interrupt_main(reached: threading.Event) -> tuple[Callable | None, Callable]:
    def helper() -> None:
        if reached.wait(30):
            _thread.interrupt_main()

    return None, helper


def _real_sigint(reached: threading.Event) -> tuple[Callable | None, Callable]:
    def helper() -> None:
        if reached.wait(30):
            os.kill(os.getpid(), signal.SIGINT)

    return None, helper


@pytest.fixture(autouse=True)
def _sigint_is_keyboard_interrupt():
    """SIGINT raises KeyboardInterrupt for the test's duration, as in a terminal or a kernel.

    A process started in the background by a non-interactive shell inherits SIGINT ignored
    (POSIX), and then ``_thread.interrupt_main`` and a real SIGINT do nothing at all: the
    test would wait for an interrupt that never comes."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.parametrize(
    "how", [_interrupt_via_wait, _interrupt_main, _real_sigint], ids=["wait", "main", "sigint"]
)
def test_interrupt_leaves_pending_and_a_rerun_completes(
    tmp_path: Path,
    fake_time,
    make_creds,
    how,
) -> None:
    events = make_orders(0, N).seeka.to_events()
    ledger_path = tmp_path / "ledger.sqlite"
    reached = threading.Event()
    with Sandbox(rate_limit=None) as sb:
        creds = make_creds(sb.ingest_url)
        gate = GatedTransport(HttpxTransport(timeout=5), free=5, reached=reached)
        seams = Seams(
            transport=lambda _: gate,
            clock=fake_time.clock,
            sleep=fake_time.sleep,
            now=fake_time.wall,
            on_engine=gate.on_engine,
        )
        wait, helper = how(reached)
        thread = threading.Thread(target=helper)
        thread.start()
        try:
            with pytest.raises(SendInterrupted) as info:
                runner.send(
                    events,
                    creds,
                    SendOptions(ledger=ledger_path, rate=None, concurrency=3, progress=False),
                    seams=seams,
                    wait=wait,
                )
        finally:
            thread.join(30)
        first = info.value.report
        assert isinstance(info.value, KeyboardInterrupt)  # a bare `except KeyboardInterrupt` works
        assert first is not None and "interrupted" in (first.stopped_reason or "")
        c = first.counts
        assert c["pending"] > 0 and c["sent"] >= 5 * 20  # the free ones were recorded
        assert c["sent"] + c["pending"] == N and sum(c.values()) == N
        assert sb.stats()["events_accepted"] == c["sent"]  # in-flight ones finished
        assert str(c["pending"]) in str(info.value)
        frame = first.to_frame()
        assert frame.loc[frame.status == "pending", "http_status"].isna().all()

        again = events.send(
            creds,
            ledger=ledger_path,
            rate=None,
            _seams=Seams(clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall),
        )
        assert again.counts["already_sent"] == c["sent"]
        assert again.counts["sent"] == c["pending"] and again.ok
        stats = sb.stats()
    assert stats["events_accepted"] == N and stats["duplicates"] == 0
    assert [t for t in threading.enumerate() if t.name == "seeka-nb-send"] == []
