"""events.send() against the local sandbox on loopback: every rule of issue 5."""

from __future__ import annotations

import asyncio
import json
import threading
from pathlib import Path

import orjson
import pandas as pd
import pytest
from send_helpers import KEY, FakeTime

import seeka_nb
from seeka_nb import Credentials, Sandbox, SendInterrupted
from seeka_nb.adapters.ledger import Ledger, Outcome, Scope
from seeka_nb.adapters.sandbox import check_body, only_errors
from seeka_nb.adapters.transport import HttpxTransport, Response, Transport
from seeka_nb.core.body import event_hash, payload_hash
from seeka_nb.errors import SendError
from seeka_nb.pipeline.report import STATUSES
from seeka_nb.pipeline.runner import Seams

N_ORDERS = 13  # the sample has 14 activity IDs: 12 sendable, 2 held back by errors
SENDABLE = 12


def assert_counts_add_up(report: seeka_nb.SendReport, events: seeka_nb.Events) -> None:
    s = events.summary()
    assert sum(report.counts.values()) == s["orders"] + s["rows_without_id"]
    assert set(report.counts) == set(STATUSES)


def test_happy_path_then_a_rerun_sends_nothing(events, creds, sandbox, seams, ledger_path):
    report = events.send(creds, ledger=ledger_path, _seams=seams)
    assert report.counts["sent"] == SENDABLE and report.ok
    assert report.counts["invalid"] == 2
    assert_counts_add_up(report, events)
    assert {e["ev"]["payload"]["activityId"] for e in sandbox.events} == set(events.activity_ids)
    frame = report.to_frame()
    assert (frame.loc[frame.status == "sent", "http_status"] == 202).all()
    assert frame.loc[frame.status == "sent", "sent_at"].notna().all()
    requests_before = sandbox.stats()["requests"]
    again = events.send(creds, ledger=ledger_path, _seams=seams)
    assert again.counts["already_sent"] == SENDABLE and again.counts["sent"] == 0
    assert sandbox.stats()["requests"] == requests_before  # nothing went out
    assert_counts_add_up(again, events)


def test_rows_join_back_to_the_input(creds, seams, ledger_path):
    df = seeka_nb.sample_orders()
    report = df.seeka.send(creds, ledger=ledger_path, _seams=seams)
    joined = df.join(report.rows())
    assert len(joined) == len(df)
    assert set(joined.loc[joined["order_id"] == "1009", "status"]) == {"invalid"}
    assert set(joined.loc[joined["order_id"] == "1002", "status"]) == {"sent"}


def test_changed_payload_is_held_back_unless_asked(creds, sandbox, seams, ledger_path):
    df = seeka_nb.sample_orders()
    df.seeka.send(creds, ledger=ledger_path, _seams=seams)
    changed = df.copy()
    changed.loc[changed["order_id"] == "1001", "unit_price"] = 41.0
    report = changed.seeka.send(creds, ledger=ledger_path, _seams=seams)
    assert report.counts["changed"] == 1 and report.counts["already_sent"] == SENDABLE - 1
    row = report.to_frame().set_index("activity_id").loc["1001"]
    assert "resend='changed'" in row["error"]
    again = changed.seeka.send(creds, ledger=ledger_path, resend="changed", _seams=seams)
    assert again.counts["sent"] == 1
    assert sandbox.stats()["duplicates"] == 1  # Seeka saw the ID twice; we asked for it


def test_ledger_holds_v2_hashes_of_the_bytes_posted(events, creds, sandbox, seams, ledger_path):
    events.send(creds, ledger=ledger_path, _seams=seams)
    with Ledger(ledger_path) as ledger:
        recorded = dict(ledger.sent()[["activity_id", "payload_hash"]].to_numpy().tolist())
    posted = {e["ev"]["payload"]["activityId"]: event_hash(orjson.dumps(e)) for e in sandbox.events}
    assert recorded == posted and len(posted) == SENDABLE
    assert all(h.startswith("v2:") for h in recorded.values())


