"""send_stream: one run over many chunks - one report whose counts add up, one rate budget,
one ledger run, resume through the ledger, dry run, stop semantics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from stream_data import chunks_of, orders_frame

from seeka_nb import Credentials, Sandbox
from seeka_nb.adapters.ledger import Ledger
from seeka_nb.core.stream import convert_frames
from seeka_nb.pipeline.options import SendOptions
from seeka_nb.pipeline.runner import Seams
from seeka_nb.pipeline.stop import StopSignal
from seeka_nb.pipeline.stream import DRY_RUN_BODIES, send_stream

NOW = 1_800_000_000.0


def chunks(n_orders: int = 120, sizes: tuple[int, ...] = (37,), seed: int = 4):
    df = orders_frame(n_orders, seed=seed)
    return df, list(convert_frames(chunks_of(df, list(sizes)), now=NOW))


def test_one_report_for_the_whole_stream(
    sandbox: Sandbox, creds: Credentials, ledger_path: Path, seams: Seams
) -> None:
    df, parts = chunks()
    whole = df.seeka.to_events()
    options = SendOptions(rate=None, ledger=str(ledger_path))
    report = send_stream(parts, creds, options, seams=seams)
    c = report.counts
    assert len(report.to_frame()) == whole.summary()["orders"]  # counts add up across chunks
    assert c["sent"] == len(whole) and c["invalid"] == whole.summary()["held_back_error"]
    assert report.ok and not report.incomplete
    assert len(report.rows()) == len(df)
    assert sorted(e["ev"]["payload"]["activityId"] for e in sandbox.events) == sorted(
        whole.activity_ids
    )
    with Ledger(ledger_path) as ledger:
        runs = ledger.runs()
    assert len(runs) == 1  # one ledger run for the whole stream
    # resume: a second run sends nothing
    again = send_stream(list(convert_frames(chunks_of(df, [37]), now=NOW)), creds, options,
                        seams=seams)  # fmt: skip
    assert again.counts["already_sent"] == len(whole) and again.counts["sent"] == 0
    assert again.ok


def test_dry_run_sends_nothing_and_keeps_first_bodies(
    sandbox: Sandbox, creds: Credentials, seams: Seams
) -> None:
    df, parts = chunks()
    report = send_stream(parts, creds, SendOptions(dry_run=True, ledger=False), seams=seams)
    assert report.dry_run and report.counts["dry_run"] == len(df.seeka.to_events())
    assert sandbox.stats()["requests"] == 0
    assert 0 < len(report.bodies) <= DRY_RUN_BODIES
    sent = [e for b in report.bodies for e in b["data"]]
    assert sent == df.seeka.to_events().to_list()


def test_stop_leaves_the_rest_unread_and_never_ok(
    sandbox: Sandbox, creds: Credentials, seams: Seams
) -> None:
    _, parts = chunks(200, (50,))
    stop = StopSignal()
    read = []

    def source():
        for k, part in enumerate(parts):
            read.append(k)
            if k == 1:
                stop.stop("enough")
            yield part

    report = send_stream(source(), creds, SendOptions(rate=None, ledger=False, stop=stop),
                         seams=seams)  # fmt: skip
    assert report.stopped_reason == "enough"
    assert report.incomplete and not report.ok
    assert len(read) < len(parts)
    with pytest.raises(Exception, match="not read"):
        report.raise_for_failures()


def test_a_chunk_that_fails_later_ends_the_run_with_a_report(
    sandbox: Sandbox, creds: Credentials, seams: Seams
) -> None:
    from seeka_nb.errors import ValidationError

    _, parts = chunks(60, (20,))

    def source():
        yield parts[0]
        raise ValidationError("chunk 2 is broken")

    report = send_stream(source(), creds, SendOptions(rate=None, ledger=False), seams=seams)
    assert "chunk 2 is broken" in str(report.stopped_reason)
    assert report.incomplete and not report.ok
    assert report.counts["sent"] == len(parts[0])

    def first_fails():
        raise ValidationError("nothing readable")
        yield  # pragma: no cover

    with pytest.raises(ValidationError, match="nothing readable"):
        send_stream(first_fails(), creds, SendOptions(rate=None, ledger=False), seams=seams)


def test_one_rate_budget_across_chunks(
    sandbox: Sandbox, creds: Credentials, seams: Seams, fake_time
) -> None:
    _, parts = chunks(120, (20,))  # about one request per chunk
    start = fake_time.clock()
    report = send_stream(parts, creds, SendOptions(rate=5, ledger=False), seams=seams)
    assert report.ok and report.requests >= 6
    # one limiter for the run: n requests at 5/s take at least (n - 1) / 5 seconds, even
    # though every chunk starts a new engine
    assert fake_time.clock() - start >= (report.requests - 1) / 5 - 1e-9


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@given(
    n=st.integers(1, 70),
    seed=st.integers(0, 1000),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=4),
)
def test_requests_are_full_across_chunk_boundaries(
    n: int, seed: int, sizes: list[int], seams: Seams
) -> None:
    """A chunk's last, partly-full batch is filled up by the next chunk's orders: every
    request but the run's last holds 20 events, every order is in exactly one of them."""
    df, parts = chunks(n, tuple(sizes), seed)
    with Sandbox(rate_limit=None) as sandbox:
        creds = Credentials("org-test", "pk_test_SECRETSECRET9876", endpoint=sandbox.ingest_url)
        report = send_stream(parts, creds, SendOptions(rate=None, ledger=False), seams=seams)
        ids = [e["ev"]["payload"]["activityId"] for e in sandbox.events]
    frame = report.to_frame()
    sent = frame[frame["status"] == "sent"]
    assert report.ok and len(sent) == len(df.seeka.to_events())
    per_batch = sent.groupby("batch").size().sort_index()
    assert (per_batch.iloc[:-1] == 20).all() and 0 < per_batch.iloc[-1] <= 20
    assert per_batch.index.tolist() == list(range(len(per_batch)))
    assert report.requests == len(per_batch)
    assert sorted(ids) == sorted(sent["activity_id"]) and len(set(ids)) == len(ids)


