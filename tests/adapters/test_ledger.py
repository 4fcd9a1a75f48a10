"""The ledger contract: schema and migrations, claims across runs and processes, frames, no
personal data - on both backends (``ledger_target``: a real SQLite file in tmp_path, or a
fresh database on the session's real PostgreSQL server); SQLite's own files and locks.
Time and waiting are injected.  PostgreSQL's own rules: test_ledger_postgres.py."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import uuid
from contextlib import closing
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fake_time import Sleeps
from pg_server import wait_for_sessions_to_end

from seeka_nb.adapters.ledger import (
    LOCK_RETRIES,
    SCHEMA_VERSION,
    Ledger,
    LedgerError,
    Outcome,
    Scope,
    canonical_path,
    migrations,
    pg_migrations,
)
from seeka_nb.adapters.ledger.database import RETRY_BASE, RETRY_CAP
from seeka_nb.adapters.ledger.liveness import pid_alive
from seeka_nb.errors import SeekaError

PROD = Scope("https://router.seeka.services/api/ingest", "org-1", "fp-prod-0a1b")
SANDBOX = Scope("http://127.0.0.1:8765/api/ingest", "org-1", "fp-prod-0a1b")
OTHER_KEY = Scope("https://router.seeka.services/api/ingest", "org-1", "fp-other-9z")
HOST = "test-host"


class Clock:
    """UTC epoch seconds moved by hand."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / ".seeka" / "ledger.sqlite"


@pytest.fixture
def target(ledger_target):
    """An SQLite path or a PostgreSQL URL (the test runs once per backend)."""
    return ledger_target


@pytest.fixture
def ledger(target, clock: Clock):
    with Ledger(target, clock=clock, sleep=Sleeps(), host=HOST) as led:
        yield led


@pytest.fixture
def sqlite_ledger(db_path: Path, clock: Clock):
    with Ledger(db_path, clock=clock, sleep=Sleeps(), host=HOST) as led:
        yield led


def raw(target: Path | str, statement: str, params: tuple[Any, ...] = ()) -> list[tuple]:
    """Rows of one statement run on the ledger's database itself, either backend."""
    if not isinstance(target, str):
        with closing(sqlite3.connect(target, isolation_level=None)) as conn:
            return conn.execute(statement, params).fetchall()
    import psycopg

    with psycopg.connect(target, autocommit=True) as pg:
        cur = pg.execute(statement.replace("?", "%s"), params)
        return [tuple(row) for row in cur.fetchall()] if cur.description else []


def schema_module(target: Path | str) -> Any:
    return pg_migrations if isinstance(target, str) else migrations


def sent(activity_id: str, payload_hash: str = "h1", attempts: int = 1) -> Outcome:
    return Outcome(activity_id, payload_hash, "sent", 202, attempts, None)


def failed(activity_id: str, payload_hash: str = "h1", attempts: int = 3) -> Outcome:
    return Outcome(activity_id, payload_hash, "failed", 503, attempts, "HTTP 503 after 3 tries")


def dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# -- schema, files, migrations -------------------------------------------------------


