"""read_orders(path, chunksize=N): every chunk treated as the whole-file read (encoding
detected once, text first, measures, mojibake repair, attrs), CSV/gzip/zip/Parquet."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest

import seeka_nb
from seeka_nb.errors import ConfigurationError, ValidationError

# A chunk reader abandoned mid-file must be closed before its file (pandas 2.2 flushes the
# handle in close(), which raised in a finaliser once the file was closed first).
pytestmark = pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")

CSV = (
    (
        "Order ID;Created;Email;Ciudad;Total;Zip\n"
        + "".join(
            f"A{i // 2};2024-01-0{1 + i % 9} 10:00;x{i}@example.com;"
            f"{'MontrÃ©al' if i % 3 == 0 else 'Córdoba'};{i}.50;0{i:04d}\n"
            for i in range(23)
        )
    )
    .encode("cp1252", errors="ignore")
    .replace("Ã©".encode("cp1252"), "Ã©".encode())
)


def _frames(path: object, n: int, **kw: object) -> list[pd.DataFrame]:
    with seeka_nb.read_orders(path, chunksize=n, **kw) as chunks:  # type: ignore[call-overload]
        return list(chunks)


@pytest.mark.parametrize("n", [1, 5, 23, 100])
def test_chunks_equal_the_whole_read(tmp_path: Path, n: int) -> None:
    path = tmp_path / "orders.csv"
    rows = "".join(f"A{i // 2},2024-01-01,{i}.5,0{i:04d}\n" for i in range(23))
    path.write_bytes(("Order ID,Created,Total,Zip\n" + rows).encode())
    whole = seeka_nb.read_orders(path)
    parts = _frames(path, n)
    assert all(len(p) <= n for p in parts)
    joined = pd.concat(parts)
    pd.testing.assert_frame_equal(joined, whole)
    assert all(p.attrs["seeka_nb"] == whole.attrs["seeka_nb"] for p in parts)


def test_encoding_detected_once_and_mojibake_repaired(tmp_path: Path) -> None:
    path = tmp_path / "ventas.csv"
    path.write_bytes(CSV)
    whole = seeka_nb.read_orders(path)
    parts = _frames(path, 4)
    pd.testing.assert_frame_equal(pd.concat(parts), whole)
    assert {p.attrs["seeka_nb"]["encoding"] for p in parts} == {whole.attrs["seeka_nb"]["encoding"]}
    assert {p.attrs["seeka_nb"]["delimiter"] for p in parts} == {";"}
    assert whole["Zip"].iloc[1] == "00001"  # text first in every chunk


@pytest.mark.parametrize("container", ["gzip", "zip"])
def test_compressed(tmp_path: Path, container: str) -> None:
    raw = b"order_id,created_at,total\n" + b"".join(
        f"{i},2024-01-01T00:00:00Z,{i}\n".encode() for i in range(30)
    )
    if container == "gzip":
        path = tmp_path / "o.csv.gz"
        path.write_bytes(gzip.compress(raw))
    else:
        path = tmp_path / "o.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("o.csv", raw)
    parts = _frames(path, 7)
    pd.testing.assert_frame_equal(pd.concat(parts), seeka_nb.read_orders(path))
    assert parts[0].attrs["seeka_nb"]["container"] == container


def test_parquet_in_batches(tmp_path: Path) -> None:
    df = pd.DataFrame({"order_id": [f"A{i}" for i in range(25)], "total": [1.5] * 25})
    path = tmp_path / "o.parquet"
    df.to_parquet(path, index=False)
    parts = _frames(path, 10)
    assert [len(p) for p in parts] == [10, 10, 5]
    pd.testing.assert_frame_equal(pd.concat(parts), seeka_nb.read_orders(path))
    assert parts[0].attrs["seeka_nb"]["format"] == "parquet"


def test_refusals(tmp_path: Path) -> None:
    path = tmp_path / "o.csv"
    path.write_bytes(b"order_id,total\n")
    with pytest.raises(ValidationError, match="no data rows"):
        _frames(path, 5)
    path.write_bytes(b"order_id,total\n1,2\n")
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ConfigurationError, match="chunksize"):
            _frames(path, bad)  # type: ignore[arg-type]
    with pytest.raises(ConfigurationError, match="pyarrow"):
        _frames(path, 5, engine="pyarrow")
    with pytest.raises(ConfigurationError, match="iterator"):
        seeka_nb.read_orders(path, iterator=True)
    import openpyxl  # a test dependency

    xlsx = tmp_path / "o.xlsx"
    book = openpyxl.Workbook()
    book.active.append(["order_id", "total"])
    book.save(xlsx)
    with pytest.raises(ConfigurationError, match="Excel"):
        _frames(xlsx, 5)


def test_a_late_byte_that_is_not_the_detected_encoding(tmp_path: Path) -> None:
    rows = "".join(f"{i},2024-01-01,{i}\n" for i in range(5000))
    data = ("order_id,created,total\n" + rows).encode() + "9,2024,caf\xe9\n".encode("latin-1")
    path = tmp_path / "o.csv"
    path.write_bytes(data)
    with pytest.raises(ValidationError, match="encoding="):
        _frames(path, 1000)


def test_binary_stream(tmp_path: Path) -> None:
    raw = b"order_id,total\n1,2\n2,3\n"
    parts = _frames(io.BytesIO(raw), 1)
    assert [p.index[0] for p in parts] == [0, 1]
