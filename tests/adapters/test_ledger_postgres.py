"""PostgreSQL's own ledger rules, on the session's real server: the URL's password is never
shown, a missing psycopg is named, liveness across machines (session lock + lease, never a
pid), locks, a server that goes away, a database that is not a ledger.  The contract shared
with SQLite is in test_ledger.py (run there on both backends)."""

from __future__ import annotations

import subprocess
import sys
import time
from urllib.parse import urlsplit

import pytest
from fake_time import Sleeps
from hypothesis import given
from hypothesis import strategies as st
from pg_server import PASSWORD, PgServer, wait_for_sessions_to_end

from seeka_nb.adapters.ledger import LOCK_RETRIES, Ledger, LedgerError, Outcome, Scope
from seeka_nb.adapters.ledger.pg_text import from_db, to_db
from seeka_nb.adapters.ledger.postgres import RETRY_BASE, RETRY_CAP, mask_url, strip_password
from seeka_nb.errors import SeekaError

SCOPE = Scope("https://router.seeka.services/api/ingest", "org-1", "fp-prod-0a1b")


@pytest.fixture
def url(pg_server: PgServer) -> str:
    return pg_server.new_database()


def raw(url: str, statement: str) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement)
        return [tuple(r) for r in cur.fetchall()] if cur.description else []


def test_the_password_is_never_shown(url: str):
    assert PASSWORD in url
    with Ledger(url) as led:
        assert PASSWORD not in repr(led) and PASSWORD not in led.location
        assert ":***@" in led.location and led.backend == "postgresql"
        with pytest.raises(LedgerError, match="not a file") as err:
            _ = led.path
        assert PASSWORD not in str(err.value)
    assert PASSWORD not in repr(led) and repr(led).endswith("closed)")
    with pytest.raises(LedgerError, match="closed") as err:
        led.runs()
    assert PASSWORD not in str(err.value)


@pytest.mark.parametrize(
    "bad",
    [
        lambda u: u.replace(PASSWORD, PASSWORD + "-wrong"),  # authentication fails
        lambda u: u.replace("port=5432", "port=1"),  # no server there
        lambda u: u.replace("?host=", "?hostx="),  # an option libpq does not know
        lambda u: u.replace(PASSWORD, PASSWORD + "%zz"),  # libpq quotes the bad token
        lambda u: u.replace("postgresql://", "postgres://").replace("@/", "@/nodb_"),
    ],
)
def test_connection_errors_name_the_server_but_never_the_password(url: str, bad):
    target = bad(url)
    with pytest.raises(LedgerError) as err:
        Ledger(target)
    text = str(err.value)
    assert "Cannot connect to the PostgreSQL ledger" in text and "***" in text
    for needle in (PASSWORD, PASSWORD[4:], PASSWORD + "-wrong"):
        assert needle not in text
    assert err.value.__cause__ is None and err.value.__suppress_context__
    assert isinstance(err.value, SeekaError)


def test_masking_and_stripping_urls():
    assert mask_url("postgresql://u:p%40ss@h:5/db?sslmode=require") == (
        "postgresql://u:***@h:5/db?sslmode=require"
    )
    assert mask_url("postgres://h/db?user=u&password=s3cret&x=1") == (
        "postgres://h/db?user=u&password=***&x=1"
    )
    assert mask_url("postgresql://u@h/db") == "postgresql://u@h/db"
    assert strip_password("postgresql://u:secret@h/db?password=x") == "postgresql://u@h/db"


@given(st.text())
def test_stored_ids_round_trip_and_stay_apart(value: str):
    stored = to_db(value)
    assert from_db(stored) == value and "\x00" not in stored
    stored.encode("utf-8")  # PostgreSQL can hold it
    assert to_db(value + "\x00") != stored and to_db(value + "\\0") != to_db(value + "\x00")
    if value.isprintable() and "\\" not in value:
        assert stored == value  # real IDs are stored as written


