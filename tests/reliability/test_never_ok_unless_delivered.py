"""Issue 12, "Never ok unless delivered": one regression test per finding, named after it.

1. ``duplicate`` hid undelivered orders (claims of a failed run of this process, of a live
   or dead run elsewhere).
2. A hostile answer (status 600-999, absurd ``Retry-After``, a broken transport, a full
   disk) crashed ``send()`` with no report and left acceptances unrecorded.
3. No stall limit; unclamped waits; bisection of every batch when the payload shape is
   refused.
4. The key in traceback locals.
5. Reports (and events) holding the key through pickle / cloudpickle.
6. Personal data cut at the 2 KB limit escaping masking; JSON-escaped echoes.
7. Complex money, out-of-range order times, endpoint spellings, more than ``rate``
   requests in one second.

Everything runs on fake time against :class:`FakeSeeka` (no sockets) unless the finding is
about the HTTP path itself (4, 5's retry), which uses httpx's MockTransport or the sandbox.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import sqlite3
import subprocess
import sys
import threading
import traceback
from pathlib import Path

import cloudpickle
import httpx
import numpy as np
import pandas as pd
import pytest
from rel_support import KEY, KEY_MIDDLE, ORG, Wrapper, email_of, make_orders, order_id, phone_of
from seeka_fakes import FakeSeeka, fill_disk, fragments, seams_for

import seeka_nb
from seeka_nb import ConfigurationError, Credentials, Ledger, Sandbox, SendInterrupted
from seeka_nb.adapters.ledger import Scope
from seeka_nb.adapters.transport import HttpxTransport, Response
from seeka_nb.pipeline import bookkeeping, runner
from seeka_nb.pipeline.bookkeeping import COMMIT_BATCHES, HELD_ELSEWHERE
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.schema import MAX_RESPONSE_BODY_RECORDED

URL = "http://127.0.0.1:9/api/ingest"  # never contacted: FakeSeeka answers


def creds_for(url: str = URL) -> Credentials:
    return Credentials(ORG, KEY, endpoint=url)


def scope_of(creds: Credentials) -> Scope:
    return Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)


def acked(path: Path, creds: Credentials, n: int) -> set[str]:
    with Ledger(path) as ledger:
        return set(ledger.acknowledged(scope_of(creds), [order_id(i) for i in range(n)]))


def no_send_thread_left() -> bool:
    return not [t for t in threading.enumerate() if t.name == "seeka-nb-send"]


# --- 1. duplicate hid undelivered orders --------------------------------------------------
def test_finding_1_duplicate_hides_undelivered_orders_after_a_full_disk_in_this_process(
    tmp_path, fake_time
):
    """Same kernel: a send stopped by a full ledger, then an immediate re-run.  The first
    run's claims (same pid) must not make the re-run skip orders as 'duplicate'."""
    n, path, creds = 800, tmp_path / "l.sqlite", creds_for()
    events = make_orders(0, n).seeka.to_events()
    fake = FakeSeeka()
    ledger = Ledger(path)
    fill_disk(ledger, extra_pages=20)
    first = events.send(creds, ledger=ledger, concurrency=1, _seams=seams_for(fake, fake_time))
    ledger.close()
    assert not first.ok and first.counts["pending"] > 0
    assert "ledger could not be written" in (first.stopped_reason or "")
    assert "full" in (first.ledger_error or "")
    first_accepted = set(fake.accepted)
    recorded = acked(path, creds, n)
    assert first_accepted == recorded | set(first.unrecorded)  # every acceptance accounted for

    again = events.send(creds, ledger=path, _seams=seams_for(fake, fake_time))
    assert again.counts["duplicate"] == 0 and again.counts["pending"] == 0
    assert again.ok, again
    assert set(fake.accepted) == {order_id(i) for i in range(n)}  # every order delivered
    assert acked(path, creds, n) == {order_id(i) for i in range(n)}
    # re-sent: at most what the first run could not record
    resent = len(fake.accepted) - len(set(fake.accepted))
    assert resent == len(set(first.unrecorded))


