"""``ddf.seeka`` on a real ``dask.distributed.LocalCluster`` (two worker processes).

Every answer is compared with the pandas path on the same rows (``ddf.compute()``): the
events' bytes, the issues and the duplicate findings, on the real exports and on frames
whose orders straddle partitions.  One cluster serves the whole session (starting one takes
seconds); the tests run on it through ``client.as_current()``.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import dask.dataframe as dd  # the test extra installs Dask: a missing one fails, never skips
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from stream_data import as_text, same_summary

import seeka_nb

sys.path.insert(0, str(Path(__file__).resolve().parent / "core"))
from real_expect import CALLS, PRESETS

KEY = "pk_test_SECRETSECRET9876"


@pytest.fixture(scope="session")
def cluster_client() -> Iterator[Client]:
    """Two worker processes on loopback, one thread each, no dashboard."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            scheduler_port=0,
            dashboard_address=None,
        )
        client = Client(cluster, set_as_default=False)
    yield client
    client.close()
    cluster.close()


@pytest.fixture
def client(cluster_client: Client) -> Iterator[Client]:
    with cluster_client.as_current():
        yield cluster_client


def _event_bytes(chunks: object) -> list[bytes]:
    return [b for chunk in chunks for b in chunk.encoded_batches(1)]  # type: ignore[attr-defined]


def _same_as_pandas(
    df: pd.DataFrame, ddf: dd.DataFrame, grouped: bool | None = None, **kw: object
) -> None:
    events = df.seeka.to_events(**kw)
    stream = ddf.seeka.to_events(grouped=grouped, **kw)
    pd.testing.assert_frame_equal(as_text(stream.issues()), as_text(events.issues))
    pd.testing.assert_frame_equal(as_text(stream.duplicates()), as_text(events.duplicates()))
    assert sorted(_event_bytes(stream)) == sorted(events.encoded_batches(1))
    assert same_summary(stream, events) == ddf.npartitions


# --- the real exports -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CALLS))
def test_real_exports_give_the_pandas_answers(
    client: Client, real_data: Path, real2_data: Path, name: str
) -> None:
    folder = real_data if (real_data / name).exists() else real2_data
    df = seeka_nb.read_orders(folder / name)
    kw = {**CALLS[name], "preset": PRESETS[name]}
    _same_as_pandas(df, dd.from_pandas(df, npartitions=3), **kw)


def test_the_work_runs_in_the_worker_processes(client: Client) -> None:
    df = seeka_nb.sample_orders()
    ddf = dd.from_pandas(df, npartitions=2)
    seen: list[int] = []
    list(ddf.seeka.to_events())  # converts in the workers
    logs = client.run(lambda: os.getpid())
    seen.extend(logs.values())
    assert len(set(seen)) == 2 and os.getpid() not in seen
    assert client.run(lambda: "seeka_nb.core.partitions" in sys.modules) == dict.fromkeys(
        logs, True
    )


# --- orders split across partitions -------------------------------------------------------


def _split_frame() -> pd.DataFrame:
    """Orders whose rows straddle partitions, an order in two separate blocks, one ID
    spelled three ways in three partitions, a row without ID, day-first dates that only
    one partition can tell, and a column that only one partition fills."""
    ids = ["A1", "A1", "B2", "B2", "B2", "C3", "1001", "A1", "D4", None, "1001.0", "E5", "#1001"]
    n = len(ids)
    return pd.DataFrame(
        {
            "order_id": ids,
            "time": ["03/02/2025 10:00"] * (n - 1) + ["25/02/2025 10:00"],
            "email": [f"c{i % 4}@example.com" for i in range(n)],
            "sku": [f"S{i}" for i in range(n)],
            "quantity": [1] * n,
            "price": [10.0 + i for i in range(n)],
            "currency": ["AUD"] * n,
            "notes": [None] * (n - 1) + ["last only"],
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="line"),
    )


@pytest.mark.parametrize(("grouped", "mode"), [(None, "regrouped"), (False, "shuffled")])
def test_orders_split_across_partitions_are_joined(
    client: Client, grouped: bool | None, mode: str
) -> None:
    df = _split_frame()
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    assert ddf.npartitions == 4
    kw = {"tz": "UTC", "mapping": {"unitPrice": "price"}, "grouped": grouped}
    stream = ddf.seeka.to_events(**kw)
    assert stream._plan.mode() == mode
    kw.pop("grouped")
    _same_as_pandas(df, ddf, grouped=grouped, **kw)
    kinds = set(stream.duplicates()["kind"])
    assert {"split_order", "id_hazard"} <= kinds
    times = {e["ev"]["payload"]["time"] for c in stream for e in c.to_list()}
    assert "2025-02-03T10:00:00Z" in times  # day-first, decided by the last partition alone
    assert not (stream.issues()["code"] == "empty_column").any()


def test_frame_whose_partitions_hold_whole_orders_is_not_shuffled(client: Client) -> None:
    df = seeka_nb.sample_orders()
    key = df.seeka.mapping().columns("activityId")[0]
    ddf = dd.from_pandas(df, npartitions=3).set_index(key, drop=False)
    assert ddf.known_divisions
    stream = ddf.seeka.to_events()
    assert stream._plan.mode() in {"grouped", "edges", "regrouped"}  # "#1001" sorts far
    pdf = ddf.compute()
    events = pdf.seeka.to_events()
    got, want = _event_bytes(stream), list(events.encoded_batches(1))
    assert sorted(got) == sorted(want)
    if stream._plan.mode() == "grouped":
        assert got == want  # same order too (regrouped orders come with their first rows)
    pd.testing.assert_frame_equal(as_text(stream.issues()), as_text(events.issues))