def test_schema_created_in_wal_mode_with_a_version_row(sqlite_ledger: Ledger, db_path: Path, clock):
    ledger = sqlite_ledger
    assert ledger.path == db_path.resolve() and db_path.exists()
    with sqlite3.connect(db_path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in raw.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        rows = raw.execute("SELECT version, applied_at, package_version FROM schema_version")
        versions = rows.fetchall()
        assert raw.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert {"schema_version", "scopes", "runs", "orders", "claims"} <= tables
    assert [v[:2] for v in versions] == [(SCHEMA_VERSION, clock.now)] and SCHEMA_VERSION == 1
    assert isinstance(versions[0][2], str) and versions[0][2]


def test_reopening_keeps_everything(target, clock):
    with Ledger(target, clock=clock, host=HOST) as first:
        run = first.start_run(PROD, package_version="0.1.0", n_orders=1)
        first.record(PROD, run, [sent("o1")])
    clock.advance(10)
    with Ledger(str(target), clock=clock, host=HOST) as again:
        assert again.acknowledged(PROD, ["o1"]) == {"o1": "h1"}
        assert len(again.runs()) == 1
    assert raw(target, "SELECT COUNT(*) FROM schema_version") == [(1,)]


def test_a_newer_schema_is_refused_clearly(target):
    Ledger(target).close()
    raw(target, "INSERT INTO schema_version VALUES (99, 0, '9.9.9')")
    with pytest.raises(LedgerError, match=r"schema version 99.*newer.*Upgrade seeka_nb") as err:
        Ledger(target)
    assert isinstance(err.value, SeekaError)


def test_forward_migrations_apply_in_order(target, clock, monkeypatch):
    Ledger(target, clock=clock).close()
    schema = schema_module(target)
    monkeypatch.setitem(schema.MIGRATIONS, 2, ("ALTER TABLE runs ADD COLUMN note TEXT",))
    clock.advance(60)
    with Ledger(target, clock=clock) as led:
        run = led.start_run(PROD, package_version="0.2.0", n_orders=0)
        assert len(run) == 32
    rows = raw(target, "SELECT version, applied_at FROM schema_version ORDER BY version")
    assert rows == [(1, clock.now - 60), (2, clock.now)]
    assert raw(target, "SELECT note FROM runs") == [(None,)]  # the column exists


def test_files_that_are_not_ledgers_are_refused(tmp_path: Path):
    text = tmp_path / "notes.sqlite"
    text.write_text("not a database at all, " * 100)
    with pytest.raises(LedgerError, match="not a database"):
        Ledger(text)
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as raw:
        raw.execute("CREATE TABLE customers (email TEXT)")
    with pytest.raises(LedgerError, match="not a seeka_nb ledger"):
        Ledger(other)


def test_default_path_memory_and_lifecycle(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with Ledger() as led:
        assert led.path == tmp_path.resolve() / ".seeka" / "ledger.sqlite"
        assert repr(led) == f"Ledger({str(led.path)!r}, orders=0, sent=0, runs=0)"
    assert led.closed and repr(led).endswith("closed)")
    with pytest.raises(LedgerError, match="closed"):
        led.acknowledged(PROD, ["x"])
    led.close()  # idempotent
    mem = Ledger(":memory:")
    assert str(mem.path) == ":memory:" and mem.acknowledged(PROD, ["x"]) == {}
    mem.close()
    assert canonical_path(tmp_path / "a" / ".." / "b.sqlite") == (tmp_path / "b.sqlite").resolve()


# -- the send round trip ---------------------------------------------------------------


def test_round_trip_acknowledged_claim_record_finish(ledger: Ledger, clock):
    assert ledger.acknowledged(PROD, ["o1", "o2", "o3"]) == {}
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=3)
    assert ledger.claim(PROD, run, ["o1", "o2", "o3", "o1"]) == ["o1", "o2", "o3"]
    clock.advance(1)
    ledger.record(PROD, run, [sent("o1", "h1"), failed("o2", "h2")])
    assert ledger.acknowledged(PROD, ["o1", "o2", "o3", "o4"]) == {"o1": "h1"}
    ledger.finish_run(run, {"sent": 1, "failed": 1, "pending": 1})
    runs = ledger.runs()
    assert runs.loc[0, "counts"] == {"sent": 1, "failed": 1, "pending": 1}
    assert runs.loc[0, "ended_at"] == pd.Timestamp(clock.now, unit="s", tz="UTC")
    # a second run: o1 is done, o2 (failed) and o3 (claim released at finish) are claimable
    again = ledger.start_run(PROD, package_version="0.1.0", n_orders=3)
    assert ledger.claim(PROD, again, ["o1", "o2", "o3"]) == ["o2", "o3"]
    assert "orders=2, sent=1, runs=2" in repr(ledger)


def test_scopes_isolate_sandbox_and_other_keys(ledger: Ledger):
    run = ledger.start_run(SANDBOX, package_version="0.1.0", n_orders=1)
    assert ledger.claim(SANDBOX, run, ["o1"]) == ["o1"]
    ledger.record(SANDBOX, run, [sent("o1")])
    assert ledger.acknowledged(SANDBOX, ["o1"]) == {"o1": "h1"}
    assert ledger.acknowledged(PROD, ["o1"]) == {}
    assert ledger.acknowledged(OTHER_KEY, ["o1"]) == {}
    prod_run = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    assert ledger.claim(PROD, prod_run, ["o1"]) == ["o1"]
    with pytest.raises(LedgerError, match="another scope"):
        ledger.claim(SANDBOX, prod_run, ["o2"])


def test_attempts_add_up_and_first_sent_at_is_kept(ledger: Ledger, clock):
    t0 = clock.now
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=2)
    ledger.record(PROD, run, [failed("o1", attempts=3)])
    clock.advance(5)
    ledger.record(PROD, run, [sent("o1", attempts=1)])
    clock.advance(100)
    ledger.record(PROD, run, [sent("o1", "h2", attempts=2)])  # resent (changed payload)
    row = ledger.sent().iloc[0]
    assert row["attempts"] == 6 and row["payload_hash"] == "h2"
    assert row["first_sent_at"] == pd.Timestamp(t0 + 5, unit="s", tz="UTC")
    assert row["last_sent_at"] == pd.Timestamp(t0 + 105, unit="s", tz="UTC")