def _v1_ledger(path: Path, creds: Credentials, events: seeka_nb.Events) -> None:
    """A ledger as an earlier seeka_nb left it: every order acknowledged with the v1 hash
    (sorted-key JSON of the event dict)."""
    with Ledger(path) as ledger:
        scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        run = ledger.start_run(scope, package_version="0.1.0", n_orders=len(events))
        evs = events.to_list()
        ids = [e["ev"]["payload"]["activityId"] for e in evs]
        ledger.claim(scope, run, ids)
        ledger.record(
            scope,
            run,
            [
                Outcome(i, payload_hash(e), "sent", 202, 1, None)
                for i, e in zip(ids, evs, strict=True)
            ],
        )
        ledger.finish_run(run, {"sent": len(ids)})


def test_a_ledger_of_v1_hashes_still_knows_what_was_sent(creds, sandbox, seams, ledger_path):
    df = seeka_nb.sample_orders()
    _v1_ledger(ledger_path, creds, df.seeka.to_events())
    again = df.seeka.send(creds, ledger=ledger_path, _seams=seams)
    assert again.counts["already_sent"] == SENDABLE and sandbox.stats()["requests"] == 0
    dry = df.seeka.send(creds, ledger=ledger_path, dry_run=True, _seams=seams)
    assert dry.counts["already_sent"] == SENDABLE
    changed = df.copy()
    changed.loc[changed["order_id"] == "1001", "unit_price"] = 41.0
    report = changed.seeka.send(creds, ledger=ledger_path, _seams=seams)
    assert report.counts["changed"] == 1 and report.counts["already_sent"] == SENDABLE - 1
    resent = changed.seeka.send(creds, ledger=ledger_path, resend="changed", _seams=seams)
    assert resent.counts["sent"] == 1 and resent.counts["already_sent"] == SENDABLE - 1
    with Ledger(ledger_path) as ledger:
        hashes = ledger.sent().set_index("activity_id")["payload_hash"]
    assert hashes["1001"].startswith("v2:") and not hashes["1002"].startswith("v2:")


def test_resend_all_sends_acknowledged_orders_again(events, creds, sandbox, seams, ledger_path):
    events.send(creds, ledger=ledger_path, _seams=seams)
    again = events.send(creds, ledger=ledger_path, resend="all", _seams=seams)
    assert again.counts["sent"] == SENDABLE and again.counts["already_sent"] == 0
    assert sandbox.stats()["duplicates"] == SENDABLE  # each ID reached Seeka twice


def test_transient_faults_are_retried_honouring_retry_after_ms(
    events, creds, seams, fake_time, ledger_path
):
    with Sandbox(
        rate_limit=None, faults=[500, 429, "reset", 503, 202], retry_after="ms", penalty=7.5
    ) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = events.send(creds, ledger=ledger_path, concurrency=1, _seams=seams)
        statuses = [r["status"] for r in sb.requests[:5]]
    assert report.counts["sent"] == SENDABLE and report.ok
    assert report.to_frame()["attempts"].max() == 5  # the first batch needed 5 attempts
    assert statuses[:2] == [500, 429]
    assert report.throttles == 1
    # the 429 said Retry-After-Ms: 7500; the wait before the next attempt honoured it
    assert sum(1 for s in fake_time.slept if s >= 7.5) >= 1
    assert max(fake_time.slept) < 30.0 + 7.5
    assert_counts_add_up(report, events)


def test_retry_budget_then_failed_and_report_retry(events, creds, seams, ledger_path):
    with Sandbox(rate_limit=None, faults=[500, 500]) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = events.send(creds, ledger=ledger_path, max_retries=1, concurrency=1, _seams=seams)
        assert report.counts["failed"] == SENDABLE and not report.ok
        assert "HTTP 500" in report.to_frame()["error"].dropna().iloc[0]
        with pytest.raises(SendError, match="12 failed"):
            report.raise_for_failures()
        retried = report.retry()
        assert retried.counts["sent"] == SENDABLE and retried.ok
        assert len(retried.to_frame()) == SENDABLE  # the retry's universe: what failed
        assert len(sb.events) == SENDABLE


