"""Sends with a PostgreSQL ledger (``ledger="postgresql://..."``), on the session's real
server: a re-run sends nothing; a server that goes away mid-send ends the run with a report
in which nothing acknowledged is lost; the URL's password never reaches a report, a repr,
a pickle, a log line or the CLI's output.  Seeka is :class:`FakeSeeka` on fake time."""

from __future__ import annotations

import logging
import pickle
from urllib.parse import urlsplit

import cloudpickle
import pytest
from pg_server import PASSWORD, PgServer
from rel_support import KEY, ORG, make_orders, order_id
from seeka_fakes import FakeSeeka, seams_for

import seeka_nb
from seeka_nb import Credentials, Ledger
from seeka_nb.adapters.ledger import LedgerError, Scope
from seeka_nb.adapters.transport import Response
from seeka_nb.pipeline.options import SendOptions

URL = "http://127.0.0.1:9/api/ingest"  # never contacted: FakeSeeka answers


@pytest.fixture
def url(pg_server: PgServer) -> str:
    return pg_server.new_database()


def creds() -> Credentials:
    return Credentials(ORG, KEY, endpoint=URL)


def acked(url: str, n: int) -> set[str]:
    c = creds()
    with Ledger(url) as ledger:
        scope = Scope(c.endpoint, c.org_id, c.key_fingerprint)
        return set(ledger.acknowledged(scope, [order_id(i) for i in range(n)]))


def test_a_send_with_a_postgresql_ledger_then_a_rerun_sends_nothing(url: str, fake_time):
    events = make_orders(0, 300).seeka.to_events()
    fake = FakeSeeka()
    first = events.send(creds(), ledger=url, _seams=seams_for(fake, fake_time))
    assert first.ok and first.counts["sent"] == 300
    again = events.send(creds(), ledger=url, _seams=seams_for(fake, fake_time))
    assert again.ok and again.counts["already_sent"] == 300 and fake.requests == 15
    with Ledger(url.replace("postgresql://", "postgres://")) as ledger:  # both spellings
        runs = ledger.runs()
        assert len(runs) == 2 and runs["ended_at"].notna().all()
        assert runs["counts"].tolist() == [{"sent": 300}, {"already_sent": 300}]
    for text in (repr(first), first.to_frame().to_csv(), str(first.summary())):
        assert PASSWORD not in text


@pytest.mark.parametrize("how", ["connection killed", "server stopped"])
def test_a_server_that_goes_away_mid_send_ends_with_a_report(
    url: str, pg_server: PgServer, fake_time, how: str, caplog: pytest.LogCaptureFixture
):
    """The ledger's server goes away while batch 10 is in flight: the send returns a report
    (no traceback), Seeka's acceptances are either recorded or listed in ``unrecorded``, and
    a re-run once the server is back sends what was left."""
    n, database = 1_000, urlsplit(url).path.strip("/")

    def script(k: int, ids: list[str], content: bytes) -> Response:
        if k == 10:
            if how == "connection killed":
                pg_server.terminate_clients(database)
            else:
                pg_server.stop("fast")
        return Response(202)

    fake = FakeSeeka(script)
    events = make_orders(0, n).seeka.to_events()
    caplog.set_level(logging.DEBUG, logger="seeka_nb")
    try:
        report = events.send(creds(), ledger=url, concurrency=1, _seams=seams_for(fake, fake_time))
    finally:
        if how == "server stopped":
            pg_server.pg_ctl_start()
    assert not report.ok and report.unrecorded, "the test must make a record fail"
    assert "went away" in (report.ledger_error or "")
    assert set(fake.accepted) == acked(url, n) | set(report.unrecorded)
    assert set(report.unrecorded).isdisjoint(acked(url, n))
    assert sum(report.counts.values()) == n and report.counts["pending"] > 0
    with pytest.raises(seeka_nb.SendError, match="accepted but not recorded"):
        report.raise_for_failures()
    shown = [repr(report), report._repr_html_(), report.to_frame().to_csv(), caplog.text]
    shown += [str(report.summary()), report.ledger_error or ""]
    for text in shown:
        assert PASSWORD not in text
    # the server is back: the same send completes; only the unrecorded are sent again
    fake2 = FakeSeeka()
    again = events.send(creds(), ledger=url, _seams=seams_for(fake2, fake_time))
    assert again.ok and acked(url, n) == {order_id(i) for i in range(n)}
    assert set(report.unrecorded) <= set(fake2.accepted)
    assert set(fake2.accepted).isdisjoint(
        acked_before := set(fake.accepted) - set(report.unrecorded)
    )
    assert len(acked_before) + len(fake2.accepted) == n