def test_a_failed_resend_never_erases_the_acknowledgement(ledger: Ledger):
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    ledger.record(PROD, run, [sent("o1", "old")])
    ledger.record(PROD, run, [failed("o1", "new")])
    assert ledger.acknowledged(PROD, ["o1"]) == {"o1": "old"}
    order = ledger.orders(PROD).iloc[0]
    assert (order["status"], order["payload_hash"], order["acknowledged"]) == (
        "failed",
        "new",
        True,
    )
    assert order["sent_hash"] == "old" and order["http_status"] == 503
    assert ledger.sent()["payload_hash"].tolist() == ["old"]


def test_outcomes_and_arguments_are_checked(ledger: Ledger):
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    bad = [
        Outcome("o1", "h", "already_sent", None, 0, None),
        Outcome(12345, "h", "sent", 202, 1, None),  # type: ignore[arg-type]
        Outcome("o1", "", "sent", 202, 1, None),
        Outcome("o1", "h", "sent", 2020, 1, None),
        Outcome("o1", "h", "sent", 202, -1, None),
    ]
    for outcome in bad:
        with pytest.raises(LedgerError):
            ledger.record(PROD, run, [sent("ok"), outcome])
    assert ledger.orders().empty  # nothing half-written
    with pytest.raises(LedgerError, match="strings"):
        ledger.claim(PROD, run, [1, 2])  # type: ignore[list-item]
    with pytest.raises(LedgerError, match="not a single string"):
        ledger.acknowledged(PROD, "o1")
    with pytest.raises(LedgerError, match="Unknown run"):
        ledger.claim(PROD, "nope", ["o1"])
    with pytest.raises(LedgerError, match="Unknown run"):
        ledger.heartbeat("nope")
    with pytest.raises(LedgerError, match="Unknown run"):
        ledger.finish_run("nope", {})
    with pytest.raises(LedgerError, match="counts"):
        ledger.finish_run(run, {"sent": -1})
    with pytest.raises(LedgerError, match="resend"):
        ledger.claim(PROD, run, ["o1"], resend="sometimes")
    with pytest.raises(LedgerError, match="non-empty"):
        Scope("", "org", "fp")
    ledger.finish_run(run, {})
    with pytest.raises(LedgerError, match="has finished"):
        ledger.claim(PROD, run, ["o1"])


def test_long_errors_are_truncated(ledger: Ledger):
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    ledger.record(PROD, run, [Outcome("o1", "h", "rejected", 422, 1, "x" * 5000)])
    error = ledger.orders().loc[0, "error"]
    assert 100 < len(error) <= 500 and error.endswith("…")


def test_ids_and_errors_with_nul_backslashes_and_lone_surrogates(ledger: Ledger):
    """Both backends keep every ID apart and give it back as given (PostgreSQL's text holds
    no NUL: the ledger escapes it there, and lone surrogates, see test_ledger_postgres.py);
    an error text holding NUL is stored readable."""
    ids = ["a\x00b", "a", "x\\0y", "x\x00y", "back\\slash", "é\u2028", "\\u0041"]
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=len(ids))
    assert ledger.claim(PROD, run, [*ids, "a"]) == ids  # in order, each once
    other = ledger.start_run(PROD, package_version="0.1.0", n_orders=2)
    assert ledger.claim(PROD, other, ["a\x00b", "a\x00c"]) == ["a\x00c"]
    ledger.record(PROD, run, [sent(i, payload_hash=f"h{k}") for k, i in enumerate(ids)])
    assert ledger.acknowledged(PROD, [*ids, "a\x00c"]) == {i: f"h{k}" for k, i in enumerate(ids)}
    assert sorted(ledger.orders()["activity_id"]) == sorted(ids)
    assert sorted(ledger.sent()["activity_id"]) == sorted(ids)
    ledger.record(PROD, other, [Outcome("a\x00c", "h", "rejected", 422, 1, "bad\x00 x")])
    assert ledger.orders().set_index("activity_id").loc["a\x00c", "error"].endswith(" x")
    assert ledger.forget(["a\x00b", "\\u0041"]) == 2
    assert set(ledger.acknowledged(PROD, ids)) == set(ids) - {"a\x00b", "\\u0041"}


# -- claims ----------------------------------------------------------------------------


def test_acknowledged_ids_are_not_claimable_unless_resending(ledger: Ledger):
    first = ledger.start_run(PROD, package_version="0.1.0", n_orders=2)
    ledger.record(PROD, first, [sent("o1", "h1"), sent("o2", "h2")])
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=3)
    assert ledger.claim(PROD, run, ["o1", "o2", "o3"]) == ["o3"]
    changed = {"o1": "h1", "o2": "h2-changed"}
    assert ledger.claim(PROD, run, ["o1", "o2"], resend="changed", payload_hashes=changed) == ["o2"]
    assert ledger.claim(PROD, run, ["o1", "o2", "o3"], resend="all") == ["o1", "o2", "o3"]
    with pytest.raises(LedgerError, match="payload_hashes"):
        ledger.claim(PROD, run, ["o1"], resend="changed")