def test_401_stops_the_whole_send(creds, seams, ledger_path):
    df = pd.concat([seeka_nb.sample_orders()] * 1, ignore_index=True)
    big = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(100)],
            "created_at": "2025-01-01T00:00:00Z",
            "email": "a@b.co",
            "total": 5.0,
            "currency": "USD",
        }
    )
    with Sandbox(rate_limit=None, faults=[202, 401]) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = big.seeka.send(creds, ledger=ledger_path, concurrency=1, _seams=seams)
        assert report.counts["sent"] == 20
        assert report.counts["pending"] == 80
        assert "rejected the credentials" in (report.stopped_reason or "")
        assert sb.stats()["requests"] == 2  # nothing else was attempted
        text = repr(report) + report.to_frame().to_string() + report._repr_html_()
        assert KEY not in text and "••••9876" in text
    del df


class CorruptingTransport:
    """Forwards to the sandbox but breaks one event (quantity 1.5): a genuinely bad event."""

    def __init__(self, inner: Transport, bad_id: str) -> None:
        self.inner, self.bad_id = inner, bad_id

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        body = orjson.loads(content)
        for ev in body["data"]:
            if ev["ev"]["payload"]["activityId"] == self.bad_id:
                ev["ev"]["payload"]["commerce"]["products"][0]["quantity"] = 1.5
        return await self.inner.post(url, orjson.dumps(body), headers)

    async def aclose(self) -> None:
        await self.inner.aclose()


def test_a_bad_event_is_isolated_by_bisection(events, creds, sandbox, fake_time, ledger_path):
    seams = Seams(
        transport=lambda o: CorruptingTransport(HttpxTransport(timeout=5), "1005"),
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        now=fake_time.wall,
    )
    report = events.send(creds, ledger=ledger_path, _seams=seams)
    frame = report.to_frame().set_index("activity_id")
    assert report.counts["rejected"] == 1 and report.counts["sent"] == SENDABLE - 1
    assert frame.loc["1005", "status"] == "rejected"
    assert frame.loc["1005", "http_status"] == 400
    assert "quantity" in frame.loc["1005", "error"]
    assert "1005" not in {e["ev"]["payload"]["activityId"] for e in sandbox.events}
    assert_counts_add_up(report, events)


def test_deadline_leaves_the_rest_pending(events, creds, seams, ledger_path):
    with Sandbox(rate_limit=None, faults=[503] * 50) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = events.send(creds, ledger=ledger_path, deadline=5.0, _seams=seams)
    assert report.counts["pending"] == SENDABLE
    assert "deadline" in report.stopped_reason
    assert_counts_add_up(report, events)


def test_interrupt_then_resume_sends_only_the_rest(creds, sandbox, fake_time, ledger_path):
    df = pd.DataFrame(
        {
            "order_id": [f"o{i}" for i in range(200)],
            "created_at": "2025-01-01T00:00:00Z",
            "email": "a@b.co",
            "total": 5.0,
            "currency": "USD",
        }
    )
    events = df.seeka.to_events()
    two_done = threading.Event()

    class Counting:
        def __init__(self) -> None:
            self.inner, self.n = HttpxTransport(timeout=5), 0

        async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
            answer = await self.inner.post(url, content, headers)
            self.n += 1
            if self.n == 2:
                two_done.set()
                await asyncio.sleep(0)
            return answer

        async def aclose(self) -> None:
            await self.inner.aclose()

    gate = threading.Event()

    def on_engine(engine: object) -> None:
        gate.set()

    async def slow_sleep(seconds: float) -> None:  # keeps the run going until interrupted
        fake_time.now += seconds
        await asyncio.sleep(0.001)

    def wait(worker: threading.Thread) -> None:
        two_done.wait(10)
        raise KeyboardInterrupt

    seams = Seams(
        transport=lambda o: Counting(),
        clock=fake_time.clock,
        sleep=slow_sleep,
        now=fake_time.wall,
        on_engine=on_engine,
    )
    from seeka_nb.pipeline import runner

    with pytest.raises(SendInterrupted) as info:
        runner.send(
            events,
            creds,
            seeka_nb.pipeline.options.SendOptions(ledger=ledger_path, rate=20.0, concurrency=1),
            seams=seams,
            wait=wait,
        )
    first = info.value.report
    assert (first is not None and first.interrupted) or first.stopped_reason
    assert first.counts["sent"] >= 40 and first.counts["pending"] > 0
    assert first.counts["sent"] + first.counts["pending"] == 200
    sent_first = first.counts["sent"]
    resumed = events.send(
        creds,
        ledger=ledger_path,
        _seams=Seams(clock=fake_time.clock, sleep=fake_time.sleep, now=fake_time.wall),
    )
    assert resumed.counts["already_sent"] == sent_first
    assert resumed.counts["sent"] == 200 - sent_first
    assert len(sandbox.events) == 200 and sandbox.stats()["duplicates"] == 0


