"""``pl.LazyFrame.seeka``: streamed in batches (never collected whole) into an EventStream with
the same events, issues and duplicates as the DataFrame path, orders straddling batch
boundaries joined; a send to the sandbox; clear errors for what cannot be streamed."""

from __future__ import annotations

import io
from pathlib import Path

import orjson
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stream_data import orders_frame, same_as_whole
from test_polars_real_exports import CALLS, FILES, read_both

import seeka_nb
from seeka_nb.adapters import polars_frames

KEY = "pk_test_POLARS12345"


def polars_orders(n_orders: int, seed: int = 0, max_lines: int = 4) -> pl.DataFrame:
    """Generated orders (rows of one order adjacent), every column as text."""
    csv = orders_frame(n_orders, seed=seed, max_lines=max_lines).to_csv(index=False)
    return pl.read_csv(io.BytesIO(csv.encode()), infer_schema_length=0)


def events_of(stream: seeka_nb.EventStream) -> list[dict]:
    return [e for chunk in stream for e in chunk.to_list()]


def same_as_frame(lazy: pl.LazyFrame, frame: pl.DataFrame, **kw) -> seeka_nb.EventStream:
    """The stream's events, issues, duplicates and counts equal the DataFrame path's."""
    stream = lazy.seeka.to_events(**kw)
    batch = kw.pop("batch_rows", None)
    assert isinstance(stream, seeka_nb.EventStream) and batch
    whole = frame.seeka.to_events(**kw)
    assert same_as_whole(stream, whole) >= 1
    return stream


@pytest.mark.parametrize("batch_rows", [1, 3, 7, 64, 100_000])
def test_stream_equals_the_dataframe_path_whatever_the_batches(batch_rows: int) -> None:
    frame = polars_orders(120, seed=3)
    same_as_frame(frame.lazy(), frame, batch_rows=batch_rows)


@settings(max_examples=15, deadline=None)
@given(st.integers(1, 60), st.integers(1, 25), st.integers(0, 10_000))
def test_orders_straddling_batches_are_joined(n_orders: int, batch_rows: int, seed: int) -> None:
    """Invariant: any cut of the rows into batches gives the DataFrame path's events."""
    frame = polars_orders(n_orders, seed=seed)
    stream = frame.lazy().seeka.to_events(batch_rows=batch_rows)
    assert events_of(stream) == frame.seeka.to_events().to_list()


def test_the_plan_is_never_collected_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    frame = polars_orders(200, seed=4)
    calls = {"plan": 0}

    def counted(s: pl.Series) -> pl.Series:
        calls["plan"] += 1
        return s

    lazy = frame.lazy().with_columns(pl.col("sku").map_batches(counted, return_dtype=pl.String))
    heights: list[int] = []
    real = polars_frames.to_pandas

    def recording(batch: pl.DataFrame, start: int = 0) -> pd.DataFrame:
        heights.append(batch.height)
        return real(batch, start)

    monkeypatch.setattr(polars_frames, "to_pandas", recording)
    stream = lazy.seeka.to_events(batch_rows=50)
    assert calls["plan"] == 0 and heights == []  # to_events reads the schema only
    assert "not read yet" in repr(stream)
    assert stream.summary()["rows"] == frame.height
    assert heights and max(heights) <= 50 and sum(heights) == frame.height


def test_a_dry_run_sends_the_dataframe_events() -> None:
    frame = polars_orders(70, seed=8)
    creds = seeka_nb.Credentials("org-polars", KEY, endpoint="http://127.0.0.1:9/api/ingest")
    report = frame.lazy().seeka.send(creds, batch_rows=33, dry_run=True, ledger=False)
    sent = [e for body in report.bodies.encoded for e in orjson.loads(body)["data"]]
    assert sent == frame.seeka.to_events().to_list()
    assert report.counts["dry_run"] == len(sent)