def test_finding_1_a_ledger_locked_by_another_program_then_a_rerun(tmp_path, fake_time):
    """Another program holds the ledger's write lock mid-send: the send stops with a
    report (not an exception); the re-run in this kernel delivers everything."""
    n, path, creds = 600, tmp_path / "l.sqlite", creds_for()
    events = make_orders(0, n).seeka.to_events()
    blocker = sqlite3.connect(path, isolation_level=None, timeout=0, check_same_thread=False)

    def script(k, ids, content):
        if k == 10:  # the other program takes the write lock and keeps it
            blocker.execute("BEGIN IMMEDIATE")
        return Response(202)

    fake = FakeSeeka(script)
    ledger = Ledger(path, busy_timeout=0.01, lock_retries=1, sleep=lambda s: None)
    first = events.send(creds, ledger=ledger, concurrency=1, _seams=seams_for(fake, fake_time))
    ledger.close()
    blocker.execute("ROLLBACK")
    left = blocker.execute("SELECT COUNT(*) FROM claims").fetchone()[0]
    blocker.close()
    assert left > 0  # the run could not release its claims: they are still in the file
    assert not first.ok and "locked" in (first.ledger_error or "")
    assert first.counts["pending"] > 0 and first.counts["duplicate"] == 0
    assert set(fake.accepted) <= acked(path, creds, n) | set(first.unrecorded)
    again = events.send(creds, ledger=path, _seams=seams_for(fake, fake_time))
    assert again.ok and set(fake.accepted) == {order_id(i) for i in range(n)}


def _other_run(path: Path, creds: Credentials, ids: list[str], pid: int) -> tuple[Ledger, str]:
    other = Ledger(path, pid=pid)
    run = other.start_run(scope_of(creds), package_version="x", n_orders=len(ids))
    assert other.claim(scope_of(creds), run, ids) == ids
    return other, run


def test_finding_1_orders_held_by_a_live_run_end_pending_not_duplicate(tmp_path, fake_time):
    n, path, creds = 100, tmp_path / "l.sqlite", creds_for()
    held = [order_id(i) for i in range(40)]
    other, run = _other_run(path, creds, held, pid=os.getppid())  # a live process, not us
    fake = FakeSeeka()
    events = make_orders(0, n).seeka.to_events()
    report = events.send(creds, ledger=path, _seams=seams_for(fake, fake_time))
    frame = report.to_frame().set_index("activity_id")
    assert not report.ok
    assert report.counts["pending"] == 40 and report.counts["duplicate"] == 0
    assert (frame.loc[held, "error"] == HELD_ELSEWHERE).all()
    assert set(fake.accepted) == {order_id(i) for i in range(40, n)}
    with pytest.raises(seeka_nb.SendError, match="40 pending"):
        report.raise_for_failures()
    other.finish_run(run, {})  # the other run ends without sending them
    other.close()
    retried = report.retry()
    assert retried.ok and retried.counts["sent"] == 40
    assert set(fake.accepted) == {order_id(i) for i in range(n)}


def test_finding_1_a_live_run_that_finishes_while_this_one_waits(tmp_path, fake_time):
    n, path, creds = 60, tmp_path / "l.sqlite", creds_for()
    held = [order_id(i) for i in range(20)]
    other, run = _other_run(path, creds, held, pid=os.getppid())

    async def sleep(seconds: float) -> None:  # the other run ends during our first wait
        if run is not None and not other.closed:
            other.finish_run(run, {})
            other.close()
        await fake_time.sleep(seconds)

    fake = FakeSeeka()
    events = make_orders(0, n).seeka.to_events()
    report = events.send(creds, ledger=path, _seams=seams_for(fake, fake_time, sleep=sleep))
    assert report.ok and report.counts["sent"] == n
    assert sorted(fake.accepted) == [order_id(i) for i in range(n)]


