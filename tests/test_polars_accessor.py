"""``pl.DataFrame.seeka``: the same events, bodies, issues and duplicates as the pandas path
for every polars type, clear errors for what cannot be read, a send to the sandbox, and the
registration that never imports polars on ``import seeka_nb``."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import orjson
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import seeka_nb
from seeka_nb.core.pdcompat import text_array

TZ = "Australia/Sydney"
TEXT = {
    "Order ID": ["A-1", "A-1", "B-2", "C-3"],
    "Created At": ["2024-03-01T10:00:00Z"] * 2 + ["2024-03-02T09:30:00+11:00", "2024-03-03"],
    "Email": ["ann@example.com", None, "bob@example.com", ""],
    "Phone": ["+61412345678", None, "0412345679", None],
    "Country Code": ["AU", "AU", "AU", "NZ"],
    "Currency": ["AUD", "AUD", "JPY", "AUD"],
    "Total": ["30.50", None, "1200", "12.10"],
    "Lineitem SKU": ["S1", "S2", "S3", "S4"],
    "Lineitem Price": ["10.25", "20.25", "1200", "12.10"],
    "Lineitem Quantity": ["1", "1", "1", "1"],
}


def text_frame(data: dict[str, list]) -> pd.DataFrame:
    """What read_orders would give for these cells (text, missing as NaN)."""
    return pd.DataFrame({k: text_array([v or None for v in vs]) for k, vs in data.items()})


def bodies(events: seeka_nb.Events) -> list[bytes]:
    return list(events.encoded_batches())


def same(frame: pl.DataFrame, reference: pd.DataFrame, **kw) -> seeka_nb.Events:
    """Convert both; assert byte-identical bodies and identical summaries; the polars events."""
    expected = reference.seeka.to_events(**kw)
    got = frame.seeka.to_events(**kw)
    assert type(got) is seeka_nb.Events
    assert bodies(got) == bodies(expected)
    mine = int((got.issues["code"] == "number_typed_text").sum())  # this path's own warnings
    summary = got.summary()
    summary["issues"]["warning"] -= mine
    assert summary == expected.summary()
    return got


def test_text_frame_gives_the_pandas_bodies_issues_and_duplicates() -> None:
    frame = pl.DataFrame(TEXT)
    got = same(frame, text_frame(TEXT), tz=TZ)
    expected = text_frame(TEXT).seeka.to_events(tz=TZ)
    pd.testing.assert_frame_equal(got.issues, expected.issues)
    pd.testing.assert_frame_equal(got.duplicates(), expected.duplicates())
    pd.testing.assert_frame_equal(
        frame.seeka.check_duplicates(tz=TZ), text_frame(TEXT).seeka.check_duplicates(tz=TZ)
    )
    assert frame.seeka.mapping().fields == text_frame(TEXT).seeka.mapping().fields
    assert len(got) == 3 and got.to_list()[0]["ev"]["id"]["phone"] == ["+61412345678"]


def test_typed_columns_give_the_same_bodies_as_their_text() -> None:
    """Int quantities, Float32/Decimal money, a Categorical currency, zoned datetimes."""
    times = [
        dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 1, 10, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 1, 22, 30, tzinfo=dt.UTC),
        dt.datetime(2024, 3, 2, 13, tzinfo=dt.UTC),
    ]
    text = {**TEXT, "Created At": [t.isoformat() for t in times]}
    frame = pl.DataFrame(text).with_columns(
        pl.Series("Created At", times, dtype=pl.Datetime("ms", "UTC")).dt.convert_time_zone(TZ),
        pl.col("Currency").cast(pl.Categorical),
        pl.col("Total").cast(pl.Decimal(10, 2)),
        pl.col("Lineitem Price").cast(pl.Float32),
        pl.col("Lineitem Quantity").cast(pl.UInt8),
    )
    same(frame, text_frame(text))


@pytest.mark.parametrize("unit", ["ms", "us", "ns"])
def test_naive_datetimes_and_dates_need_tz_as_naive_text_does(unit: str) -> None:
    stamps = ["2024-03-01 10:00:00", "2024-03-01 10:00:00", "2024-03-02 09:30:00", None]
    text = {**TEXT, "Created At": stamps}
    frame = pl.DataFrame(text).with_columns(
        pl.col("Created At").str.to_datetime("%Y-%m-%d %H:%M:%S", time_unit=unit)
    )
    same(frame, text_frame(text), tz=TZ)
    with pytest.raises(seeka_nb.SeekaError) as polars_error:
        frame.seeka.to_events()
    with pytest.raises(seeka_nb.SeekaError) as pandas_error:
        text_frame(text).seeka.to_events()
    assert str(polars_error.value) == str(pandas_error.value)
    days = {**TEXT, "Created At": ["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-03"]}
    dated = pl.DataFrame(days).with_columns(pl.col("Created At").str.to_date())
    same(dated, text_frame(days), tz=TZ)


def test_integer_ids_keep_every_digit_even_with_nulls() -> None:
    big = [9007199254740993, 9007199254740993, 12345, None]  # 2**53 + 1
    text = {**TEXT, "Order ID": [str(v) if v is not None else None for v in big]}
    frame = pl.DataFrame(text).with_columns(pl.Series("Order ID", big))
    got = same(frame, text_frame(text), tz=TZ)
    assert got.activity_ids[:2] == ["9007199254740993", "12345"]


def test_products_as_a_list_of_structs_equal_lists_of_dicts_and_json() -> None:
    items = [
        [{"sku": "S1", "quantity": 2, "price": 10.25}, {"sku": "S2", "quantity": 1, "price": 5.0}],
        [{"sku": "S3", "quantity": 1, "price": 1200.0}],
        None,
    ]
    base = {
        "order_id": ["A", "B", "C"],
        "created_at": ["2024-03-01T10:00:00Z"] * 3,
        "currency": ["AUD", "JPY", "AUD"],
        "total": [25.5, 1200.0, 3.0],
    }
    frame = pl.DataFrame({**base, "products": items})
    assert isinstance(frame.schema["products"], pl.List)
    as_lists = pd.DataFrame({**base, "products": pd.Series(items, dtype=object)})
    as_json = pd.DataFrame(
        {**base, "products": [orjson.dumps(i).decode() if i else None for i in items]}
    )
    got = same(frame, as_lists)
    assert bodies(got) == bodies(as_json.seeka.to_events())
    products = got.to_list()[0]["ev"]["payload"]["commerce"]["products"]
    assert [p["sku"] for p in products] == ["S1", "S2"]


@pytest.mark.parametrize(
    ("column", "field", "needle"),
    [
        (pl.Series("Email", [["a@x.com"], None, None, None]), "email", "nested"),
        (pl.Series("Created At", [dt.timedelta(1)] * 4), "time", "durations"),
        (pl.Series("Created At", [dt.time(10)] * 4), "time", "times of day"),
        (pl.Series("Order ID", [{"a": 1}] * 4), "activityId", "nested"),
    ],
    ids=["list-email", "duration-time", "time-of-day", "struct-id"],
)
def test_mapped_columns_of_unreadable_types_are_refused(
    column: pl.Series, field: str, needle: str
) -> None:
    frame = pl.DataFrame(TEXT).with_columns(column)
    with pytest.raises(seeka_nb.MappingError, match=needle) as info:
        frame.seeka.to_events(tz=TZ)
    assert repr(column.name) in str(info.value) and field in str(info.value)
    assert "cast(pl.String)" in str(info.value)
    with pytest.raises(seeka_nb.MappingError, match=needle):
        frame.seeka.mapping()


def test_unmapped_columns_of_any_type_are_ignored() -> None:
    frame = pl.DataFrame(TEXT).with_columns(
        pl.Series("Tags", [["a"], [], None, ["b", "c"]]),
        pl.Series("Meta", [{"k": 1}] * 4),
        pl.Series("Wait", [dt.timedelta(1)] * 4),
        pl.Series("Raw", [b"\xff"] * 4),
        pl.Series("Flag", [True, None, False, True]),
    )
    reference = text_frame(TEXT)
    assert bodies(frame.seeka.to_events(tz=TZ)) == bodies(reference.seeka.to_events(tz=TZ))


def test_no_columns_and_no_rows_are_refused_like_pandas() -> None:
    with pytest.raises(seeka_nb.ValidationError, match="no columns"):
        pl.DataFrame().seeka.to_events()
    empty = pl.DataFrame({k: pl.Series([], dtype=pl.String) for k in TEXT})
    with pytest.raises(seeka_nb.SeekaError) as polars_error:
        empty.seeka.to_events(tz=TZ)
    with pytest.raises(seeka_nb.SeekaError) as pandas_error:
        text_frame({k: [] for k in TEXT}).seeka.to_events(tz=TZ)
    assert type(polars_error.value) is type(pandas_error.value)


def test_number_typed_phone_postcode_and_ids_are_warned_about() -> None:
    text = {**TEXT, "Postcode": ["0800", "0800", "2000", None]}
    typed = pl.DataFrame(text).with_columns(
        pl.Series("Phone", [61412345678, None, 412345679, None]),
        pl.Series("Postcode", [800.0, 800.0, 2000.0, None]),
    )
    issues = typed.seeka.to_events(tz=TZ).issues
    warned = issues[issues["code"] == "number_typed_text"]
    assert set(zip(warned["field"], warned["column"], strict=True)) == {
        ("phone", "Phone"),
        ("postcode", "Postcode"),
    }
    assert (warned["severity"] == "warning").all() and warned["row"].isna().all()
    assert all("schema_overrides={'" in m for m in warned["message"])
    assert "61412345678" not in " ".join(warned["message"])  # never a customer's value
    as_text = pl.DataFrame(text).seeka.to_events(tz=TZ).issues
    assert "number_typed_text" not in set(as_text["code"])
    ids = pl.DataFrame(TEXT).with_columns(pl.Series("Order ID", [1, 1, 2, 3]))
    issues = ids.seeka.to_events(tz=TZ).issues
    assert ("activityId", "Order ID") in set(zip(issues["field"], issues["column"], strict=True))


def test_send_to_the_sandbox_from_a_polars_frame(tmp_path) -> None:
    frame = pl.DataFrame(TEXT)
    expected = text_frame(TEXT).seeka.to_events(tz=TZ).to_list()
    with seeka_nb.Sandbox(rate_limit=None) as sb:
        creds = seeka_nb.Credentials("org-polars", "pk_test_POLARS12345", endpoint=sb.ingest_url)
        report = frame.seeka.send(creds, tz=TZ, ledger=tmp_path / "l.sqlite", progress=False)
        assert report.ok and report.counts["sent"] == 3
        assert sb.events == expected
        again = frame.seeka.send(creds, tz=TZ, ledger=tmp_path / "l.sqlite", progress=False)
        assert again.counts["sent"] == 0 and len(sb.events) == 3  # the ledger remembers


cells = st.one_of(
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["", " ", "A", "a@b.co", "+61400000001", "12.50", "0", "JPY", "AUD"]),
)


@st.composite
def text_tables(draw: st.DrawFn) -> dict[str, list]:
    n = draw(st.integers(1, 30))
    column = st.lists(cells, min_size=n, max_size=n)
    ids = st.sampled_from(["1", "2", "3", "", None])
    times = st.sampled_from(["2024-01-02T03:04:05Z", "", "x", None])
    return {
        "order_id": draw(st.lists(ids, min_size=n, max_size=n)),
        "created_at": draw(st.lists(times, min_size=n, max_size=n)),
        "email": draw(column),
        "currency": draw(column),
        "total": draw(column),
        "sku": draw(column),
        "quantity": draw(column),
    }


@settings(max_examples=60, deadline=None)
@given(text_tables())
def test_any_text_table_converts_exactly_as_pandas_does(data: dict[str, list]) -> None:
    """Invariant: a text polars frame and read_orders' frame of the same cells give the same
    bodies, issues, or the same error."""
    reference = pd.DataFrame({k: text_array([v or None for v in vs]) for k, vs in data.items()})
    frame = pl.DataFrame(data, schema=dict.fromkeys(data, pl.String))
    try:
        expected = reference.seeka.to_events()
    except seeka_nb.SeekaError as exc:
        with pytest.raises(type(exc)) as info:
            frame.seeka.to_events()
        assert str(info.value) == str(exc)
        return
    got = frame.seeka.to_events()
    assert bodies(got) == bodies(expected)
    pd.testing.assert_frame_equal(got.issues, expected.issues)


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_import_seeka_nb_does_not_import_polars_and_registers_when_it_is() -> None:
    done = _python(
        """
        import sys
        import seeka_nb
        assert "polars" not in sys.modules, "import seeka_nb imported polars"
        import polars as pl
        frame = pl.DataFrame({"order_id": ["1"], "created_at": ["2024-01-02T03:04:05Z"]})
        events = frame.seeka.to_events(mapping={"totalPrice": None})
        assert type(events) is seeka_nb.Events, type(events)
        assert not any(getattr(f, "target", None) == "polars" for f in sys.meta_path)
        print("ok")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_polars_imported_first_is_registered_on_import_seeka_nb() -> None:
    done = _python(
        """
        import polars as pl
        assert not hasattr(pl.DataFrame, "seeka")
        import seeka_nb
        print(pl.DataFrame.seeka.__name__)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "PolarsFrameAccessor"


def test_a_failing_registration_never_breaks_import_polars() -> None:
    done = _python(
        """
        import warnings
        import seeka_nb
        from seeka_nb import _polars_hook
        _polars_hook._ACCESSOR = "seeka_nb.no_such_module"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            import polars
        print(polars.DataFrame({"a": [1]}).height)
        print([str(w.message) for w in caught if "seeka_nb could not register" in str(w.message)])
        """
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.strip().splitlines()
    assert lines[0] == "1" and "seeka_nb[polars]" in lines[1]
