"""Group commit of outcomes (issue 17): what a kill -9 costs, and how many transactions a
send takes.

The engine writes the outcomes of up to ``COMMIT_BATCHES`` answered batches in one ledger
transaction, at the latest ``COMMIT_SECONDS`` after the first of them was answered.  So a
kill -9 re-sends at most the batches in flight plus ``COMMIT_BATCHES`` answered ones, and
nothing acknowledged *and committed* is ever lost.  These tests kill a sender at the worst
moment (as it starts a group commit), count ledger transactions per N orders (a regression
guard on the ledger's cost that does not read a clock), and show the time bound writes an
answered batch while the next request is still in flight.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rel_support import KEY, ORG, integrity, make_orders, order_id
from seeka_fakes import FakeSeeka, seams_for

from seeka_nb import Credentials, Ledger, Sandbox
from seeka_nb.adapters.ledger import Scope
from seeka_nb.adapters.transport import Response
from seeka_nb.pipeline import bookkeeping
from seeka_nb.pipeline.bookkeeping import CLAIM_AHEAD, COMMIT_BATCHES

CHILD = str(Path(__file__).with_name("send_child.py"))
LIMIT = 90.0  # seconds a child may take before the test fails


def test_kill_9_as_a_group_commit_starts_resends_at_most_the_bound(tmp_path: Path, seams):
    n, concurrency = 3_000, 4
    ledger_path = tmp_path / "ledger.sqlite"
    with Sandbox(rate_limit=None) as sb:
        # unthrottled: groups fill up to COMMIT_BATCHES batches; dies as the 3rd one starts
        proc = subprocess.Popen(
            [sys.executable, CHILD, sb.ingest_url, str(ledger_path), "0", str(n),
             "--concurrency", str(concurrency), "--die-at-commit", "3"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "TQDM_DISABLE": "1"},
        )  # fmt: skip
        try:
            _, err = proc.communicate(timeout=LIMIT)
        finally:
            proc.kill()
        assert proc.returncode == -signal.SIGKILL, err[-3000:]
        stored = {r["activity_id"] for r in sb.event_records(all=True)}
        before = sb.stats()["requests"]
        creds = Credentials(ORG, KEY, endpoint=sb.ingest_url)
        scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        with Ledger(ledger_path) as ledger:
            acked = set(ledger.acknowledged(scope, [order_id(i) for i in range(n)]))
        conn = sqlite3.connect(ledger_path)
        claimed = {row[0] for row in conn.execute("SELECT activity_id FROM claims")}
        conn.close()
        assert integrity(ledger_path) == "ok"
        assert acked and acked <= stored  # two groups were committed before the kill
        lost = stored - acked  # accepted by Seeka, outcome never committed
        assert lost, "the kill came after answers that were not committed yet"
        assert lost <= claimed  # the dead run's claims cover them: the next run takes over
        assert len(lost) <= (concurrency + COMMIT_BATCHES) * 20

        events = make_orders(0, n).seeka.to_events()
        report = events.send(creds, ledger=ledger_path, rate=None, _seams=seams)
        assert report.ok, report
        assert report.counts["already_sent"] == len(acked)
        records = sb.event_records(all=True)
        stats = sb.stats()
    resent = [r for r in records if r["duplicate"]]
    assert {r["activity_id"] for r in resent} == lost  # exactly those, once each
    assert stats["duplicates"] == len(lost)
    requests = {
        r["request"] for r in records if r["request"] <= before and r["activity_id"] in lost
    }
    assert len(requests) <= concurrency + COMMIT_BATCHES


def _count_transactions(ledger: Ledger) -> dict[str, int]:
    counts = {"write": 0, "read": 0}

    def trace(statement: str) -> None:
        text = statement.strip().upper()
        if text == "BEGIN IMMEDIATE":
            counts["write"] += 1
        elif text == "BEGIN":
            counts["read"] += 1

    ledger._db._conn.set_trace_callback(trace)  # white box: the transactions it opens
    return counts


@pytest.mark.parametrize("n", [2_000, 2_010])
def test_ledger_transactions_per_n_orders(tmp_path: Path, fake_time, monkeypatch, n: int):
    """A regression guard on the ledger's cost (no clock read): one read, one claim
    transaction per CLAIM_AHEAD batches, one group commit per COMMIT_BATCHES batches."""
    monkeypatch.setattr(bookkeeping, "COMMIT_SECONDS", 3600.0)  # only the count bound here
    seeka = FakeSeeka()
    engines = []
    with Ledger(tmp_path / "ledger.sqlite") as ledger:
        counts = _count_transactions(ledger)
        events = make_orders(0, n).seeka.to_events()
        creds = Credentials(ORG, KEY, endpoint="https://seeka.example/api/ingest")
        report = events.send(
            creds, ledger=ledger, rate=None,
            _seams=seams_for(seeka, fake_time, on_engine=engines.append),
        )  # fmt: skip
    assert report.ok and report.counts["sent"] == n
    batches = math.ceil(n / 20)
    commits = math.ceil(batches / COMMIT_BATCHES)
    assert engines[0].transactions == commits  # 100 batches: 13 commits, not 100
    claims = math.ceil(batches / CLAIM_AHEAD)
    # start_run + claims + group commits + finish_run; acknowledged() once, before the run
    assert counts == {"write": 1 + claims + commits + 1, "read": 1}


def test_an_answered_batch_is_committed_within_the_time_bound(tmp_path: Path, fake_time):
    """A batch answered while the next one is in flight is written after COMMIT_SECONDS
    (here patched to 0: the next turn of the loop), not only when a group fills up."""
    path = tmp_path / "ledger.sqlite"
    creds = Credentials(ORG, KEY, endpoint="https://seeka.example/api/ingest")
    scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
    seen_during_second: list[set[str]] = []

    class SlowSecond(FakeSeeka):
        async def post(self, url: str, content: bytes, headers: object) -> Response:
            if self.requests == 1:  # the second request: look at the ledger meanwhile
                with Ledger(path) as other:
                    for _ in range(200):
                        await asyncio.sleep(0)  # turns of the loop, not time
                        got = set(other.acknowledged(scope, [order_id(i) for i in range(20)]))
                        if got:
                            break
                seen_during_second.append(got)
            return await super().post(url, content, headers)

    old = bookkeeping.COMMIT_SECONDS
    bookkeeping.COMMIT_SECONDS = 0.0
    try:
        events = make_orders(0, 40).seeka.to_events()
        report = events.send(
            creds, ledger=path, rate=None, concurrency=1,
            _seams=seams_for(SlowSecond(), fake_time),
        )  # fmt: skip
    finally:
        bookkeeping.COMMIT_SECONDS = old
    assert report.ok
    assert seen_during_second == [{order_id(i) for i in range(20)}]


def test_the_bounds_are_the_ones_the_docs_promise():
    """docs/reliability.md states the group-commit bounds; they must match the code."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "reliability.md").read_text()
    assert f"`COMMIT_BATCHES` = {COMMIT_BATCHES}" in text
    assert f"`COMMIT_SECONDS` = {bookkeeping.COMMIT_SECONDS:g} s" in text