def test_grouped_true_on_split_orders_reports_them(client: Client) -> None:
    df = _split_frame()
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    found = ddf.seeka.check_duplicates(tz="UTC", grouped=True)
    split = found[found["kind"] == "split_order"]
    assert "A1" in set(split["activity_id"])
    assert split["detail"].str.contains("partitions").any()


# --- sending ----------------------------------------------------------------------------------


def test_send_to_the_sandbox_gives_one_report_and_resumes(client: Client, tmp_path: Path) -> None:
    df = seeka_nb.sample_orders()
    ddf = dd.from_pandas(df, npartitions=3)
    ledger = tmp_path / "ledger.sqlite"
    with seeka_nb.Sandbox(rate_limit=None, seed=1) as sandbox:
        creds = seeka_nb.Credentials("org-test", KEY, endpoint=sandbox.ingest_url)
        report = ddf.seeka.send(creds, ledger=ledger, progress=False)
        expected = df.seeka.to_events()
        assert isinstance(report, seeka_nb.SendReport)
        assert report.ok
        got = sorted(e["ev"]["payload"]["activityId"] for e in sandbox.events)
        assert got == sorted(expected.activity_ids)
        again = ddf.seeka.send(creds, ledger=ledger, progress=False)
        assert len(sandbox.events) == len(got)  # the ledger: nothing sent twice
        assert again.ok


# --- what is not supported ------------------------------------------------------------------


def test_unsupported_calls_raise_seeka_errors(client: Client) -> None:
    df = seeka_nb.sample_orders()
    ddf = dd.from_pandas(df, npartitions=2)
    with pytest.raises(seeka_nb.SeekaError, match="window"):
        ddf.seeka.to_events(window=0)
    with pytest.raises(seeka_nb.MappingError, match="keyword-only"):
        ddf.seeka.to_events("Australia/Sydney")  # type: ignore[arg-type]
    with pytest.raises(seeka_nb.ValidationError, match="no rows"):
        dd.from_pandas(df.iloc[:0], npartitions=1).seeka.to_events().issues()
    with pytest.raises(seeka_nb.SeekaError, match="Dask Series"):
        ddf[df.columns[0]].seeka.to_events()
    odd = ddf.map_partitions(
        lambda p: p.rename(columns={p.columns[0]: "zz"}) if p.index[0] != df.index[0] else p,
        meta=ddf._meta,
        enforce_metadata=False,  # a partition whose columns differ from the first one's
    )
    with pytest.raises(seeka_nb.MappingError, match="columns differ"):
        odd.seeka.to_events().issues()


def test_import_seeka_nb_does_not_import_dask() -> None:
    import subprocess

    code = "import sys, seeka_nb; print('dask' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    code = (
        "import seeka_nb, dask.dataframe as dd, pandas as pd\n"
        "print(type(dd.from_pandas(pd.DataFrame({'a': [1]}), npartitions=1).seeka).__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "DaskSeekaAccessor"
    np.testing.assert_equal(out.returncode, 0)


def _spelled_frame() -> pd.DataFrame:
    """One ID spelled three ways: two spellings in the first partition, one in the last."""
    ids = ["1001", "A1", "#1001", "B2", "C3", "1001.0", "D4"]
    n = len(ids)
    return pd.DataFrame(
        {
            "order_id": ids,
            "time": ["2025-02-03T10:00:00Z"] * n,
            "email": [f"c{i}@example.com" for i in range(n)],
            "sku": [f"S{i}" for i in range(n)],
            "price": [10.0 + i for i in range(n)],
            "currency": ["AUD"] * n,
        },
        index=pd.Index([f"r{i}" for i in range(n)], name="line"),
    )


@pytest.mark.parametrize("grouped", [True, None])
def test_id_spellings_in_different_partitions_give_the_pandas_id_hazard(
    client: Client, grouped: bool | None
) -> None:
    df = _spelled_frame()
    ddf = dd.from_pandas(df, npartitions=2, sort=False)
    assert ddf.npartitions == 2
    kw = {"mapping": {"unitPrice": "price"}}
    got = ddf.seeka.check_duplicates(grouped=grouped, **kw)
    want = df.seeka.to_events(**kw).duplicates()
    hazard = want[want["kind"] == "id_hazard"]
    assert len(hazard) == 1 and hazard["n_rows"].iloc[0] == 3
    pd.testing.assert_frame_equal(as_text(got[got["kind"] == "id_hazard"]), as_text(hazard))
    if grouped is None:  # the spellings were brought together: everything as pandas
        _same_as_pandas(df, ddf, **kw)


def test_a_send_holds_back_ids_converted_in_two_partitions(client: Client) -> None:
    # grouped=True on orders that are not grouped: A1 is converted in two partitions, with
    # part of its rows each; a send (without reading issues() first) must hold it back
    df = _split_frame()
    ddf = dd.from_pandas(df, npartitions=4, sort=False)
    creds = seeka_nb.Credentials("org-test", KEY, endpoint="http://127.0.0.1:9/ingest")
    report = ddf.seeka.send(
        creds, tz="UTC", mapping={"unitPrice": "price"}, grouped=True, dry_run=True
    )
    sent = {e["ev"]["payload"]["activityId"] for b in report.bodies for e in b["data"]}
    assert "A1" not in sent and {"C3", "D4"} <= sent
