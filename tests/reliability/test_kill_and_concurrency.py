"""Processes dying and racing: kill -9 mid-send then resume; two runs on one ledger.

The sandbox runs in the test process; the senders are ``send_child.py`` subprocesses.  Each
test runs on both ledger backends (an SQLite file, a PostgreSQL database on the session's
server).  The
test only polls their state (bounded loops); it never sleeps to wait for time to pass.

What "in flight" means at a kill: the engine claims the orders of ``CLAIM_AHEAD`` (25)
batches per ledger transaction before sending them, and a batch stays claimed until its
answer is recorded.  Claimed batches not yet posted were never seen by Seeka, so resuming
sends them for the first time, not again.  Only batches *posted but not yet recorded* can be
re-sent: the requests in flight (at most ``concurrency`` at a time) and the answered batches
whose outcomes wait for their group commit (at most ``COMMIT_BATCHES``).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from pg_server import wait_for_sessions_to_end
from rel_support import KEY, ORG, integrity, ledger_rows, make_orders, order_id

from seeka_nb import Credentials, Sandbox
from seeka_nb.adapters.ledger import Ledger, Scope
from seeka_nb.pipeline.bookkeeping import COMMIT_BATCHES
from seeka_nb.pipeline.engine import CLAIM_AHEAD

CHILD = str(Path(__file__).with_name("send_child.py"))
POLL = 0.02  # seconds between looks at a subprocess's progress
LIMIT = 90.0  # seconds any wait on a subprocess may take before the test fails


def _child(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, CHILD, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "TQDM_DISABLE": "1"},
    )


def _wait_until(condition, procs, what: str) -> None:
    give_up = time.monotonic() + LIMIT
    while not condition():
        for proc in procs:
            if proc.poll() is not None and proc.returncode != 0:
                raise AssertionError(f"child failed: {proc.communicate()[1][-3000:]}")
        if time.monotonic() > give_up:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(POLL)


def _quiet(sb: Sandbox) -> int:
    """Wait until the sandbox has handled everything it received; its request count."""
    last, stable = -1, 0
    give_up = time.monotonic() + 10
    while stable < 5 and time.monotonic() < give_up:
        now = sb.stats()["requests"]
        stable = stable + 1 if now == last else 0
        last = now
        time.sleep(POLL)
    return last


def test_kill_9_mid_send_then_resume(ledger_target, seams) -> None:
    n, concurrency = 5_000, 4
    ledger_path = ledger_target
    with Sandbox(rate_limit=None, latency=0.12) as sb:  # requests spend time in flight
        proc = _child(
            sb.ingest_url,
            str(ledger_path),
            "0",
            str(n),
            "--rate",
            "20",
            "--concurrency",
            str(concurrency),
        )
        try:
            _wait_until(lambda: sb.stats()["events_accepted"] >= 600, [proc], "first batches")
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.kill()
            proc.communicate(timeout=30)  # reaps it and closes its pipes
        assert proc.returncode == -signal.SIGKILL
        wait_for_sessions_to_end(ledger_path)
        before = _quiet(sb)
        child_stored = {r["activity_id"] for r in sb.event_records(all=True)}
        assert 600 <= len(child_stored) < n  # killed mid-run

        # the ledger as the dead process left it
        assert integrity(ledger_path) == "ok"
        creds = Credentials(ORG, KEY, endpoint=sb.ingest_url)
        scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        all_ids = [order_id(i) for i in range(n)]
        with Ledger(ledger_path) as ledger:
            acked = set(ledger.acknowledged(scope, all_ids))
            runs = ledger.runs()
        claimed = {row[0] for row in ledger_rows(ledger_path, "SELECT activity_id FROM claims")}
        assert len(runs) == 1 and runs["ended_at"].isna().all()  # it never finished
        assert acked <= child_stored  # the ledger never says sent for what Seeka lacks
        lost = child_stored - acked  # stored by Seeka, answer never recorded: in flight
        assert lost <= claimed  # in flight means claimed ...
        # ... and claims are bounded: claimed ahead, in flight, answered but not committed
        assert len(claimed) <= (CLAIM_AHEAD + concurrency + COMMIT_BATCHES) * 20

        # resume: the same send, in this process
        events = make_orders(0, n).seeka.to_events()
        report = events.send(creds, ledger=ledger_path, rate=None, concurrency=16, _seams=seams)
        assert report.ok, report
        assert report.counts["already_sent"] == len(acked)
        assert report.counts["sent"] == n - len(acked)
        stats = sb.stats()
        records = sb.event_records(all=True)

    assert stats["events_accepted"] == n  # every order accepted
    resent = [r for r in records if r["duplicate"]]
    assert {r["activity_id"] for r in resent} == lost  # exactly the in-flight ones, once each
    assert stats["duplicates"] == len(lost)
    in_flight_requests = {
        r["request"] for r in records if r["request"] <= before and r["activity_id"] in lost
    }
    # re-sent ≤ the batches in flight + those answered but waiting for their group commit
    assert len(in_flight_requests) <= concurrency + COMMIT_BATCHES
    assert stats["duplicates"] <= (concurrency + COMMIT_BATCHES) * 20
    assert integrity(ledger_path) == "ok"
    with Ledger(ledger_path) as ledger:
        assert ledger.orders(scope)["acknowledged"].sum() == n
    print(
        f"\nkill -9: {len(child_stored)} stored before the kill, {len(acked)} recorded, "
        f"{len(claimed)} claimed, {len(lost)} re-sent ({len(in_flight_requests)} requests)"
    )


def test_two_processes_with_overlapping_orders_share_a_ledger(
    tmp_path: Path, ledger_target
) -> None:
    ledger_path = ledger_target
    go = tmp_path / "go"
    with Sandbox(rate_limit=None, latency=0.002) as sb:
        url = sb.ingest_url
        a = _child(
            url, str(ledger_path), "0", "3000", "--ready", str(tmp_path / "a"), "--go", str(go)
        )
        b = _child(
            url,
            str(ledger_path),
            "1500",
            "4500",
            "--reverse",
            "--ready",
            str(tmp_path / "b"),
            "--go",
            str(go),
        )
        try:
            ready = [tmp_path / "a", tmp_path / "b"]
            _wait_until(lambda: all(p.exists() for p in ready), [a, b], "both children ready")
            go.touch()
            outs = []
            for proc in (a, b):
                out, err = proc.communicate(timeout=LIMIT)
                assert proc.returncode == 0, err[-3000:]
                outs.append(json.loads(out.strip().splitlines()[-1])["counts"])
        finally:
            for proc in (a, b):
                if proc.poll() is None:
                    proc.kill()
                    proc.communicate(timeout=10)
        stats = sb.stats()
    ca, cb = outs
    assert stats["duplicates"] == 0  # no order sent twice
    assert stats["events_accepted"] == 4500
    assert ca["sent"] + cb["sent"] == 4500
    overlap = 1500
    assert ca["duplicate"] + ca["already_sent"] + cb["duplicate"] + cb["already_sent"] == overlap
    for c in (ca, cb):
        assert c["failed"] == c["pending"] == c["rejected"] == 0
        assert sum(c.values()) == 3000
    assert integrity(ledger_path) == "ok"
    creds = Credentials(ORG, KEY, endpoint=url)
    with Ledger(ledger_path) as ledger:
        orders = ledger.orders(Scope(creds.endpoint, creds.org_id, creds.key_fingerprint))
        runs = ledger.runs()
    assert len(orders) == 4500 and orders["acknowledged"].all()
    assert len(runs) == 2 and runs["ended_at"].notna().all()
    print(f"\nconcurrent runs: A {ca}, B {cb}")


def test_claims_of_a_dead_run_on_another_host_expire(tmp_path: Path) -> None:
    """Claims of a dead run on another host expire with the lease (no pid to check)."""
    ledger_path, n = tmp_path / "l.sqlite", 3
    clock = [1_000.0]
    creds = Credentials(ORG, KEY, endpoint="http://127.0.0.1:9/api/ingest")
    scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
    ids = [order_id(i) for i in range(n)]
    with Ledger(ledger_path, clock=lambda: clock[0], host="elsewhere", pid=1) as other:
        run = other.start_run(scope, package_version="x", n_orders=n)
        assert other.claim(scope, run, ids) == ids
    with Ledger(ledger_path, clock=lambda: clock[0]) as mine:
        mine_run = mine.start_run(scope, package_version="x", n_orders=n)
        assert mine.claim(scope, mine_run, ids) == []  # alive as far as we can tell
        clock[0] += 61.0  # the lease (60 s) runs out without a heartbeat
        assert mine.claim(scope, mine_run, ids) == ids
