"""seeka_nb.EventStream and stream_orders: whole-stream issues, duplicates and summary
without holding the events; one send for the whole stream that never sends a split order."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from stream_data import chunks_of, orders_frame, same_as_whole

import seeka_nb
from seeka_nb import Credentials, EventStream, Sandbox, stream_orders
from seeka_nb.core.stream import convert_frames
from seeka_nb.errors import ConfigurationError

KEY = "pk_test_SECRETSECRET9876"


@pytest.fixture
def creds(sandbox: Sandbox) -> Credentials:
    return Credentials("org-test", KEY, endpoint=sandbox.ingest_url)


def test_stream_orders_matches_the_in_memory_path(tmp_path: Path) -> None:
    df = orders_frame(150, seed=5)
    path = tmp_path / "orders.csv"
    df.to_csv(path, index=False)
    whole = seeka_nb.read_orders(path).seeka.to_events()
    stream = stream_orders(path, chunksize=40)
    assert "not read yet" in repr(stream)
    assert same_as_whole(stream, whole) >= 4
    assert "orders.csv" in repr(stream) and "to send" in repr(stream)


def test_send_holds_back_every_block_of_a_split_order(
    tmp_path: Path, sandbox: Sandbox, creds: Credentials
) -> None:
    df = orders_frame(40, seed=6, max_lines=2)
    back = df[df["order_id"] == "SO-10003"]
    df = pd.concat([df, back], ignore_index=True)  # an unsorted file: SO-10003 comes back
    stream = EventStream(lambda: convert_frames(chunks_of(df, [10]), now=1.8e9))
    dups = stream.duplicates()
    assert ("SO-10003", "split_order") in set(zip(dups["activity_id"], dups["kind"], strict=True))
    report = stream.send(creds, rate=None, ledger=str(tmp_path / "l.sqlite"))
    sent = [e["ev"]["payload"]["activityId"] for e in sandbox.events]
    assert "SO-10003" not in sent  # neither a partial first block nor the later one
    frame = report.to_frame()
    held = frame[frame["activity_id"] == "SO-10003"]
    assert len(held) == 2 and set(held["status"]) == {"invalid"}
    assert held["error"].str.contains("sort the file by order").all()
    assert len(sent) == len(set(sent))
    assert report.ok


def test_send_resumes_and_dry_run(tmp_path: Path, sandbox: Sandbox, creds: Credentials) -> None:
    df = orders_frame(90, seed=7)
    path = tmp_path / "orders.csv"
    df.to_csv(path, index=False)
    stream = stream_orders(path, chunksize=25)
    dry = stream.send(creds, dry_run=True, ledger=False)
    assert dry.dry_run and sandbox.stats()["requests"] == 0
    ledger = str(tmp_path / "ledger.sqlite")
    first = stream.send(creds, rate=None, ledger=ledger)
    assert first.ok and first.counts["sent"] == dry.counts["dry_run"]
    second = stream_orders(path, chunksize=25).send(creds, rate=None, ledger=ledger)
    assert second.counts["sent"] == 0 and second.counts["already_sent"] == first.counts["sent"]


def test_bad_arguments_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="function"):
        EventStream([1, 2])  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="file path"):
        stream_orders(object())  # type: ignore[arg-type]
    path = tmp_path / "orders.csv"
    orders_frame(3).to_csv(path, index=False)
    with pytest.raises(ConfigurationError, match="chunksize"):
        list(stream_orders(path, chunksize=0))


def test_send_without_a_prior_analysis_holds_back_split_orders(
    sandbox: Sandbox, creds: Credentials
) -> None:
    df = orders_frame(30, seed=8, max_lines=2)
    df = pd.concat([df, df[df["order_id"] == "SO-10002"]], ignore_index=True)
    stream = EventStream(lambda: convert_frames(chunks_of(df, [9]), now=1.8e9))
    report = stream.send(creds, rate=None, ledger=False)  # no summary() before: light pass
    assert "_analysis" not in stream.__dict__
    assert "SO-10002" not in [e["ev"]["payload"]["activityId"] for e in sandbox.events]
    held = report.to_frame().query("activity_id == 'SO-10002'")
    assert len(held) == 2 and set(held["status"]) == {"invalid"}


def test_a_file_streams_send_finds_split_orders_from_its_keys(
    tmp_path: Path, sandbox: Sandbox, creds: Credentials
) -> None:
    df = orders_frame(40, seed=9, max_lines=2)
    df = pd.concat([df, df[df["order_id"] == "SO-10004"]], ignore_index=True)
    path = tmp_path / "unsorted.csv"
    df.to_csv(path, index=False)
    for options in ({}, {"dtype": {"sku": "str"}}):  # the latter: converted to find them
        stream = stream_orders(path, chunksize=11, **options)
        passes: list[int] = []
        factory = stream._chunks
        stream._chunks = lambda f=factory, p=passes: p.append(1) or f()  # type: ignore[misc]
        assert (stream._split_finder() is None) == bool(options)  # type: ignore[misc]
        report = stream.send(creds, dry_run=True, ledger=False)
        assert len(passes) == (2 if options else 1)  # the key-only pass converts nothing
        held = report.to_frame().query("activity_id == 'SO-10004'")
        assert len(held) == 2 and set(held["status"]) == {"invalid"}
        assert "SO-10004" not in [e["ev"]["payload"]["activityId"] for b in report.bodies
                                  for e in b["data"]]  # fmt: skip


def test_phones_are_validated_by_a_pool_per_chunk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from seeka_nb import stream_api
    from seeka_nb.adapters.phone_pool import PhonePool

    made: list[PhonePool] = []

    class Counted(PhonePool):
        def __init__(self) -> None:
            super().__init__(threshold=1, chunk=7)  # the helper process really helps
            made.append(self)

    monkeypatch.setattr(stream_api, "PhonePool", Counted)
    df = orders_frame(60, seed=10)
    df["phone"] = [f"+61 4{k % 37:02d} 555 {k % 1000:03d}" for k in range(len(df))]
    path = tmp_path / "phones.csv"
    df.to_csv(path, index=False)
    chunks = list(stream_orders(path, chunksize=25))
    assert len(made) == len(chunks) >= 3  # one pool per converted chunk
    assert sum(p.helper_pairs for p in made) > 0
    whole = seeka_nb.read_orders(path).seeka.to_events()
    assert [e for c in chunks for e in c.to_list()] == whole.to_list()


def test_a_factory_handing_out_one_generator_again_is_refused(
    sandbox: Sandbox, creds: Credentials
) -> None:
    """``lambda: chunks`` over one generator: the split-order pass reads it, the send's
    pass would find it empty and report a complete send of nothing. Refused, nothing sent."""
    df = orders_frame(30, seed=11)
    chunks = convert_frames(chunks_of(df, [9]), now=1.8e9)
    stream = EventStream(lambda: chunks)
    with pytest.raises(ConfigurationError, match="same iterator"):
        stream.send(creds, rate=None, ledger=False)
    assert sandbox.stats()["requests"] == 0
    fresh = EventStream(lambda: convert_frames(chunks_of(df, [9]), now=1.8e9))
    assert fresh.send(creds, rate=None, ledger=False).ok  # a new generator each pass
    assert fresh.send(creds, dry_run=True, ledger=False).ok