def test_finding_1_claims_of_a_killed_process_are_taken_over(tmp_path, fake_time):
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                          capture_output=True, text=True)  # fmt: skip
    dead_pid = int(gone.stdout)
    n, path, creds = 60, tmp_path / "l.sqlite", creds_for()
    other, _ = _other_run(path, creds, [order_id(i) for i in range(30)], pid=dead_pid)
    other.close()
    fake = FakeSeeka()
    report = (
        make_orders(0, n)
        .seeka.to_events()
        .send(creds, ledger=path, _seams=seams_for(fake, fake_time))
    )
    assert report.ok and report.counts["sent"] == n
    assert sorted(fake.accepted) == [order_id(i) for i in range(n)]


# --- 2. a hostile answer crashed send() ---------------------------------------------------
ABSURD_DATE = "Mon, 01 Jan 2024 00:00:00 +999999999999999"


def _hostile(k, ids, content):
    if k % 7 == 1:
        return Response(742, {"Content-Type": "text/plain"}, b"\xff\xfe weird")
    if k % 7 == 2:
        return Response(429, {"Retry-After": ABSURD_DATE}, b"slow down")
    if k % 7 == 3:
        return RuntimeError("a transport bug")
    if k % 7 == 4:
        return Response(999, {"Retry-After": "1e400"}, b"")
    return Response(202)


@pytest.mark.parametrize("status", [742, 999, 600])
def test_finding_2_a_hostile_status_is_a_retried_batch_not_a_ledger_crash(
    tmp_path, fake_time, status
):
    n, path, creds = 100, tmp_path / "l.sqlite", creds_for()
    fake = FakeSeeka(lambda k, ids, c: Response(status, {}, b"?") if k == 2 else Response(202))
    report = (
        make_orders(0, n)
        .seeka.to_events()
        .send(creds, ledger=path, _seams=seams_for(fake, fake_time))
    )
    assert report.ok and report.counts["sent"] == n
    assert report.to_frame()["attempts"].max() == 2
    assert acked(path, creds, n) == set(fake.accepted)


def test_finding_2_hostile_answers_give_a_report_and_every_acceptance_is_recorded(
    tmp_path, fake_time
):
    n, path, creds = 400, tmp_path / "l.sqlite", creds_for()
    fake = FakeSeeka(_hostile)
    events = make_orders(0, n).seeka.to_events()
    report = events.send(creds, ledger=path, max_retries=12, _seams=seams_for(fake, fake_time))
    assert sum(report.counts.values()) == n
    assert report.ok, report
    assert acked(path, creds, n) == set(fake.accepted) == {order_id(i) for i in range(n)}
    errors = " ".join(report.to_frame()["error"].dropna())
    assert "OverflowError" not in errors
    assert no_send_thread_left()


def test_finding_2_no_task_is_left_running_after_send_returns(tmp_path, fake_time):
    fake = FakeSeeka(_hostile)
    events = make_orders(0, 200).seeka.to_events()

    async def main():
        report = await events.asend(
            creds_for(), ledger=tmp_path / "l.sqlite", _seams=seams_for(fake, fake_time)
        )
        others = asyncio.all_tasks() - {asyncio.current_task()}
        return report, others

    report, others = asyncio.run(main())
    assert sum(report.counts.values()) == 200
    assert others == set()


def test_finding_2_a_ledger_that_fills_up_mid_send_names_what_it_could_not_record(
    tmp_path, fake_time
):
    n, path, creds = 1_000, tmp_path / "l.sqlite", creds_for()
    fake = FakeSeeka()
    ledger = Ledger(path)
    fill_disk(ledger, extra_pages=20)
    events = make_orders(0, n).seeka.to_events()
    report = events.send(creds, ledger=ledger, concurrency=4, _seams=seams_for(fake, fake_time))
    ledger.close()
    assert not report.ok
    assert report.unrecorded, "the test must make a record fail"
    assert set(fake.accepted) == acked(path, creds, n) | set(report.unrecorded)
    assert set(report.unrecorded).isdisjoint(acked(path, creds, n))
    assert "not recorded" in repr(report) and "not recorded" in report._repr_html_().lower()
    with pytest.raises(seeka_nb.SendError, match="accepted but not recorded"):
        report.raise_for_failures()


