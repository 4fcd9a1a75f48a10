"""A streamed send that stops between two chunks: the orders carried over from the previous
chunk (its last, partly-full request) end exactly as the other unsent orders of that stop -
``pending`` with the stop's reason, never ``ok``, each order once in the report - and the
same send run again sends exactly what is left.

Each stop kind is driven from the stream itself, while the next chunk is read (so the stop
lands between two chunks, with orders carried over): a ``stop=`` signal, the deadline and
the stall limit (on fake time), Ctrl-C (through ``send_stream``'s ``wait`` seam), the server
refusing the credentials (the sandbox's next answer is a 401), a ledger that cannot be
written and an unreadable chunk.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fake_time import FakeTime
from send_helpers import KEY
from stream_data import chunks_of, orders_frame

from seeka_nb import Credentials, Sandbox, SendInterrupted
from seeka_nb.adapters.ledger import Ledger, LedgerError
from seeka_nb.adapters.transport import HttpxTransport, Response, TransportFailure
from seeka_nb.core.events import Events
from seeka_nb.core.stream import convert_frames
from seeka_nb.errors import ValidationError
from seeka_nb.pipeline.engine import Engine
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.pipeline.runner import Seams
from seeka_nb.pipeline.stop import StopSignal
from seeka_nb.pipeline.stream import send_stream

NOW = 1_800_000_000.0
ROWS_PER_CHUNK = 29  # about 11 orders a chunk: never a multiple of 20, orders carried twice
_BROKEN: list[type[Exception]] = [ValidationError]  # what an unreadable chunk raises
KINDS = ("stop", "deadline", "stall", "interrupt", "auth", "ledger", "ledger_read")


class _Held(HttpxTransport):
    """Posts to the sandbox; once ``gate`` is set, holds every new request until the run
    stops and then fails it (a reset): nothing after the stop reaches the server."""

    def __init__(self, gate: threading.Event) -> None:
        super().__init__(timeout=5)
        self.gate = gate
        self.engine: Engine | None = None

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        if self.gate.is_set():
            assert self.engine is not None and self.engine.stop_event is not None
            await asyncio.wait_for(self.engine.stop_event.wait(), 30)
            raise TransportFailure("reset", "held until the run stopped")
        return await super().post(url, content, headers)


class _FailingLedger(Ledger):
    """A SQLite ledger whose claims fail once ``broken`` is set."""

    broken: bool | str = False

    def claim(self, *args: Any, **kwargs: Any) -> list[str]:
        if self.broken:
            raise LedgerError("disk full (test)")
        return super().claim(*args, **kwargs)

    def acknowledged(self, *args: Any, **kwargs: Any) -> dict[str, str]:
        if self.broken == "read":
            raise LedgerError("database is locked (test)")
        return super().acknowledged(*args, **kwargs)


def _stopped_stream(
    kind: str, at: int, tmp_path: Path, fake_time: FakeTime, df: pd.DataFrame
) -> tuple[Any, list[str], Sandbox, Path]:
    """Send ``df`` streamed, stopping (``kind``) as chunk ``at`` is read; returns the report,
    the IDs carried over into the engine that saw the stop, the sandbox and the ledger."""
    ledger_path = tmp_path / f"{kind}.sqlite"
    ledger = _FailingLedger(ledger_path)
    sandbox = Sandbox(rate_limit=None).start()
    creds = Credentials("org-test", KEY, endpoint=sandbox.ingest_url)
    signal, gate = StopSignal(), threading.Event()
    transport = _Held(gate)
    engines: list[Engine] = []

    def on_engine(engine: Engine) -> None:
        engines.append(engine)
        transport.engine = engine

    seams = Seams(
        transport=lambda _o: transport,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        now=fake_time.wall,
        on_engine=on_engine,
    )

    def source() -> Iterator[Events]:
        for k, chunk in enumerate(convert_frames(chunks_of(df, [ROWS_PER_CHUNK]), now=NOW)):
            if k == at:
                if kind == "stop":
                    signal.stop("stopped from the panel")
                elif kind in ("deadline", "stall"):
                    fake_time.now += 1_000
                elif kind == "interrupt":
                    gate.set()
                elif kind == "auth":
                    sandbox.inject(401)
                elif kind == "ledger":
                    ledger.broken = True
                elif kind == "ledger_read":
                    ledger.broken = "read"
                elif kind == "unreadable":
                    raise _BROKEN[0]("chunk is broken (test)")
            yield chunk

    def wait(worker: threading.Thread) -> None:
        while not gate.wait(0.05) and worker.is_alive():
            pass
        if gate.is_set():
            raise KeyboardInterrupt

    options = SendOptions(
        rate=None,
        ledger=ledger,
        concurrency=1,
        stop=signal,
        deadline=500 if kind == "deadline" else None,
        stall_limit=500 if kind == "stall" else None,
    )
    try:
        report = send_stream(source(), creds, options, seams=seams, wait=wait)
    except SendInterrupted as exc:
        assert kind == "interrupt"
        report = exc.report
    except BaseException:
        sandbox.stop()
        raise
    finally:
        ledger.close()
    last = engines[-1]  # the engine that saw the stop (or sent the last, partial batch)
    carried = [str(last.aid[it.order]) for it in last._carried]
    return report, carried, sandbox, ledger_path


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("at", [1, 3])
def test_orders_carried_over_a_stop_end_as_its_other_unsent_orders(
    kind: str, at: int, tmp_path: Path, fake_time: FakeTime
) -> None:
    df = orders_frame(80, seed=21)
    chunks = convert_frames(chunks_of(df, [ROWS_PER_CHUNK]), now=NOW)
    read = [c._table.activity_id.tolist() for _, c in zip(range(at + 1), chunks, strict=False)]
    expected = sorted(a for ids in read for a in ids)  # the chunks read, up to the stop's
    report, carried, sandbox, ledger_path = _stopped_stream(kind, at, tmp_path, fake_time, df)
    with sandbox:
        frame = report.to_frame()
        assert sorted(frame["activity_id"]) == expected  # each order read, exactly once
        assert not report.ok and report.incomplete and report.stopped_reason
        assert carried, "the stop must come with orders carried over"
        unsent = frame[frame["status"] == "pending"]
        # one outcome for every unsent order, the carried ones too: the stop's reason
        outcome = unsent[["status", "error"]].astype(str).drop_duplicates()
        assert outcome.values.tolist() == [["pending", report.stopped_reason]]
        assert set(carried) <= set(unsent["activity_id"])
        sent = [e["ev"]["payload"]["activityId"] for e in sandbox.events]
        assert sorted(sent) == sorted(frame.loc[frame["status"] == "sent", "activity_id"])
        # the same send again sends exactly what is left, nothing twice
        again = send_stream(
            convert_frames(chunks_of(df, [ROWS_PER_CHUNK]), now=NOW),
            Credentials("org-test", KEY, endpoint=sandbox.ingest_url),
            SendOptions(rate=None, ledger=str(ledger_path)),
            seams=Seams(clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall),
        )
        assert again.ok and again.counts["already_sent"] == len(sent)
        stats = sandbox.stats()
        assert stats["duplicates"] == 0
        assert stats["events_accepted"] == len(df.seeka.to_events())


@pytest.mark.parametrize("error", [ValidationError, KeyError], ids=["seeka", "other"])
def test_an_unreadable_chunk_sends_the_orders_carried_over_first(
    error: type[Exception], tmp_path: Path, fake_time: FakeTime
) -> None:
    """Not a stop between chunks: what was read is sent, carried orders included; any
    error of the stream after its first chunk (a bad file, the caller's own iterator, a
    conversion bug) ends the run with a report, never an exception that loses it."""
    df = orders_frame(80, seed=21)
    raised = _BROKEN[0]
    _BROKEN[0] = error
    try:
        report, carried, sandbox, _ = _stopped_stream("unreadable", 2, tmp_path, fake_time, df)
    finally:
        _BROKEN[0] = raised
    with sandbox:
        frame = report.to_frame()
        assert "chunk is broken (test)" in str(report.stopped_reason)
        if error is KeyError:
            assert "KeyError" in str(report.stopped_reason)
        assert not report.ok and report.incomplete
        assert carried and set(frame["status"]) <= {"sent", "invalid"}
        assert set(carried) <= set(frame.loc[frame["status"] == "sent", "activity_id"])
        assert frame["activity_id"].is_unique
