"""read_orders beyond plain CSV: .xlsx, .parquet, .csv.gz, .zip, engine="pyarrow", and a
SeekaError for a missing file or a folder."""

from __future__ import annotations

import gzip
import io
import zipfile

import pandas as pd
import pytest

from seeka_nb.adapters.readers import read_orders
from seeka_nb.core.pdcompat import PANDAS_3
from seeka_nb.errors import ConfigurationError, InputFileNotFoundError, SeekaError, ValidationError

CSV = (
    "Order ID,Email,Billing Zip,Phone,Total,Lineitem quantity,City\r\n"
    '0001,a@example.com,02134,+4915112345,12.50,2,"Köln, DE"\r\n'
    "0002,b@example.com,,0044 20 7946 0958,3,1,Zürich\r\n"
)


def expected_frame() -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "Order ID": ["0001", "0002"],
            "Email": ["a@example.com", "b@example.com"],
            # a Series: astype("str") on pandas 2.2 turns None into the text "None"
            "Billing Zip": pd.Series(["02134", None], dtype="str"),
            "Phone": ["+4915112345", "0044 20 7946 0958"],
            "Total": [12.5, 3.0],
            "Lineitem quantity": [2, 1],
            "City": ["Köln, DE", "Zürich"],
        }
    ).astype({"Order ID": "str", "Email": "str", "Phone": "str"})
    return frame


def same(df: pd.DataFrame) -> None:
    got = df.astype({"City": "str"})
    want = expected_frame().astype({"City": "str"})
    # a missing cell: NaN either way on pandas 3; None or NaN in object columns on pandas 2.2
    got, want = (f.fillna({"Billing Zip": "<missing>"}) for f in (got, want))
    pd.testing.assert_frame_equal(got, want, check_dtype=False)
    assert df["Total"].dtype == "float64" and df["Lineitem quantity"].dtype == "int64"


def test_csv_gz_input(tmp_path):
    path = tmp_path / "orders.csv.gz"
    path.write_bytes(gzip.compress(CSV.encode()))
    df = read_orders(path)
    same(df)
    marker = df.attrs["seeka_nb"]
    assert marker["container"] == "gzip" and marker["source"] == "orders.csv"


def test_zip_input_with_one_csv(tmp_path):
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("orders_export_1.csv", CSV.encode("cp1252"))
        archive.writestr("__MACOSX/orders_export_1.csv", b"\x00\x05junk")
        archive.writestr(".DS_Store", b"\x00\x00\x00\x01Bud1")
    df = read_orders(path)
    same(df)
    assert df.attrs["seeka_nb"]["container"] == "zip"
    assert df.attrs["seeka_nb"]["source"] == "orders_export_1.csv"
    assert df.attrs["seeka_nb"]["encoding"] == "cp1252"


def test_zip_with_several_files_is_refused(tmp_path):
    path = tmp_path / "two.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("a.csv", CSV)
        archive.writestr("b.csv", CSV)
    with pytest.raises(ValidationError, match=r"holds 2 files \(a\.csv, b\.csv\).*extract"):
        read_orders(path)


def test_xlsx_input_keeps_ids_zips_and_phones_as_text(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Order ID", "Email", "Billing Zip", "Phone", "Total", "Lineitem quantity"])
    sheet.append(["0001", "a@example.com", "02134", "+4915112345", 12.5, 2])
    sheet.append([1002, "b@example.com", None, 442079460958, 3, 1])  # numbers typed as such
    path = tmp_path / "orders.xlsx"
    book.save(path)
    df = read_orders(path)
    assert df["Order ID"].tolist() == ["0001", "1002"]
    assert df["Billing Zip"].iloc[0] == "02134" and pd.isna(df["Billing Zip"].iloc[1])
    assert df["Phone"].tolist() == ["+4915112345", "442079460958"]
    assert df["Total"].tolist() == [12.5, 3.0] and df["Lineitem quantity"].dtype == "int64"
    marker = df.attrs["seeka_nb"]
    assert marker["format"] == "xlsx" and marker["encoding"] is None
    with path.open("rb") as handle:  # a stream works too; the content decides, not the name
        pd.testing.assert_frame_equal(read_orders(handle), df)


def test_xlsx_without_openpyxl_says_what_to_install(tmp_path, monkeypatch):
    import openpyxl

    path = tmp_path / "orders.xlsx"
    openpyxl.Workbook().save(path)
    monkeypatch.setitem(__import__("sys").modules, "openpyxl", None)
    with pytest.raises(ConfigurationError, match=r"seeka_nb\[excel\]"):
        read_orders(path)


def test_parquet_input(tmp_path):
    path = tmp_path / "orders.parquet"
    expected_frame().to_parquet(path)
    df = read_orders(path)
    same(df)
    assert df.attrs["seeka_nb"]["format"] == "parquet"
    buffer = io.BytesIO(path.read_bytes())
    same(read_orders(buffer))


def test_missing_file_is_a_seeka_error_and_still_a_file_not_found(tmp_path):
    with pytest.raises(InputFileNotFoundError) as info:
        read_orders(tmp_path / "nope.csv")
    assert isinstance(info.value, SeekaError) and isinstance(info.value, FileNotFoundError)
    assert "nope.csv" in str(info.value) and str(tmp_path) not in str(info.value)


def test_directory_is_a_seeka_error(tmp_path):
    (tmp_path / "exports").mkdir()
    with pytest.raises(ValidationError, match="folder"):
        read_orders(tmp_path / "exports")


def test_engine_pyarrow_reads_the_same_frame(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV.encode())
    if not PANDAS_3:  # pandas 2's pyarrow reader turns 0001 into 1: refused, never wrong
        with pytest.raises(ConfigurationError, match="needs pandas 3"):
            read_orders(path, engine="pyarrow")
        return
    df = read_orders(path, engine="pyarrow")
    same(df)
    pd.testing.assert_frame_equal(df, read_orders(path))
    latin = tmp_path / "latin.csv"
    latin.write_bytes(CSV.encode("cp1252"))
    assert read_orders(latin, engine="pyarrow")["City"].tolist() == ["Köln, DE", "Zürich"]


def test_engine_pyarrow_refuses_what_it_cannot_do(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV.encode())
    with pytest.raises(ConfigurationError, match=r"pyarrow.*converters"):
        read_orders(path, engine="pyarrow", converters={"Total": str})
