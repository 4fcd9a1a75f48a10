"""send_stream: one run over many chunks - one report whose counts add up, one rate budget,
one ledger run, resume through the ledger, dry run, stop semantics."""

from __future__ import annotations

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