def test_in_flight_ids_wait_for_a_live_run_until_it_ends(target, clock):
    with (
        Ledger(target, clock=clock, host=HOST) as a,
        Ledger(target, clock=clock, host=HOST) as b,
    ):
        run_a = a.start_run(PROD, package_version="0.1.0", n_orders=3)
        run_b = b.start_run(PROD, package_version="0.1.0", n_orders=3)
        assert a.claim(PROD, run_a, ["o1", "o2"]) == ["o1", "o2"]
        assert b.claim(PROD, run_b, ["o1", "o2", "o3"]) == ["o3"]
        assert a.claim(PROD, run_a, ["o1", "o3"]) == ["o1"]  # re-claiming its own is fine
        a.record(PROD, run_a, [failed("o1")])  # releases o1
        assert b.claim(PROD, run_b, ["o1", "o2"]) == ["o1"]
        a.release(run_a, ["o2"])
        assert b.claim(PROD, run_b, ["o2"]) == ["o2"]
        b.release(run_b)
        assert a.claim(PROD, run_a, ["o1", "o2", "o3"]) == ["o1", "o2", "o3"]
        a.finish_run(run_a, {"pending": 2})
        assert b.claim(PROD, run_b, ["o1", "o2"]) == ["o1", "o2"]


def test_claims_of_a_run_with_an_expired_heartbeat_are_taken_over(target, clock):
    with (
        Ledger(target, clock=clock, host="host-a", lease_seconds=60) as a,
        Ledger(target, clock=clock, host="host-b", lease_seconds=60) as b,
    ):
        run_a = a.start_run(PROD, package_version="0.1.0", n_orders=1)
        run_b = b.start_run(PROD, package_version="0.1.0", n_orders=1)
        assert a.claim(PROD, run_a, ["o1"]) == ["o1"]
        clock.advance(50)
        a.heartbeat(run_a)
        clock.advance(50)  # 50 s since the heartbeat: alive
        assert b.claim(PROD, run_b, ["o1"]) == []
        clock.advance(11)  # 61 s: dead
        assert b.claim(PROD, run_b, ["o1"]) == ["o1"]
        # a's late answer is still recorded (it was really sent); b's claim is untouched
        a.record(PROD, run_a, [sent("o1")])
        assert a.acknowledged(PROD, ["o1"]) == {"o1": "h1"}


def test_claims_of_a_dead_process_on_this_host_are_taken_over_at_once(db_path: Path, clock):
    gone = dead_pid()
    assert not pid_alive(gone)
    with (
        Ledger(db_path, clock=clock, host=HOST, pid=gone) as crashed,
        Ledger(db_path, clock=clock, host="elsewhere", pid=gone) as remote,
        Ledger(db_path, clock=clock, host=HOST) as me,
    ):
        run_dead = crashed.start_run(PROD, package_version="0.1.0", n_orders=2)
        run_remote = remote.start_run(PROD, package_version="0.1.0", n_orders=2)
        run_me = me.start_run(PROD, package_version="0.1.0", n_orders=2)
        assert crashed.claim(PROD, run_dead, ["o1"]) == ["o1"]
        assert remote.claim(PROD, run_remote, ["o2"]) == ["o2"]
        # same host, process gone: taken over; another host: only the lease can tell
        assert me.claim(PROD, run_me, ["o1", "o2"]) == ["o1"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_a_killed_child_not_yet_reaped_counts_as_dead():
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert pid_alive(proc.pid)
        proc.kill()
        os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOWAIT)  # a zombie now
        assert not pid_alive(proc.pid)
    finally:
        proc.kill()
        proc.wait()
    assert pid_alive(os.getpid()) and not pid_alive(0) and not pid_alive(-1)