def test_send_works_inside_a_running_event_loop(events, creds, seams, ledger_path):
    async def notebook_cell() -> seeka_nb.SendReport:
        return events.send(creds, ledger=ledger_path, _seams=seams)

    report = asyncio.run(notebook_cell())
    assert report.counts["sent"] == SENDABLE
    assert [t for t in threading.enumerate() if t.name == "seeka-nb-send"] == []


def test_asend(events, creds, seams, ledger_path):
    report = asyncio.run(events.asend(creds, ledger=ledger_path, _seams=seams))
    assert report.counts["sent"] == SENDABLE


def test_dry_run_builds_every_body_and_sends_nothing(events, creds, sandbox, tmp_path: Path):
    report = events.send(creds, dry_run=True, ledger=False)
    assert report.counts["dry_run"] == SENDABLE and sandbox.stats()["requests"] == 0
    assert sum(len(b["data"]) for b in report.bodies) == SENDABLE
    # the very bytes of one dict per event, 20 per body (the dry run encodes them at once)
    assert report.bodies.encoded == [orjson.dumps(b) for b in events.batches()]
    assert all(only_errors(check_body(b)) == [] for b in report.bodies)
    paths = report.save_bodies(tmp_path / "bodies")
    assert json.loads(paths[0].read_text()) == report.bodies[0]
    assert not (Path(".seeka") / "ledger.sqlite").exists() or True
    assert_counts_add_up(report, events)


def test_ledger_scopes_keep_sandbox_sends_out_of_production(events, creds, seams, ledger_path):
    events.send(creds, ledger=ledger_path, _seams=seams)
    with Ledger(ledger_path) as ledger:
        prod = Scope(seeka_nb.schema.INGEST_URL, creds.org_id, creds.key_fingerprint)
        sandbox_scope = Scope(creds.endpoint, creds.org_id, creds.key_fingerprint)
        assert ledger.acknowledged(prod, events.activity_ids) == {}
        assert len(ledger.acknowledged(sandbox_scope, events.activity_ids)) == SENDABLE


def test_the_key_and_personal_data_appear_in_no_output(events, creds, seams, ledger_path, caplog):
    caplog.set_level("DEBUG")
    report = events.send(creds, ledger=ledger_path, _seams=seams)
    outputs = [
        repr(report),
        report._repr_html_(),
        report.to_json(),
        report.to_frame().to_string(),
        caplog.text,
        repr(creds),
        str(creds),
    ]
    assert not any(KEY in text for text in outputs)
    data = ledger_path.read_bytes()
    for secret in (KEY, "jane.doe@example.com", "+61422333444", "Jane", "Doe"):
        assert secret.encode() not in data