def test_a_missing_psycopg_says_what_to_install(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(LedgerError, match=r'pip install "seeka_nb\[postgresql\]"') as err:
        Ledger(f"postgresql://u:{PASSWORD}@db.example/ledger")
    assert PASSWORD not in str(err.value)


def test_a_database_with_other_tables_is_not_a_ledger(url: str):
    raw(url, "CREATE TABLE customers (email TEXT)")
    with pytest.raises(LedgerError, match="not a seeka_nb ledger"):
        Ledger(url)


def test_the_urls_own_options_are_kept_and_a_search_path_picks_the_schema(url: str):
    raw(url, "CREATE SCHEMA jobs")
    raw(url, "CREATE TABLE public.customers (email TEXT)")  # public is not a ledger
    with Ledger(url + "&options=-csearch_path%3Djobs", busy_timeout=3) as led:
        led.start_run(SCOPE, package_version="0.1.0", n_orders=0)
        assert led._db.read(lambda c: c.execute("SHOW lock_timeout").fetchone()[0]) == "3s"
    assert raw(url, "SELECT COUNT(*) FROM jobs.runs") == [(1,)]
    with pytest.raises(LedgerError, match="not a seeka_nb ledger"):
        Ledger(url)


def test_times_come_from_the_servers_clock_by_default(url: str):
    before = time.time()
    with Ledger(url) as led:
        led.start_run(SCOPE, package_version="0.1.0", n_orders=0)
        started = led.runs().loc[0, "started_at"].timestamp()
    assert before - 5 < started < time.time() + 5


HOLDER = """
import sys
from seeka_nb.adapters.ledger import Ledger, Scope
led = Ledger(sys.argv[1], host="worker-1")
scope = Scope("https://router.seeka.services/api/ingest", "org-1", "fp-prod-0a1b")
run = led.start_run(scope, package_version="0.1.0", n_orders=1)
print(led.claim(scope, run, ["o1"]), flush=True)
sys.stdin.readline()
"""


def test_another_workers_claims_follow_its_session_and_lease_never_a_pid(url: str):
    """A run elsewhere (here: a child process) is alive while its connection holds the run's
    lock and its heartbeat is fresh; its pid and host name play no part."""
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDER, url], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "['o1']"
        # the same host name as ours and a pid that does not exist here: still alive
        raw(url, "UPDATE runs SET host = 'here', pid = 999999999")
        with Ledger(url, host="here") as me:
            run = me.start_run(SCOPE, package_version="0.1.0", n_orders=1)
            assert me.claim(SCOPE, run, ["o1"]) == []
        # the lease ends it even while its connection lives (a worker cut off, hung)
        later = time.time() + 61
        with Ledger(url, clock=lambda: later, lease_seconds=60) as me:
            run = me.start_run(SCOPE, package_version="0.1.0", n_orders=1)
            assert me.claim(SCOPE, run, ["o1"]) == ["o1"]
            me.release(run)
        # its connection closed (killed): taken over at once, heartbeat still fresh
        child.kill()
        child.wait(timeout=30)
        wait_for_sessions_to_end(url)
        with Ledger(url) as me:
            run = me.start_run(SCOPE, package_version="0.1.0", n_orders=1)
            assert me.claim(SCOPE, run, ["o1"]) == ["o1"]
    finally:
        child.kill()
        child.wait(timeout=30)


def test_a_lock_held_elsewhere_is_retried_then_named(url: str):
    import psycopg

    blocker = psycopg.connect(url, autocommit=True)
    sleeps = Sleeps()
    led = Ledger(url, sleep=sleeps, busy_timeout=0)
    try:
        run = led.start_run(SCOPE, package_version="0.1.0", n_orders=1)
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE runs IN ACCESS EXCLUSIVE MODE")
        with pytest.raises(LedgerError, match=r"stayed locked.*wait for it") as err:
            led.heartbeat(run)
        assert PASSWORD not in str(err.value) and "***" in str(err.value)
        assert sleeps.calls == [min(RETRY_CAP, RETRY_BASE * 2**n) for n in range(LOCK_RETRIES)]
        blocker.execute("ROLLBACK")
        led.heartbeat(run)  # usable again once the lock is gone
        # a lock that goes while waiting: the transaction is retried and succeeds
        blocker.execute("BEGIN")
        blocker.execute("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE")
        sleeps.calls.clear()
        sleeps.action = lambda n: n == 2 and blocker.execute("ROLLBACK")
        led.record(SCOPE, run, [Outcome("o1", "h", "sent", 202, 1, None)])
        assert len(sleeps.calls) == 2 and led.acknowledged(SCOPE, ["o1"]) == {"o1": "h"}
    finally:
        blocker.close()
        led.close()


def test_a_server_that_goes_away_gives_a_clear_error(url: str, pg_server: PgServer):
    led = Ledger(url)
    try:
        run = led.start_run(SCOPE, package_version="0.1.0", n_orders=1)
        pg_server.terminate_clients(urlsplit(url).path.strip("/"))
        with pytest.raises(LedgerError, match=r"went away.*run the send again") as err:
            led.record(SCOPE, run, [Outcome("o1", "h", "sent", 202, 1, None)])
        assert PASSWORD not in str(err.value) and err.value.__cause__ is None
        with pytest.raises(LedgerError, match="went away"):
            led.heartbeat(run)
    finally:
        led.close()
    with Ledger(url) as again:  # the record was never written; the run is not ended
        assert again.acknowledged(SCOPE, ["o1"]) == {}