def test_finding_2_an_acceptance_the_ledger_could_not_record_is_not_ok(
    tmp_path, fake_time, monkeypatch
):
    """Seeka accepted everything, but the last group commit (the last batches' outcomes)
    hit a full disk: not ok, and exactly that group is listed as unrecorded."""
    monkeypatch.setattr(bookkeeping, "COMMIT_SECONDS", 3600.0)  # groups close by count only
    n, path, creds = 200, tmp_path / "l.sqlite", creds_for()
    committed = n // 20 // COMMIT_BATCHES * COMMIT_BATCHES * 20  # whole groups before the last
    assert 0 < committed < n
    ledger = Ledger(path)

    def script(k, ids, content):
        if k == n // 20:  # the last batch: the disk is full from now on
            fill_disk(ledger, extra_pages=0, compact=True)
        return Response(202)

    fake = FakeSeeka(script)
    report = (
        make_orders(0, n)
        .seeka.to_events()
        .send(creds, ledger=ledger, concurrency=1, _seams=seams_for(fake, fake_time))
    )
    ledger.close()
    assert report.counts["sent"] == n and sorted(fake.accepted) == [order_id(i) for i in range(n)]
    assert sorted(report.unrecorded) == [order_id(i) for i in range(committed, n)]
    assert not report.ok and report.ledger_error
    assert acked(path, creds, n) == {order_id(i) for i in range(committed)}


@pytest.mark.parametrize("status", [742, 999, 600, 99])
def test_finding_2_a_final_hostile_status_is_recorded_as_failed(tmp_path, fake_time, status):
    path, creds = tmp_path / "l.sqlite", creds_for()
    fake = FakeSeeka(lambda k, ids, c: Response(status, {}, b"?"))
    report = (
        make_orders(0, 40)
        .seeka.to_events()
        .send(creds, ledger=path, max_retries=1, _seams=seams_for(fake, fake_time))
    )
    assert report.counts["failed"] == 40 and report.ledger_error is None
    assert (report.to_frame()["http_status"] == status).all()
    with Ledger(path) as ledger:
        orders = ledger.orders()
    assert (orders["status"] == "failed").all() and orders["http_status"].isna().all()
    assert orders["error"].str.contains(f"HTTP {status}").all()


@pytest.mark.parametrize("status", [501, 507, 500, 503])
def test_5xx_answers_are_retried_not_final(tmp_path, fake_time, status):
    fake = FakeSeeka(lambda k, ids, c: Response(status, {}, b"busy") if k <= 2 else Response(202))
    report = (
        make_orders(0, 20)
        .seeka.to_events()
        .send(creds_for(), ledger=False, concurrency=1, _seams=seams_for(fake, fake_time))
    )
    assert report.ok and report.counts["sent"] == 20
    assert (report.to_frame()["attempts"] == 3).all()


# --- 3. no stall limit --------------------------------------------------------------------
def test_finding_3_429_forever_stops_at_the_stall_limit(tmp_path, fake_time):
    fake = FakeSeeka(lambda k, ids, c: Response(429, {"Retry-After": "999999"}, b""))
    start = fake_time.now
    report = (
        make_orders(0, 200)
        .seeka.to_events()
        .send(creds_for(), ledger=tmp_path / "l.sqlite", _seams=seams_for(fake, fake_time))
    )
    assert report.counts["pending"] == 200 and not report.ok
    assert "stalled" in report.stopped_reason and "HTTP 429" in report.stopped_reason
    assert max(fake_time.slept) <= 300.0  # Retry-After waits are clamped
    assert fake_time.now - start <= 600.0 + 300.0  # the 10-minute default, not 127 hours
    frame = report.to_frame()
    assert frame["error"].str.contains("stalled").all()