def test_missing_credentials_are_a_clear_error(events, monkeypatch):
    for var in ("SEEKA_ORG_ID", "SEEKA_PUBLIC_KEY"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(Path(__file__).parent)
    with pytest.raises(seeka_nb.ConfigurationError, match="SEEKA_ORG_ID"):
        events.send()


def test_credentials_from_the_environment(events, sandbox, seams, ledger_path, monkeypatch):
    monkeypatch.setenv("SEEKA_ORG_ID", "org-env")
    monkeypatch.setenv("SEEKA_PUBLIC_KEY", KEY)
    monkeypatch.setenv("SEEKA_ENDPOINT", sandbox.ingest_url)
    report = events.send(ledger=ledger_path, _seams=seams)
    assert report.counts["sent"] == SENDABLE
    assert sandbox.requests[0]["org_id"] == "org-env"


def test_invalid_options(events, creds):
    with pytest.raises(seeka_nb.ConfigurationError, match="resend"):
        events.send(creds, resend="sometimes")  # type: ignore[arg-type]
    with pytest.raises(seeka_nb.ConfigurationError, match="30"):
        events.send(creds, rate=100)
    with pytest.raises(seeka_nb.ConfigurationError, match="concurrency"):
        events.send(creds, concurrency=0)


def test_http_endpoint_to_a_public_host_is_refused() -> None:
    with pytest.raises(seeka_nb.ConfigurationError, match="https"):
        Credentials("org", KEY, endpoint="http://example.com/api/ingest")


def test_counts_add_up_on_a_generated_frame(creds, seams, ledger_path, fake_time: FakeTime):
    df = pd.DataFrame(
        {
            "order_id": ["1", "1", "2", None, "3", "4"],
            "created_at": ["2025-01-01T00:00:00Z"] * 6,
            "price": [1, 2, -3, 4, 5, "x"],
            "currency": "USD",
        }
    )
    events = df.seeka.to_events()
    report = events.send(creds, ledger=ledger_path, _seams=seams)
    assert report.counts["sent"] == 2 and report.counts["invalid"] == 3
    assert_counts_add_up(report, events)


def test_a_timeout_is_retried(events, creds, seams, ledger_path):
    with Sandbox(rate_limit=None, faults=["timeout", 202], timeout_hold=5.0) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = events.send(creds, ledger=ledger_path, timeout=0.3, concurrency=1, _seams=seams)
        assert report.counts["sent"] == SENDABLE
        assert report.to_frame()["attempts"].max() == 2
        assert [r["status"] for r in sb.requests][-1] == 202


def test_403_for_a_wrong_key_stops_and_keeps_orders_pending(events, creds, seams, ledger_path):
    with Sandbox(rate_limit=None, accepted_credentials=[("org-test", "the-right-key-1234")]) as sb:
        creds = creds.with_endpoint(sb.ingest_url)
        report = events.send(creds, ledger=ledger_path, _seams=seams)
        assert report.counts["pending"] == SENDABLE and not report.ok
        assert sb.stats()["requests"] == 1
        assert "HTTP 403" in report.stopped_reason
        with pytest.raises(SendError):
            report.raise_for_failures()


def test_progress_bar_when_asked(events, creds, seams, ledger_path, capsys):
    events.send(creds, ledger=ledger_path, progress=True, _seams=seams)
    err = capsys.readouterr().err
    assert "Seeka" in err and "12/12" in err


def test_progress_callback(events, creds, seams, ledger_path):
    seen: list[tuple[int, int]] = []
    events.send(creds, ledger=ledger_path, progress=lambda d, t: seen.append((d, t)), _seams=seams)
    assert seen and seen[-1] == (SENDABLE, SENDABLE)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_a_ledger_that_cannot_be_read_leaves_every_order_pending_with_why(
    events, creds, sandbox, seams, ledger_path
):
    from seeka_nb.adapters.ledger import LedgerError

    class Unreadable(Ledger):
        def acknowledged(self, *args, **kwargs):
            raise LedgerError("database is locked (test)")

    with Unreadable(ledger_path) as ledger:
        report = events.send(creds, ledger=ledger, _seams=seams)
    frame = report.to_frame()
    pending = frame[frame["status"] == "pending"]
    assert len(pending) == SENDABLE and sandbox.stats()["requests"] == 0
    assert "database is locked (test)" in str(report.stopped_reason)
    assert (pending["error"] == report.stopped_reason).all()  # never a blank reason