def test_send_to_the_sandbox_from_a_scanned_csv(tmp_path: Path) -> None:
    frame = polars_orders(90, seed=9)
    path = tmp_path / "orders.csv"
    frame.write_csv(path)
    lazy = pl.scan_csv(path, infer_schema_length=0)  # all text
    expected = frame.seeka.to_events().to_list()
    ledger = str(tmp_path / "ledger.sqlite")
    with seeka_nb.Sandbox(rate_limit=None, seed=1) as sb:
        creds = seeka_nb.Credentials("org-polars", KEY, endpoint=sb.ingest_url)
        report = lazy.seeka.send(creds, batch_rows=40, rate=None, ledger=ledger, progress=False)
        assert report.ok and report.counts["sent"] == len(expected)
        assert sb.events == expected
        again = lazy.seeka.send(creds, batch_rows=25, rate=None, ledger=ledger, progress=False)
        assert again.counts["sent"] == 0 and again.counts["already_sent"] == len(expected)
        assert len(sb.events) == len(expected)


def test_mapping_and_check_duplicates_equal_the_dataframe_path() -> None:
    frame = polars_orders(30, seed=2)
    doubled = pl.concat([frame, frame.head(3)])  # SO-10000 comes back, not adjacent
    lazy = doubled.lazy()
    assert lazy.seeka.mapping().fields == doubled.seeka.mapping().fields
    found = lazy.seeka.check_duplicates(batch_rows=10)
    assert "SO-10000" in set(found["activity_id"])


def test_unsupported_plans_are_refused_before_anything_runs() -> None:
    frame = polars_orders(5)
    with pytest.raises(seeka_nb.MappingError, match="nested"):
        frame.lazy().with_columns(pl.col("email").str.split("@")).seeka.to_events()
    with pytest.raises(seeka_nb.ConfigurationError, match="batch_rows"):
        frame.lazy().seeka.to_events(batch_rows=0)
    with pytest.raises(seeka_nb.ConfigurationError, match="batch_rows"):
        frame.lazy().seeka.to_events(batch_rows=2.5)  # type: ignore[arg-type]
    with pytest.raises(seeka_nb.ValidationError, match="no columns"):
        pl.LazyFrame().seeka.to_events()


def test_number_typed_columns_are_warned_about_once_for_the_stream() -> None:
    frame = polars_orders(40, seed=1).with_columns(
        pl.col("order_id").str.replace("SO-", "").cast(pl.Int64)
    )
    stream = same_as_frame(frame.lazy(), frame, batch_rows=9)
    issues = stream.issues()
    warned = issues[issues["code"] == "number_typed_text"]
    assert list(warned["column"]) == ["order_id"] and list(warned["field"]) == ["activityId"]


@pytest.fixture
def folders(real_data: Path, real2_data: Path) -> dict[str, Path]:
    return {"real": real_data, "real2": real2_data}


@pytest.mark.parametrize(("folder", "name"), FILES, ids=[n for _, n in FILES])
def test_real_exports_stream_as_the_dataframe_path(
    folders: dict, folder: str, name: str, tmp_path: Path
) -> None:
    """Each real export written as UTF-8, scanned lazily as text, in batches of 97 rows.

    An order whose rows are not adjacent in the file (Amazon's buyer history) and fall in
    two batches cannot be joined any more: the stream holds it back (``split_order``) and
    sends every other order exactly as the DataFrame path does (a dry run's bodies; only
    1,000 are kept, more than these exports need)."""
    _, frame = read_both(folders[folder] / name, infer=False)
    path = tmp_path / "export.csv"
    frame.write_csv(path)
    lazy = pl.scan_csv(path, infer_schema_length=0)
    stream = lazy.seeka.to_events(batch_rows=97, **CALLS[name])
    whole = frame.seeka.to_events(**CALLS[name])
    dups = stream.duplicates()
    split = set(dups["activity_id"][dups["kind"] == "split_order"])
    expected = [e for e in whole.to_list() if e["ev"]["payload"]["activityId"] not in split]
    creds = seeka_nb.Credentials("org-polars", KEY, endpoint="http://127.0.0.1:9/api/ingest")
    report = stream.send(creds, dry_run=True, ledger=False, progress=False)
    assert [e for body in report.bodies.encoded for e in orjson.loads(body)["data"]] == expected
    if name == "amazon_ca_buyer_order_history_Jodi22K.csv":
        assert split  # its rows of one order are not always adjacent
    else:
        assert not split
        assert stream.summary()["orders"] == whole.summary()["orders"]