def test_finding_3_503_forever_and_the_stall_limit_option(tmp_path, fake_time):
    fake = FakeSeeka(lambda k, ids, c: Response(503, {}, b"down"))
    start = fake_time.now
    report = (
        make_orders(0, 400)
        .seeka.to_events()
        .send(creds_for(), ledger=False, stall_limit=120, _seams=seams_for(fake, fake_time))
    )
    assert "stalled" in report.stopped_reason and "HTTP 503" in report.stopped_reason
    assert report.counts["pending"] > 0 and not report.ok
    assert fake_time.now - start <= 120.0 + 30.0
    with pytest.raises(ConfigurationError, match="stall_limit"):
        SendOptions(stall_limit=0)


def test_finding_3_a_server_rejecting_everything_costs_a_few_batches_not_all(fake_time):
    n = 400  # 20 batches; bisecting each costs 39 requests
    fake = FakeSeeka(lambda k, ids, c: Response(400, {}, b"unknown field ev"))
    report = (
        make_orders(0, n)
        .seeka.to_events()
        .send(creds_for(), ledger=False, concurrency=1, _seams=seams_for(fake, fake_time))
    )
    assert fake.requests == 3 * 39
    assert report.counts["rejected"] == 60 and report.counts["pending"] == n - 60
    assert "payload shape itself is refused" in report.stopped_reason
    assert not report.ok


# --- 4. the key in traceback locals -------------------------------------------------------
def _locals_text(frame) -> str:
    stack = traceback.StackSummary.extract(traceback.walk_stack(frame), capture_locals=True)
    return "".join(stack.format())


def test_finding_4_no_frame_holds_the_key_while_a_request_is_in_flight(fake_time):
    seen: list[bool] = []  # (not the key itself: it would show in this frame's locals)
    captured: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers["X-Converge-Key"] == KEY)
        captured.append(_locals_text(sys._getframe()))
        raise RuntimeError("boom in flight")  # an unexpected error inside the request

    class Capturing(Wrapper):
        async def post(self, url, content, headers):
            try:
                return await self.inner.post(url, content, headers)
            except RuntimeError as exc:
                tb = traceback.TracebackException.from_exception(exc, capture_locals=True)
                captured.append("".join(tb.format()))
                raise

    transport = Capturing(HttpxTransport(timeout=5, transport=httpx.MockTransport(handler)))
    report = (
        make_orders(0, 20)
        .seeka.to_events()
        .send(creds_for(), ledger=False, max_retries=1, _seams=seams_for(transport, fake_time))
    )
    assert seen and all(seen)  # the key did reach the wire
    assert report.counts["failed"] == 20  # an unexpected error is a failed batch, no raise
    assert len(captured) == 4 and all("_post" in text or "post" in text for text in captured)
    for text in captured:
        assert KEY not in text and KEY_MIDDLE not in text
        assert not [i for i in range(20) if email_of(i) in text or phone_of(i) in text]


def test_finding_4_an_interrupted_send_carries_no_key_in_its_traceback(tmp_path, fake_time):
    reached = threading.Event()

    def script(k, ids, c):
        if k == 3:
            reached.set()
        return Response(202)

    def wait(worker):
        reached.wait(10)
        raise KeyboardInterrupt

    events = make_orders(0, 400).seeka.to_events()
    with pytest.raises(SendInterrupted) as info:
        runner.send(
            events,
            creds_for(),
            SendOptions(ledger=tmp_path / "l.sqlite", rate=None, concurrency=1, progress=False),
            seams=seams_for(FakeSeeka(script), fake_time),
            wait=wait,
        )
    text = "".join(
        traceback.TracebackException.from_exception(info.value, capture_locals=True).format()
    )
    assert KEY not in text and KEY_MIDDLE not in text
    assert info.value.report is not None and no_send_thread_left()