def _per_request(frame) -> list[list[str]]:
    """The activity IDs of each request (by batch number), in request order."""
    batched = frame[frame["batch"].notna()].sort_values(["batch", "row"], kind="stable")
    return [sorted(g["activity_id"]) for _, g in batched.groupby("batch", sort=True)]


@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
@given(
    n=st.integers(1, 90),
    seed=st.integers(0, 1000),
    sizes=st.lists(st.integers(1, 45), min_size=1, max_size=4),
)
def test_a_dry_run_makes_the_requests_a_send_makes(
    n: int, seed: int, sizes: list[int], seams: Seams
) -> None:
    """Orders straddling chunks, chunk sizes that are no multiple of 20: the dry run's
    bodies are the real send's requests - as many, the same orders in each, the same
    bytes - and each order's ``batch`` names the request it is (or would be) in."""
    df = orders_frame(n, seed=seed)
    with Sandbox(rate_limit=None) as sandbox:
        creds = Credentials("org-test", "pk_test_SECRETSECRET9876", endpoint=sandbox.ingest_url)
        options = SendOptions(rate=None, ledger=False, concurrency=1)
        parts = convert_frames(chunks_of(df, sizes), now=NOW)
        real = send_stream(parts, creds, options, seams=seams)
        sizes_posted = [r["events"] for r in sandbox.requests]
        received = iter(sandbox.events)
        posted = [{"data": [next(received) for _ in range(k)]} for k in sizes_posted]
        parts = convert_frames(chunks_of(df, sizes), now=NOW)
        dry = send_stream(parts, creds, dataclasses.replace(options, dry_run=True), seams=seams)
        assert sandbox.stats()["requests"] == real.requests  # the dry run posted nothing
    assert real.ok and dry.ok
    assert len(dry.bodies) == real.requests == len(_per_request(real.to_frame()))
    assert _per_request(dry.to_frame()) == _per_request(real.to_frame())
    assert [sorted(e["ev"]["payload"]["activityId"] for e in b["data"]) for b in dry.bodies] == (
        _per_request(real.to_frame())
    )
    assert list(dry.bodies) == posted  # the very bodies


def test_a_dry_run_holds_one_chunks_bodies_at_most(
    monkeypatch: pytest.MonkeyPatch, creds: Credentials, seams: Seams
) -> None:
    """Bodies past the kept ones are encoded and dropped as they are made: no engine holds
    more than the report keeps, and at most one partly-full request is carried over."""
    import seeka_nb.pipeline.stream as stream_module

    monkeypatch.setattr(stream_module, "DRY_RUN_BODIES", 3)
    engines: list = []
    seams = dataclasses.replace(seams, on_engine=engines.append)
    df = orders_frame(300, seed=16)
    parts = convert_frames(chunks_of(df, [101]), now=NOW)
    report = send_stream(parts, creds, SendOptions(dry_run=True, ledger=False), seams=seams)
    assert len(engines) >= 6 and len(report.bodies) == 3
    assert sum(len(e.bodies) for e in engines) == 3  # the later engines kept none
    assert all(len(e.leftover) < 20 for e in engines)
    frame = report.to_frame()
    todo = frame[frame["status"] == "dry_run"]
    assert todo["batch"].notna().all()
    per_batch = todo.groupby("batch").size().sort_index()
    assert (per_batch.iloc[:-1] == 20).all() and per_batch.index.tolist() == list(
        range(len(per_batch))
    )


def test_a_dry_run_against_a_ledger_makes_the_requests_the_send_then_makes(
    sandbox: Sandbox, creds: Credentials, ledger_path: Path, seams: Seams
) -> None:
    """Orders the ledger holds are skipped before batching, in a dry run as in the send:
    the same requests still, with the already-sent orders' gaps closed up."""
    df = orders_frame(90, seed=17)
    options = SendOptions(rate=None, ledger=str(ledger_path), concurrency=1)
    first = send_stream(convert_frames(chunks_of(df.iloc[:70], [23]), now=NOW), creds, options,
                        seams=seams)  # fmt: skip
    assert first.ok and first.counts["sent"] > 20
    dry = send_stream(convert_frames(chunks_of(df, [31]), now=NOW), creds,
                      dataclasses.replace(options, dry_run=True), seams=seams)  # fmt: skip
    real = send_stream(convert_frames(chunks_of(df, [31]), now=NOW), creds, options,
                       seams=seams)  # fmt: skip
    assert dry.counts["already_sent"] == real.counts["already_sent"] > 0
    assert len(dry.bodies) == real.requests > 0
    assert _per_request(dry.to_frame()) == _per_request(real.to_frame())
