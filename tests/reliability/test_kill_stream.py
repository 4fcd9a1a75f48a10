"""kill -9 in the middle of a *streamed* send (a file read 700 rows at a time), then the same
streamed send again: nothing is lost, every order ends accepted by the sandbox, and only
the requests in flight at the kill (at most ``concurrency`` batches, plus the answered ones
waiting for their group commit, ``COMMIT_BATCHES``) are sent twice."""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

from rel_support import KEY, ORG, integrity, make_orders, order_id
from test_kill_and_concurrency import _child, _quiet, _wait_until

import seeka_nb
from seeka_nb import Credentials, Sandbox
from seeka_nb.adapters.ledger import Ledger, Scope
from seeka_nb.pipeline.bookkeeping import COMMIT_BATCHES
from seeka_nb.pipeline.engine import CLAIM_AHEAD

CHILD = str(Path(__file__).with_name("stream_child.py"))


def test_kill_9_mid_streamed_send_then_resume(tmp_path: Path, seams, monkeypatch) -> None:
    n, concurrency, chunk = 4_000, 4, 700
    csv = tmp_path / "orders.csv"
    make_orders(0, n).to_csv(csv, index=False)
    ledger_path = tmp_path / "ledger.sqlite"
    import test_kill_and_concurrency as kc

    monkeypatch.setattr(kc, "CHILD", CHILD)
    with Sandbox(rate_limit=None, latency=0.12) as sb:
        proc = _child(sb.ingest_url, str(ledger_path), str(csv), str(chunk), "--rate", "20",
                      "--concurrency", str(concurrency))  # fmt: skip
        try:
            # past the first chunk: the kill lands in a later chunk's engine
            _wait_until(lambda: sb.stats()["events_accepted"] >= 900, [proc], "first chunks")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        _quiet(sb)
        child_stored = {r["activity_id"] for r in sb.event_records(all=True)}
        assert 900 <= len(child_stored) < n  # killed mid-stream

        assert integrity(ledger_path) == "ok"
        creds = Credentials(ORG, KEY, endpoint=sb.ingest_url)
        scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        with Ledger(ledger_path) as ledger:
            acked = set(ledger.acknowledged(scope, [order_id(i) for i in range(n)]))
            runs = ledger.runs()
        conn = sqlite3.connect(ledger_path)
        claimed = {row[0] for row in conn.execute("SELECT activity_id FROM claims")}
        conn.close()
        assert len(runs) == 1 and runs["ended_at"].isna().all()  # one run for the stream
        assert acked <= child_stored
        lost = child_stored - acked  # stored by the sandbox, answer never recorded
        assert lost <= claimed
        assert len(claimed) <= (CLAIM_AHEAD + concurrency + COMMIT_BATCHES) * 20

        # resume: the same streamed send, in this process
        stream = seeka_nb.stream_orders(csv, chunksize=chunk)
        report = stream.send(creds, ledger=ledger_path, rate=None, concurrency=16, _seams=seams)
        assert report.ok, report
        assert report.counts["already_sent"] == len(acked)
        assert report.counts["sent"] == n - len(acked)
        assert len(report.to_frame()) == n  # one report row per order, across the chunks
        stats = sb.stats()
        records = sb.event_records(all=True)

    assert stats["events_accepted"] == n  # every order accepted
    resent = {r["activity_id"] for r in records if r["duplicate"]}
    assert resent == lost  # exactly the in-flight ones, once each
    # in flight: posted batches, plus answered ones waiting for their group commit
    assert stats["duplicates"] == len(lost) <= (concurrency + COMMIT_BATCHES) * 20
    with Ledger(ledger_path) as ledger:
        assert ledger.orders(scope)["acknowledged"].sum() == n