KILLED_SENDER = """
import os, signal, sys
from seeka_nb.adapters.ledger import Ledger, Outcome, Scope
scope = Scope(*sys.argv[2:5])
led = Ledger(sys.argv[1])
run = led.start_run(scope, package_version="0.1.0", n_orders=60)
ids = [f"o{i}" for i in range(60)]
for start in (0, 20):
    batch = led.claim(scope, run, ids[start:start + 20])
    led.record(scope, run, [Outcome(i, "h", "sent", 202, 1, None) for i in batch])
led.claim(scope, run, ids[40:])  # in flight when killed
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_kill_9_mid_run_loses_nothing_acknowledged_and_frees_its_claims(target):
    Ledger(target).close()
    args = [str(target), PROD.endpoint, PROD.org_id, PROD.key_fingerprint]
    done = subprocess.run([sys.executable, "-c", KILLED_SENDER, *args], timeout=120)
    assert done.returncode == -signal.SIGKILL
    wait_for_sessions_to_end(target)
    ids = [f"o{i}" for i in range(60)]
    with Ledger(target) as led:
        assert set(led.acknowledged(PROD, ids)) == set(ids[:40])
        run = led.start_run(PROD, package_version="0.1.0", n_orders=60)
        assert led.claim(PROD, run, ids) == ids[40:]  # only the batch in flight again
        killed = led.runs().iloc[0]
        assert pd.isna(killed["ended_at"]) and killed["pid"] != os.getpid()
    if not isinstance(target, str):
        assert raw(target, "PRAGMA integrity_check") == [("ok",)]


def test_two_ledgers_in_threads_never_claim_an_id_twice(target):
    Ledger(target).close()
    ids = [f"o{i}" for i in range(600)]
    claimed: dict[str, list[str]] = {}
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def sender(name: str, seed: int) -> None:
        try:
            mine = ids[:]
            random.Random(seed).shuffle(mine)
            with Ledger(target, sleep=lambda s: None, busy_timeout=5.0) as led:
                run = led.start_run(PROD, package_version="0.1.0", n_orders=len(mine))
                got: list[str] = []
                barrier.wait(timeout=30)
                for start in range(0, len(mine), 20):
                    batch = led.claim(PROD, run, mine[start : start + 20])
                    got.extend(batch)
                    led.record(PROD, run, [sent(i) for i in batch])
                led.finish_run(run, {"sent": len(got)})
                claimed[name] = got
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=sender, args=(n, s)) for n, s in (("a", 1), ("b", 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors and all(not t.is_alive() for t in threads)
    together = claimed["a"] + claimed["b"]
    assert len(together) == len(set(together)) == len(ids)
    with Ledger(target) as led:
        assert len(led.sent()) == len(ids) and (led.sent()["attempts"] == 1).all()


CONCURRENT_SENDER = """
import json, random, sys
from seeka_nb.adapters.ledger import Ledger, Outcome, Scope
path, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
scope = Scope("https://e.example/api/ingest", "org-1", "fp")
ids = [f"o{i}" for i in range(1500)]
random.Random(seed).shuffle(ids)
got = []
with Ledger(path) as led:
    run = led.start_run(scope, package_version="0.1.0", n_orders=len(ids))
    for start in range(0, len(ids), 20):
        batch = led.claim(scope, run, ids[start:start + 20])
        got += batch
        led.record(scope, run, [Outcome(i, "h", "sent", 202, 1, None) for i in batch])
    led.finish_run(run, {"sent": len(got)})
with open(out, "w") as f:
    json.dump(got, f)