# --- 5. reports and events held the key ----------------------------------------------------
def test_finding_5_reports_and_events_pickle_without_the_key(tmp_path, fake_time):
    with Sandbox(rate_limit=None, faults=[500, 500]) as sb:
        creds = creds_for(sb.ingest_url)
        events = make_orders(0, 20).seeka.to_events()
        report = events.send(creds, ledger=tmp_path / "l.sqlite", max_retries=1, concurrency=1,
                             _seams=seams_for(HttpxTransport(timeout=5), fake_time))  # fmt: skip
        assert report.counts["failed"] == 20
        for dump in (pickle.dumps, cloudpickle.dumps):
            for thing in (report, events, creds):
                data = dump(thing)
                assert KEY.encode() not in data and KEY_MIDDLE.encode() not in data
        copy = pickle.loads(pickle.dumps(report))
        assert copy.counts == report.counts
        with pytest.raises(ConfigurationError, match=r"report\.retry\(credentials\)"):
            copy.retry()
        again = cloudpickle.loads(cloudpickle.dumps(report)).retry(creds)
        assert again.ok and again.counts["sent"] == 20
        assert len(pickle.loads(pickle.dumps(events))) == len(events)
        assert sb.stats()["events_accepted"] == 20


def test_finding_5_the_secret_key_object(fake_time):
    creds = creds_for()
    key = creds.public_key
    for shown in (repr(key), str(key), f"{key}", f"{key!r:>40}", repr(creds), str(vars(creds))):
        assert KEY not in shown and KEY_MIDDLE not in shown
    assert key == KEY and key.reveal() == KEY and creds.headers()["X-Converge-Key"] == KEY
    assert pickle.loads(pickle.dumps(key)).withheld
    with pytest.raises(ConfigurationError):
        Credentials(ORG, pickle.loads(pickle.dumps(key)))


# --- 6. personal data cut at the message limit --------------------------------------------
def _echo(k, ids, content):
    """A server that quotes the request back in its 400, shifted so that the 2 KB cut
    falls at a different place each time (inside names, emails, phones...)."""
    body = b"x" * (k % 97) + b"bad request: " + content
    return Response(400, {}, body[:MAX_RESPONSE_BODY_RECORDED])


def test_finding_6_no_identity_fragment_survives_the_cut(tmp_path, fake_time):
    n = 60
    fake = FakeSeeka(_echo)
    path = tmp_path / "l.sqlite"
    df = make_orders(0, n)
    df.loc[0, "first_name"], df.loc[1, "last_name"] = "Zoë", 'O"Neil-Brontë'
    report = df.seeka.to_events().send(
        creds_for(), ledger=path, concurrency=1, _seams=seams_for(fake, fake_time)
    )
    assert report.counts["rejected"] >= 20
    with Ledger(path) as ledger:
        stored = " ".join(ledger.orders()["error"].dropna())
    shown = " ".join(report.to_frame()["error"].dropna()) + " " + stored
    values = [email_of(i) for i in range(n)] + [phone_of(i) for i in range(n)]
    values += [f"Givenname{i}" for i in range(n)] + [f"Familyname{i}" for i in range(n)]
    values += ['O"Neil-Brontë']
    leaked = {f for f in fragments(values) if f in shown.lower()}
    assert leaked == set()
    for escaped in ("Zo\\u00eb", 'O\\"Neil', "Bront\\u00eb"):
        assert escaped.lower() not in shown.lower()


def test_finding_6_json_escaped_echoes_are_masked():
    from seeka_nb.pipeline.messages import describe

    events = [{"ev": {"id": {"firstName": ["Zoë"], "lastName": ['O"Neil']}, "payload": {}}}]
    body = b'{"error": "bad name \\"Zo\\\\u00eb\\" / \\"O\\\\\\"Neil\\""}'
    text = describe(Response(400, {}, body), events)
    assert "u00eb" not in text and "Neil" not in text, text
    assert "Zoë" not in describe(Response(400, {}, "Zoë O'Neil".encode()), events)


# --- 7. smaller findings ------------------------------------------------------------------
def test_finding_7_complex_and_boolean_money_cells_are_issues():
    df = pd.DataFrame(
        {
            "order_id": ["a", "b", "c", "d"],
            "created_at": "2025-01-01T00:00:00Z",
            "email": "x@example.test",
            "price": pd.Series([1 + 2j, 1 + 0j, True, 2.5], dtype=object),
            "currency": "AUD",
        }
    )
    events = df.seeka.to_events()
    bad = events.issues[events.issues["code"] == "invalid_number"]
    assert sorted(bad["row"]) == [0, 1, 2] and set(bad["severity"]) == {"error"}
    assert events.activity_ids == ["d"]
    whole = df.assign(price=np.array([1 + 2j, 3, 4, 5], dtype=complex))
    assert len(whole.seeka.to_events()) == 0  # a complex column is never silently real