def test_an_unreachable_server_is_a_clear_error_before_anything_is_sent(url: str, fake_time):
    fake = FakeSeeka()
    events = make_orders(0, 20).seeka.to_events()
    with pytest.raises(LedgerError, match="Cannot connect") as err:
        events.send(
            creds(), ledger=url.replace("port=5432", "port=2"), _seams=seams_for(fake, fake_time)
        )
    assert fake.requests == 0 and PASSWORD not in str(err.value)


def test_the_password_stays_out_of_options_reprs_and_pickled_reports(url: str, fake_time):
    assert PASSWORD not in repr(SendOptions(ledger=url)) and "***" in repr(SendOptions(ledger=url))
    events = make_orders(0, 40).seeka.to_events()
    for ledger in (url, Ledger(url)):
        fake = FakeSeeka(lambda k, ids, c: Response(503) if k == 1 else Response(202))
        report = events.send(
            creds(), ledger=ledger, max_retries=0, _seams=seams_for(fake, fake_time)
        )
        assert not report.ok  # so that it keeps what a retry needs
        data = pickle.dumps(report)
        assert PASSWORD.encode() not in data and KEY.encode() not in data
        if isinstance(ledger, Ledger):
            ledger.close()


def test_a_ledger_locked_by_another_program_mid_send_then_a_rerun(url: str, fake_time):
    """Another program locks the ledger's tables mid-send: the send stops with a report
    naming the lock (not an exception); the re-run delivers everything."""
    import psycopg

    n = 600
    events = make_orders(0, n).seeka.to_events()
    blocker = psycopg.connect(url, autocommit=True)

    def script(k: int, ids: list[str], content: bytes) -> Response:
        if k == 10:  # the other program takes the tables and keeps them
            blocker.execute("BEGIN")
            blocker.execute("LOCK TABLE orders, claims, runs IN ACCESS EXCLUSIVE MODE")
        return Response(202)

    fake = FakeSeeka(script)
    ledger = Ledger(url, busy_timeout=0.01, lock_retries=1, sleep=lambda s: None)
    try:
        first = events.send(
            creds(), ledger=ledger, concurrency=1, _seams=seams_for(fake, fake_time)
        )
    finally:
        ledger.close()
        blocker.execute("ROLLBACK")
        blocker.close()
    assert not first.ok and "locked" in (first.ledger_error or "")
    assert PASSWORD not in (first.ledger_error or "") and first.counts["pending"] > 0
    assert set(fake.accepted) == acked(url, n) | set(first.unrecorded)
    again = events.send(creds(), ledger=url, _seams=seams_for(fake, fake_time))
    assert again.ok and set(fake.accepted) == {order_id(i) for i in range(n)}


def test_a_streamed_send_with_a_postgresql_ledger_pickles_without_the_password(url: str, fake_time):
    """EventStream.send takes the same ledger URL; its report's retry travels without the
    password (and without an open connection)."""
    from seeka_nb import EventStream
    from seeka_nb.core.stream import convert_frames

    df = make_orders(0, 100)
    stream = EventStream(lambda: convert_frames([df.iloc[:50], df.iloc[50:]]))
    for ledger in (url, Ledger(url)):
        fake = FakeSeeka(lambda k, ids, c: Response(503) if k == 1 else Response(202))
        seams = seams_for(fake, fake_time)
        report = stream.send(creds(), ledger=ledger, max_retries=0, _seams=seams)
        assert not report.ok and report.counts["failed"] == 20
        assert PASSWORD.encode() not in cloudpickle.dumps(report)  # the stream holds a lambda
        if isinstance(ledger, Ledger):
            ledger.close()
    assert len(acked(url, 100)) == report.counts["sent"] + report.counts["already_sent"]