"""


def test_processes_sharing_a_ledger_never_claim_an_id_twice(target, tmp_path: Path):
    Ledger(target).close()
    outs = [tmp_path / f"claimed{n}.json" for n in range(3)]
    procs = [
        subprocess.Popen([sys.executable, "-c", CONCURRENT_SENDER, str(target), str(n), str(out)])
        for n, out in enumerate(outs)
    ]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0]
    together = [i for out in outs for i in json.loads(out.read_text())]
    assert len(together) == len(set(together)) == 1500
    assert raw(target, "SELECT COUNT(*), SUM(attempts) FROM orders") == [(1500, 1500)]


def test_one_ledger_shared_by_threads(ledger: Ledger):
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=400)

    def work(k: int) -> None:
        for i in range(50):
            activity_id = f"t{k}-{i}"
            ledger.claim(PROD, run, [activity_id])
            ledger.record(PROD, run, [sent(activity_id)])
            ledger.heartbeat(run)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(ledger.sent()) == 400


# -- locks -----------------------------------------------------------------------------


def _blocked_ledger(db_path: Path, sleeps: Sleeps) -> tuple[Ledger, str, sqlite3.Connection]:
    """A ledger with one run, and another connection holding the write lock."""
    led = Ledger(db_path, sleep=sleeps, busy_timeout=0, host=HOST)
    run = led.start_run(PROD, package_version="0.1.0", n_orders=1)
    led.record(PROD, run, [sent("o1")])
    blocker = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    blocker.execute("BEGIN IMMEDIATE")
    blocker.execute("UPDATE runs SET host = host")
    return led, run, blocker


def test_a_locked_write_is_retried_until_the_lock_goes(db_path: Path):
    holder: list[sqlite3.Connection] = []
    sleeps = Sleeps(action=lambda n: n == 3 and holder[0].execute("COMMIT"))
    led, run, blocker = _blocked_ledger(db_path, sleeps)
    holder.append(blocker)
    try:
        assert led.acknowledged(PROD, ["o1"]) == {"o1": "h1"}  # WAL: reads never wait
        assert sleeps.calls == []
        led.record(PROD, run, [sent("o2")])
        assert sleeps.calls == [RETRY_BASE, RETRY_BASE * 2, RETRY_BASE * 4]
        assert set(led.acknowledged(PROD, ["o1", "o2"])) == {"o1", "o2"}
    finally:
        blocker.close()
        led.close()


def test_a_lock_that_never_goes_gives_a_clear_error_after_its_bound(db_path: Path):
    sleeps = Sleeps()
    led, run, blocker = _blocked_ledger(db_path, sleeps)
    try:
        with pytest.raises(LedgerError, match=r"stayed locked.*another ledger path") as err:
            led.heartbeat(run)
        assert str(db_path.resolve()) in str(err.value)
        assert len(sleeps.calls) == LOCK_RETRIES
        assert sleeps.calls == [min(RETRY_CAP, RETRY_BASE * 2**n) for n in range(LOCK_RETRIES)]
        blocker.execute("ROLLBACK")
        led.heartbeat(run)  # usable again once the lock is gone
    finally:
        blocker.close()
        led.close()
    with Ledger(db_path, sleep=Sleeps(), busy_timeout=0, lock_retries=0) as none:
        other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
        other.execute("BEGIN IMMEDIATE")
        try:
            with pytest.raises(LedgerError, match=r"1 attempts"):
                none.heartbeat(run)
        finally:
            other.close()


# -- inspecting and undoing ------------------------------------------------------------

TEXT = pd.api.types.is_string_dtype


def _is_utc(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.DatetimeTZDtype) and str(series.dtype.tz) == "UTC"


def _check_sent(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == [
        "activity_id", "payload_hash", "endpoint", "org_id", "key_fingerprint",
        "first_sent_at", "last_sent_at", "attempts", "run_id",
    ]  # fmt: skip
    for name in ("activity_id", "payload_hash", "endpoint", "org_id", "key_fingerprint", "run_id"):
        assert TEXT(frame[name]), name
    assert _is_utc(frame["first_sent_at"]) and _is_utc(frame["last_sent_at"])
    assert frame["attempts"].dtype == "int64"


def _check_runs(frame: pd.DataFrame) -> None:
    assert list(frame.columns)[:11] == [
        "run_id", "started_at", "ended_at", "endpoint", "org_id", "key_fingerprint",
        "package_version", "n_orders", "dry_run", "counts", "pid",
    ]  # fmt: skip
    assert "host" in frame.columns
    assert _is_utc(frame["started_at"]) and _is_utc(frame["ended_at"])
    assert frame["n_orders"].dtype == "int64" and frame["pid"].dtype == "int64"
    assert frame["dry_run"].dtype == "bool" and frame["counts"].dtype == "object"
    for name in ("run_id", "endpoint", "org_id", "package_version", "host"):
        assert TEXT(frame[name]), name


def _check_orders(frame: pd.DataFrame) -> None:
    assert {"activity_id", "status", "payload_hash", "http_status", "attempts", "error",
            "first_sent_at", "last_sent_at", "run_id", "endpoint", "org_id",
            "key_fingerprint", "acknowledged"} <= set(frame.columns)  # fmt: skip
    assert frame["http_status"].dtype == "Int64" and frame["attempts"].dtype == "int64"
    assert frame["acknowledged"].dtype == "bool" and _is_utc(frame["updated_at"])


def test_frames_have_their_columns_and_dtypes_empty_or_not(ledger: Ledger, clock):
    _check_sent(ledger.sent())
    _check_runs(ledger.runs())
    _check_orders(ledger.orders())
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=3, dry_run=False)
    ledger.record(
        PROD, run, [sent("o1"), failed("o2"), Outcome("o3", "h", "pending", None, 0, None)]
    )
    ledger.finish_run(run, {"sent": 1, "failed": 1, "pending": 1})
    clock.advance(1)
    dry = ledger.start_run(SANDBOX, package_version="0.1.0", n_orders=3, dry_run=True)
    frame = ledger.sent()
    _check_sent(frame)
    assert frame[["activity_id", "endpoint", "run_id"]].values.tolist() == [
        ["o1", PROD.endpoint, run]
    ]
    runs = ledger.runs()
    _check_runs(runs)
    assert runs["run_id"].tolist() == [run, dry] and runs["dry_run"].tolist() == [False, True]
    assert runs.loc[1, "counts"] == {} and pd.isna(runs.loc[1, "ended_at"])
    assert runs.loc[0, "host"] == HOST and runs.loc[0, "pid"] == os.getpid()
    orders = ledger.orders()
    _check_orders(orders)
    assert orders.set_index("activity_id")["status"].to_dict() == {
        "o1": "sent", "o2": "failed", "o3": "pending",
    }  # fmt: skip
    assert orders["http_status"].isna().tolist() == [False, False, True]
    assert ledger.orders(SANDBOX).empty and len(ledger.orders(PROD)) == 3
    assert ledger.orders(OTHER_KEY).empty


def test_sent_filters_and_forget(ledger: Ledger):
    for scope in (PROD, SANDBOX):
        run = ledger.start_run(scope, package_version="0.1.0", n_orders=2)
        ledger.record(scope, run, [sent("o1"), sent("o2")])
    assert len(ledger.sent()) == 4
    assert set(ledger.sent(endpoint=SANDBOX.endpoint)["endpoint"]) == {SANDBOX.endpoint}
    assert len(ledger.sent(org_id="org-1")) == 4 and ledger.sent(org_id="org-2").empty
    assert ledger.forget(["o1"], endpoint=SANDBOX.endpoint) == 1
    assert ledger.acknowledged(SANDBOX, ["o1", "o2"]) == {"o2": "h1"}
    assert ledger.acknowledged(PROD, ["o1", "o2"]) == {"o1": "h1", "o2": "h1"}
    assert ledger.forget(["o1", "o2", "unknown"]) == 3
    assert ledger.sent().empty
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    assert ledger.claim(PROD, run, ["o1"]) == ["o1"]  # forgotten: sendable again


# -- no personal data, no key ----------------------------------------------------------


def _stored_bytes(target: Path | str, request: pytest.FixtureRequest) -> tuple[bytes, bytes]:
    """What the ledger's database keeps on disk: (its own files, the write-ahead log).
    PostgreSQL: after a checkpoint, the files of the ledger's tables, indexes and TOAST, and
    the server's WAL (which also holds the system catalogs' words, so it is searched for
    exact spellings only)."""
    if not isinstance(target, str):
        files = b"".join(
            p.read_bytes() for p in target.parent.iterdir() if p.name.startswith(target.name)
        )
        return files, b""
    server = request.getfixturevalue("pg_server")
    server.admin("CHECKPOINT")
    relations = raw(
        target,
        "SELECT pg_relation_filepath(c.oid) FROM pg_class c JOIN pg_namespace n"
        " ON n.oid = c.relnamespace WHERE n.nspname IN (current_schema(), 'pg_toast')"
        " AND pg_relation_filepath(c.oid) IS NOT NULL",
    )
    files = b"".join(
        p.read_bytes() for (rel,) in relations for p in server.data.glob(rel + "*") if p.is_file()
    )
    wal = b"".join(p.read_bytes() for p in (server.data / "pg_wal").glob("0*") if p.is_file())
    return files, wal


def _all_texts(target: Path | str) -> set[str]:
    if isinstance(target, str):
        query = (
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    else:
        query = "SELECT name FROM sqlite_master WHERE type='table'"
    tables = [r[0] for r in raw(target, query)]
    return {
        value
        for table in tables
        for row in raw(target, f"SELECT * FROM {table}")
        for value in row
        if isinstance(value, str)
    }


def test_the_database_holds_no_personal_data_nor_the_key(target, clock, request):
    key = "pk_live_SECRETKEY_zz9f3a41c7"
    customers = [
        {"email": "jane.doe@example.com", "phone": "+61422333444", "first": "Jane", "last": "Doe"},
        {"email": "omar.khalil@example.org", "phone": "+442071838750", "first": "Omar",
         "last": "Khalilovich"},
    ]  # fmt: skip
    fingerprint = hashlib.sha256(key.encode()).hexdigest()[:16]
    scope = Scope(PROD.endpoint, "org-777", fingerprint)
    stored_by_us: set[str] = {scope.endpoint, scope.org_id, fingerprint, HOST, "0.1.0"}
    with Ledger(target, clock=clock, host=HOST) as led:
        run = led.start_run(scope, package_version="0.1.0", n_orders=2)
        stored_by_us.add(run)
        outcomes = []
        for n, person in enumerate(customers):
            body = json.dumps({"ev": {"id": {"email": [person["email"]]}, "n": n}}, sort_keys=True)
            digest = hashlib.sha256(body.encode()).hexdigest()
            status, error = ("sent", None) if n == 0 else ("rejected", "HTTP 422: invalid phone")
            outcomes.append(Outcome(f"order_{n}", digest, status, 202 if n == 0 else 422, 1, error))
            stored_by_us |= {f"order_{n}", digest, status} | ({error} if error else set())
        led.claim(scope, run, [o.activity_id for o in outcomes])
        led.record(scope, run, outcomes)
        led.finish_run(run, {"sent": 1, "rejected": 1})
        stored_by_us.add(json.dumps({"rejected": 1, "sent": 1}, sort_keys=True))
        # every text value in every table is one we passed (or the ledger's own bookkeeping)
        texts = _all_texts(target)
    package_versions = {t for t in texts if t.count(".") == 2 and t.replace(".", "").isdigit()}
    assert texts - package_versions <= stored_by_us, texts - stored_by_us
    stored, wal = _stored_bytes(target, request)
    needles = [key, key[-12:], *(v for person in customers for v in person.values())]
    if isinstance(target, str):  # nor the password of the ledger's own URL
        needles.append(target.split(":", 2)[2].split("@")[0])
    for needle in needles:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert needle.encode(encoding) not in stored, needle
        assert needle.encode() not in wal, needle  # PostgreSQL's WAL holds UTF-8
        assert needle.lower().encode() not in stored.lower(), needle


# -- size --------------------------------------------------------------------------------


def test_acknowledged_over_300k_ids_uses_one_temp_table_not_huge_in_lists(sqlite_ledger: Ledger):
    ledger = sqlite_ledger
    ids = [f"order-{i:06d}" for i in range(300_000)]
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=len(ids))
    ledger.record(PROD, run, [sent(i, payload_hash=i[-3:]) for i in ids[::2]])
    statements: list[str] = []
    ledger._db._conn.set_trace_callback(statements.append)  # white box: how it asks
    try:
        found = ledger.acknowledged(PROD, [*ids, *(f"x{uuid.uuid4().hex}" for _ in range(10))])
    finally:
        ledger._db._conn.set_trace_callback(None)
    assert len(found) == 150_000 and found["order-000002"] == "002"
    assert "order-000001" not in found
    # the trace shows statements with their values: the IDs arrive as one JSON array that
    # SQLite unpacks (json_each), never as an IN (?, ?, ...) list; none in the SELECT
    assert [s for s in statements if s.count("order-") > 1 and "json_each(" not in s] == []
    assert sum("json_each(" in s for s in statements) == 1
    assert sum(s.lstrip().upper().startswith("SELECT") for s in statements) <= 3


def test_ids_json_cannot_carry_take_the_slow_path_unchanged(db_path: Path, clock: Clock):
    """IDs travel to SQLite as one JSON array, except those JSON functions would change (a
    NUL ends a string there): "a\\x00b" must stay distinct from "a", in every operation.
    (SQLite only: PostgreSQL text cannot hold a NUL at all.)"""
    with Ledger(db_path, clock=clock, host=HOST) as ledger:
        _nul_ids_round_trip(ledger)


def _nul_ids_round_trip(ledger: Ledger) -> None:
    ids = ["a\x00b", "a", "x\\u0000y", "plain", "é\u2028"]
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=len(ids))
    assert ledger.claim(PROD, run, [*ids, "a"]) == ids  # in order, each once
    other = ledger.start_run(PROD, package_version="0.1.0", n_orders=1)
    assert ledger.claim(PROD, other, ["a\x00b", "a\x00c"]) == ["a\x00c"]
    ledger.record(PROD, run, [sent(i, payload_hash=f"h{k}") for k, i in enumerate(ids)])
    assert ledger.acknowledged(PROD, [*ids, "a\x00c"]) == {i: f"h{k}" for k, i in enumerate(ids)}
    assert set(ledger.orders()["activity_id"]) == set(ids)
    claims = ledger._db.read(lambda c: c.execute("SELECT activity_id FROM claims").fetchall())
    assert claims == [("a\x00c",)]  # the recorded ones were released, the other run's kept
    ledger.release(other, ["a\x00c"])
    assert ledger._db.read(lambda c: c.execute("SELECT COUNT(*) FROM claims").fetchone()) == (0,)
    assert ledger.forget(["a\x00b"]) == 1
    assert set(ledger.acknowledged(PROD, ids)) == set(ids) - {"a\x00b"}


def test_record_keeps_the_order_of_outcomes_for_one_id(ledger: Ledger):
    """Outcomes are written in runs of equal status: a later outcome of the same ID in one
    call still wins, as with one statement per outcome."""
    run = ledger.start_run(PROD, package_version="0.1.0", n_orders=2)
    ledger.record(PROD, run, [failed("o1"), sent("o2"), sent("o1", "h9"), failed("o2")])
    orders = ledger.orders().set_index("activity_id")
    assert orders.loc["o1", "status"] == "sent" and orders.loc["o2", "status"] == "failed"
    assert orders.loc["o1", "attempts"] == 4 and orders.loc["o2", "attempts"] == 4
    assert ledger.acknowledged(PROD, ["o1", "o2"]) == {"o1": "h9", "o2": "h1"}