def test_finding_7_order_times_before_1990_or_in_the_future_are_held_back():
    future = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    soon = (pd.Timestamp.now(tz="UTC") + pd.Timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%SZ")
    df = pd.DataFrame(
        {
            "order_id": ["ok", "y1", "y9999", "future", "soon", "1989"],
            "created_at": [
                "2025-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z",
                future, soon, "1989-12-31T23:59:59Z",
            ],
            "email": "x@example.test",
            "price": 10.0,
            "currency": "AUD",
        }
    )  # fmt: skip
    events = df.seeka.to_events()
    assert events.activity_ids == ["ok", "soon"]
    out = events.issues[events.issues["code"] == "time_out_of_range"]
    # pandas 2 parses to nanoseconds, which cannot hold years 0001 and 9999: there those two
    # are unreadable times (an error all the same); pandas 3 reads them and the bounds apply.
    wide = int(pd.__version__.split(".")[0]) >= 3
    assert sorted(out["row"]) == ([1, 2, 3, 5] if wide else [3, 5])
    assert set(out["severity"]) == {"error"}
    if not wide:
        unreadable = events.issues[events.issues["code"] == "invalid_time"]
        assert sorted(unreadable["row"]) == [1, 2]
        assert set(unreadable["severity"]) == {"error"}
    # the pure core reads no clock: the caller passes "now"
    from seeka_nb.core.build import build_table

    table = build_table(df, now=pd.Timestamp("9999-12-30", tz="UTC").timestamp())
    y9999 = "ok" if wide else "error"
    assert list(table.status) == ["ok", "error", y9999, "ok", "ok", "error"]


@pytest.mark.parametrize(
    "spelling",
    [
        "HTTP://LOCALHOST:{port}/api/ingest",
        "http://localhost:{port}/api/ingest/",
        "http://127.0.0.1:{port}/api/ingest?",
        "http://[::1]:{port}/api/ingest",
    ],
)
def test_finding_7_one_endpoint_spelled_differently_is_one_ledger_scope(
    tmp_path, fake_time, spelling
):
    path = tmp_path / "l.sqlite"
    events = make_orders(0, 40).seeka.to_events()
    fake = FakeSeeka()
    first = events.send(creds_for("http://127.0.0.1:8765/api/ingest"), ledger=path,
                        _seams=seams_for(fake, fake_time))  # fmt: skip
    assert first.ok and fake.requests == 2
    again = events.send(creds_for(spelling.format(port=8765)), ledger=path,
                        _seams=seams_for(fake, fake_time))  # fmt: skip
    assert again.counts["already_sent"] == 40 and fake.requests == 2
    other_port = events.send(creds_for("http://127.0.0.1:8766/api/ingest"), ledger=path,
                             _seams=seams_for(fake, fake_time))  # fmt: skip
    assert other_port.counts["sent"] == 40  # a different endpoint is a different scope
    with Ledger(path) as ledger:
        assert set(ledger.sent()["endpoint"]) == {
            "http://localhost:8765/api/ingest",
            "http://localhost:8766/api/ingest",
        }


@pytest.mark.parametrize("rate", [30.0, 20.0, 7.5, 1.0])
def test_finding_7_never_more_than_rate_requests_in_any_one_second(fake_time, rate):
    fake = FakeSeeka(clock=fake_time.clock)
    make_orders(0, 20 * 150).seeka.to_events().send(
        creds_for(), ledger=False, rate=rate, concurrency=16, _seams=seams_for(fake, fake_time)
    )
    starts = np.array(fake.starts)
    k = max(1, int(rate))
    assert len(starts) == 150
    assert (starts[k:] - starts[:-k] >= 1.0).all()  # any k+1 starts span at least a second
