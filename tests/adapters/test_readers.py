"""read_orders: encoding and delimiter detection, text-first reading, bad files.

The real exports are compared cell by cell with what Python's ``csv`` module reads from the
same bytes; the synthetic cases are built byte by byte in ``tmp_path``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from seeka_nb.adapters.readers import SAMPLE_SIZE, read_orders
from seeka_nb.core.pdcompat import is_text_column
from seeka_nb.core.presets import detect_preset
from seeka_nb.errors import ConfigurationError, ValidationError

# ---------------------------------------------------------------------------------------
# helpers


def csv_records(raw: bytes, encoding: str, delimiter: str) -> list[list[str]]:
    """What the csv module reads: header first, blank lines dropped (as pandas does)."""
    text = raw.decode(encoding)
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return [r for r in rows if r]


def unmangle(value: str) -> str:
    """Undo double-encoded UTF-8 (``MontrÃ©al``) independently of the reader: the text's
    characters as Latin-1/cp1252 bytes, when those bytes are valid UTF-8 and not ASCII."""
    for single_byte in ("latin-1", "cp1252"):
        try:
            raw = value.encode(single_byte)
            return raw.decode("utf-8") if not raw.isascii() else value
        except UnicodeError:
            continue
    return value


def write(tmp_path: Path, data: bytes, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def is_text(series: pd.Series) -> bool:
    return is_text_column(series) and not pd.api.types.is_float_dtype(series)


def cell(df: pd.DataFrame, row: int, column: str) -> str:
    value = df[column].iloc[row]
    return "" if isinstance(value, float) and math.isnan(value) else value


# ---------------------------------------------------------------------------------------
# the six real exports


@dataclass(frozen=True)
class Real:
    encoding: str  # what read_orders must detect
    delimiter: str
    ids: tuple[str, ...]  # identifier-like columns that must stay text
    quirks: tuple[tuple[str, str], ...] = ()  # (column, quirk) cells checked one by one


SHOPIFY_IDS = ("Name", "Id", "Lineitem sku", "Billing Zip", "Shipping Zip", "Billing Phone")
SHOPIFY_IDS += ("Shipping Phone", "Phone", "Payment Reference", "Receipt Number")

REAL = {
    "shopify_orders_export_bibiwatson_excel_resaved_head.csv": Real(
        "utf-8",
        ",",
        ("Name", "Lineitem sku"),
        (("Lineitem sku", "zero"), ("Notes", "crlf"), ("Note Attributes", "newline")),
    ),
    "shopify_orders_export_oks234.csv": Real(
        "utf-8",
        ",",
        SHOPIFY_IDS,
        (
            ("Billing Zip", "zero"),
            ("Billing Phone", "apostrophe"),
            ("Phone", "plus"),
            ("Note Attributes", "newline"),
        ),
    ),
    "shopify_orders_export_paramxjyot_head.csv": Real(
        "utf-8",
        ",",
        (*SHOPIFY_IDS, "Device ID", "Payment ID", "Payment References"),
        (
            ("Billing Zip", "apostrophe"),
            ("Shipping Phone", "plus"),
            ("Notes", "newline"),
            ("Note Attributes", "newline"),
        ),
    ),
    "tiendanube_ventas_Contak-cpu.csv": Real(
        "cp1252",
        ";",
        (
            "Número de orden",
            "DNI / CUIT",
            "Teléfono",
            "Teléfono para el envío",
            "Número",
            "Código postal",
            "SKU",
            "Identificador de la orden",
            "Identificador de la transacción en el medio de pago",
            "Código de tracking del envío",
        ),
        (("DNI / CUIT", "zero"), ("Teléfono", "plus"), ("Número", "zero")),
    ),
    "uci_online_retail_FatymaHassan_head.csv": Real(
        "utf-8", ",", ("InvoiceNo", "StockCode", "CustomerID")
    ),
    "woocommerce_api_orders_shoaibmt.csv": Real(
        "utf-8", ",", ("Order ID", "Customer ID", "Product ID")
    ),
}

REAL2 = {
    "amazon_ca_buyer_order_history_Jodi22K.csv": Real(
        "utf-8-sig", ",", ("Order ID", "ASIN", "Purchase Order Number", "Total Discounts")
    ),
    "amazon_in_seller_sale_report_gkoshyk_head.csv": Real(
        "utf-8", ",", ("Order ID", "SKU", "ASIN", "ship-postal-code")
    ),
    "etsy_sold_orders_2023_Epicrae.csv": Real(
        "utf-8", "\t", ("Order ID", "Buyer User ID", "Ship Zipcode", "Sale Date")
    ),
    "online_retail_II_xq2005.csv": Real("utf-8-sig", ",", ("Invoice", "StockCode", "Customer ID")),
    "shopify_es_jewellery_AntiquaStore.csv": Real(
        "utf-8",
        ",",
        SHOPIFY_IDS,
        (("Shipping Phone", "zero-zero"), ("Shipping Method", "quote"), ("Notes", "newline")),
    ),
    "shopify_pt_watersports_SuesteCreative.csv": Real(
        "utf-8", ",", SHOPIFY_IDS, (("Billing Phone", "plus"),)
    ),
}

QUIRKS = {
    "zero": lambda v: len(v) > 1 and v[0] == "0" and v[1].isdigit(),
    "apostrophe": lambda v: v.startswith("'"),
    "plus": lambda v: v.startswith("+"),
    "newline": lambda v: "\n" in v,
    "crlf": lambda v: "\r\n" in v,
    "zero-zero": lambda v: v.startswith("00"),
    "quote": lambda v: '"' in v,
}


EXPORTS = [("real", name) for name in sorted(REAL)] + [("real2", name) for name in sorted(REAL2)]


@pytest.fixture(scope="module", params=EXPORTS, ids=[name for _, name in EXPORTS])
def real_export(request):
    folder, name = request.param
    spec = (REAL if folder == "real" else REAL2)[name]
    path = request.getfixturevalue(f"{folder}_data") / name
    records = csv_records(path.read_bytes(), spec.encoding, spec.delimiter)
    return name, spec, records, read_orders(path)


def test_real_export_has_the_csv_modules_records_and_columns(real_export):
    name, spec, records, df = real_export
    header, rows = records[0], records[1:]
    assert df.shape == (len(rows), len(header))
    assert list(df.columns) == header
    marker = df.attrs["seeka_nb"]
    assert {k: marker[k] for k in ("preset", "source", "format", "encoding", "delimiter")} == {
        "preset": detect_preset(df.columns) or "generic",
        "source": name,
        "format": "csv",
        "encoding": spec.encoding,
        "delimiter": spec.delimiter,
    }
    assert marker.get("encoding_guessed", False) is not spec.encoding.startswith("utf-8")


def test_real_export_every_cell_equals_the_csv_modules_reading(real_export):
    _, _, records, df = real_export
    header, rows = records[0], records[1:]
    for position, column in enumerate(header):
        expected = [r[position] for r in rows]
        series = df.iloc[:, position]
        if is_text(series):  # text as written (mojibake undone); only empty cells missing
            got = series.fillna("").tolist()
            assert got == [unmangle(v) for v in expected], column
        else:  # a measure: the same numbers
            numbers = [float(v) if v else math.nan for v in expected]
            assert series.astype(float).tolist() == pytest.approx(numbers, nan_ok=True), column


def test_real_export_identifier_columns_stay_text(real_export):
    _, spec, records, df = real_export
    header = records[0]
    for column in spec.ids:
        assert column in header, column
        assert is_text(df[column]), f"{column} became {df[column].dtype}"
        expected = [r[header.index(column)] for r in records[1:]]
        assert df[column].fillna("").tolist() == expected, column


def test_real_export_quirky_cells_are_byte_for_byte(real_export):
    _, spec, records, df = real_export
    header, rows = records[0], records[1:]
    for column, quirk in spec.quirks:
        position = header.index(column)
        hits = [i for i, r in enumerate(rows) if QUIRKS[quirk](r[position])]
        assert hits, f"{column} was expected to hold a {quirk} cell"
        for i in hits[:5]:
            got = cell(df, i, column).encode("utf-8")
            assert got == unmangle(rows[i][position]).encode("utf-8"), (column, quirk, i)


def test_etsy_sold_orders_file_is_tab_separated_despite_csv(real2_data):
    """Etsy's "Sold Orders" export is read with tabs: 36 columns, every order on one row."""
    path = real2_data / "etsy_sold_orders_2023_Epicrae.csv"
    raw = path.read_bytes()
    assert raw.split(b"\n", 1)[0].count(b"\t") == 35  # the file really is TSV
    df = read_orders(path)
    assert df.attrs["seeka_nb"]["delimiter"] == "\t"
    assert df.shape == (1605, 36)
    assert df["Order ID"].is_unique
    assert df["Order Total"].dtype == "float64"
    assert df["Sale Date"].iloc[0] == "12/31/2023"


def test_real_exports_keep_measures_numeric(real_data):
    df = read_orders(real_data / "uci_online_retail_FatymaHassan_head.csv")
    assert df["Quantity"].dtype == "int64"
    assert df["UnitPrice"].dtype == "float64"
    assert is_text(df["InvoiceDate"])  # dates stay text for the core's zone rules


# ---------------------------------------------------------------------------------------
# synthetic quirks


def test_utf8_bom(tmp_path):
    df = read_orders(write(tmp_path, b"\xef\xbb\xbfOrder ID,Email\r\n1001,a@example.com\r\n"))
    assert df.attrs["seeka_nb"]["encoding"] == "utf-8-sig"
    assert list(df.columns) == ["Order ID", "Email"]
    assert df["Order ID"].tolist() == ["1001"]


def test_utf16_bom_tab_delimited_spreadsheet_unicode_text(tmp_path):
    text = "Order ID\tCity\r\n0042\tZürich\r\n"
    df = read_orders(write(tmp_path, text.encode("utf-16")))
    assert df.attrs["seeka_nb"]["encoding"] == "utf-16"
    assert df.attrs["seeka_nb"]["delimiter"] == "\t"
    assert df.iloc[0].tolist() == ["0042", "Zürich"]


def test_cp1252_text_with_semicolon_delimiter(tmp_path):
    text = 'Número;Ciudad;Total;Nota\n0042;Córdoba;12.50;"precio, 5 €; pagado"\n'
    df = read_orders(write(tmp_path, text.encode("cp1252")))
    assert df.attrs["seeka_nb"]["encoding"] == "cp1252"
    assert df.attrs["seeka_nb"]["delimiter"] == ";"
    assert df.iloc[0, :2].tolist() == ["0042", "Córdoba"]
    assert df["Nota"].iloc[0] == "precio, 5 €; pagado"
    assert df["Total"].tolist() == [12.5]


def test_latin1_when_bytes_are_undefined_in_cp1252(tmp_path):
    raw = b"Name;City\n#1;Bogot\xe1 \x81\n"  # 0x81 has no cp1252 character
    df = read_orders(write(tmp_path, raw))
    assert df.attrs["seeka_nb"]["encoding"] == "latin-1"
    assert df["City"].iloc[0] == raw.split(b";")[-1].strip().decode("latin-1")


def test_non_utf8_byte_after_the_sample_falls_back_to_cp1252(tmp_path):
    filler = b"".join(b"#%d,Paris\n" % i for i in range(SAMPLE_SIZE // 8))
    raw = b"Name,City\n" + filler + b"#last,Besan\xe7on\n"
    df = read_orders(write(tmp_path, raw))
    assert df.attrs["seeka_nb"]["encoding"] == "cp1252"
    assert len(df) == len(csv_records(raw, "cp1252", ",")) - 1
    assert df["City"].iloc[-1] == "Besançon"


def test_utf8_character_split_by_the_sample_boundary_is_still_utf8(tmp_path):
    head = b"Name,City\n"
    pad = b"#1,"
    row = head + pad + b"x" * (SAMPLE_SIZE - len(head) - len(pad) - 1) + "é\n".encode()
    assert row[SAMPLE_SIZE - 1 : SAMPLE_SIZE + 1] == "é".encode()  # split by the cut
    df = read_orders(write(tmp_path, row + b"#2,Lyon\n"))
    assert df.attrs["seeka_nb"]["encoding"] == "utf-8"
    assert df["City"].tolist() == ["x" * (len(row) - len(head) - len(pad) - 3) + "é", "Lyon"]


def test_crlf_file_with_bare_lf_inside_quoted_cells(tmp_path):
    raw = (
        b"Name,Notes,Note Attributes,Total\r\n"
        b'#1,"first line\nsecond line","a: 1\r\nb: 2",10.00\r\n'
        b'#2,"",plain,5\r\n'
        b'#3,"quote "" inside\n, and comma",x,7.25\r\n'
    )
    records = csv_records(raw, "utf-8", ",")
    df = read_orders(write(tmp_path, raw))
    assert len(df) == len(records) - 1 == 3
    for i, row in enumerate(records[1:]):
        assert [cell(df, i, c) for c in ("Name", "Notes", "Note Attributes")] == row[:3]


def test_tab_delimited_with_commas_in_cells(tmp_path):
    raw = b"Order ID\tProduct\tPrice\n1001\tMug, large\t9.90\n1002\tCup, small\t4.50\n"
    df = read_orders(write(tmp_path, raw))
    assert df.attrs["seeka_nb"]["delimiter"] == "\t"
    assert df["Product"].tolist() == ["Mug, large", "Cup, small"]


def test_tab_delimited_despite_commas_and_semicolons_everywhere(tmp_path):
    """Etsy-like: a comma in a header, '% off;% off' coupons, addresses full of commas,
    a short row missing its trailing empty cells; the tab still wins."""
    raw = (
        b"Sale Date\tOrder ID\tStreet, line 1\tCoupon Details\tOrder Total\tSKU\n"
        b"12/31/2023\t3159107009\t815 W 47th, Apt 2, Floor 3\t% off;% off\t16.88\tA;B\n"
        b"12/30/2023\t3158906619\tRue a, b; c\t% off\t17.31\n"
        b"12/29/2023\t3158906620\t1, 2, 3, 4, 5, 6, 7\t;;\t1\t\n"
    )
    df = read_orders(write(tmp_path, raw))
    assert df.attrs["seeka_nb"]["delimiter"] == "\t"
    assert df.shape == (3, 6)
    assert df["Street, line 1"].tolist()[0] == "815 W 47th, Apt 2, Floor 3"
    assert df["Order ID"].tolist() == ["3159107009", "3158906619", "3158906620"]


def test_quoted_header_cells_holding_other_delimiters(tmp_path):
    raw = b'"Total; with tax","Notes | free text",Order ID\n1.50,"a;b|c",0001\n2,"",0002\n'
    df = read_orders(write(tmp_path, raw))
    assert df.attrs["seeka_nb"]["delimiter"] == ","
    assert list(df.columns) == ["Total; with tax", "Notes | free text", "Order ID"]
    assert df["Order ID"].tolist() == ["0001", "0002"]


def test_pipe_delimited(tmp_path):
    df = read_orders(write(tmp_path, b"Order ID|City|Total\n7|Oslo, NO|3.5\n"))
    assert df.attrs["seeka_nb"]["delimiter"] == "|"
    assert df.iloc[0].tolist() == ["7", "Oslo, NO", 3.5]


def test_na_country_code_stays_text(tmp_path):
    raw = b"Order ID,Country,Note,Total\n1,NA,N/A,1\n2,DE,null,\n3,,NaN,2.5\n"
    df = read_orders(write(tmp_path, raw))
    assert df["Country"].iloc[0] == "NA"
    assert df["Note"].tolist() == ["N/A", "null", "NaN"]
    assert df["Country"].isna().tolist() == [False, False, True]  # only empty is missing
    assert df["Total"].iloc[:1].tolist() == [1.0] and math.isnan(df["Total"].iloc[1])


def test_leading_zero_zip_stays_text(tmp_path):
    raw = b"Name,Billing Zip,Shipping Postcode,Phone,Quantity\n#1,02134,'02134,+4915112345,2\n"
    df = read_orders(write(tmp_path, raw))
    assert df.iloc[0, :4].tolist() == ["#1", "02134", "'02134", "+4915112345"]
    assert df["Quantity"].dtype == "int64"


@pytest.mark.parametrize(
    ("column", "values", "numeric"),
    [
        ("Total", ["12.50", "3"], True),
        ("Order Total", ["5.00", "-1.25"], True),
        ("Lineitem quantity", ["1", "2"], True),
        ("Amount", ["+5", "3"], False),  # a leading plus is a phone's habit
        ("Qty", ["007", "1"], False),  # leading zero
        ("Weight", ["1e5", "2"], False),  # exponent
        ("Price", ["1,234.50", "3"], False),  # thousands separator
        ("Price", ["'12", "3"], False),  # spreadsheet apostrophe
        ("Amount", ["1234567890123456", "1"], False),  # more digits than a float holds
        ("Order Number", ["1001", "1002"], False),
        ("CustomerID", ["17850", "13047"], False),
        ("InvoiceNo", ["536365", "536366"], False),
        ("orderid", ["5", "6"], False),
        ("Created at", ["20240101", "20240102"], False),
        ("Teléfono", ["12345", "67890"], False),
        ("Accepts Marketing", ["yes", "no"], False),
    ],
)
def test_numeric_conversion_rule(tmp_path, column, values, numeric):
    raw = "Name," + column + "\n" + "".join(f"#{i},{v}\n" for i, v in enumerate(values))
    path = write(tmp_path, raw.encode().replace(b"1,234.50", b'"1,234.50"'))
    series = read_orders(path)[column]
    assert (not is_text(series)) is numeric, series.dtype
    if not numeric:
        assert series.tolist() == values


def test_trailing_delimiter_does_not_shift_columns(tmp_path):
    df = read_orders(write(tmp_path, b"Order ID,Email\n0001,a@example.com,\n"))
    assert df.iloc[0].tolist() == ["0001", "a@example.com"]
    assert isinstance(df.index, pd.RangeIndex)


def test_caller_kwargs_override_detection(tmp_path):
    path = write(tmp_path, "Name;City;Total\n#1;Köln;0.50\n".encode("cp1252"))
    df = read_orders(path, sep=";", encoding="latin-1", dtype={"Total": "str"})
    assert df.attrs["seeka_nb"]["encoding"] == "latin-1"
    assert df.attrs["seeka_nb"]["delimiter"] == ";"
    assert df["City"].iloc[0] == "Köln"
    assert df["Total"].iloc[0] == "0.50"  # the caller's dtype wins over the numeric rule
    single = read_orders(path, sep=",")  # a wrong sep is obeyed: one column
    assert single.shape == (1, 1) and single.attrs["seeka_nb"]["delimiter"] == ","
    assert read_orders(path, dtype=str)["Total"].iloc[0] == "0.50"
    nas = read_orders(path, na_values=["Köln"])
    assert nas["City"].isna().all()


def test_caller_converters_win_without_warnings(tmp_path, recwarn):
    path = write(tmp_path, b"Order ID,Total\n0001,1.5\n")
    df = read_orders(path, converters={"Total": lambda v: v + "!"})
    assert df["Total"].tolist() == ["1.5!"] and df["Order ID"].tolist() == ["0001"]
    assert not [w for w in recwarn if issubclass(w.category, pd.errors.ParserWarning)]


def test_file_like_object_input(tmp_path):
    raw = b"Order ID,Zip\n0001,01234\n"
    from_bytes = read_orders(io.BytesIO(raw))
    assert from_bytes.attrs["seeka_nb"]["source"] == "<stream>"
    assert from_bytes.iloc[0].tolist() == ["0001", "01234"]
    with write(tmp_path, raw, "export.csv").open("rb") as fh:
        from_file = read_orders(fh)
    assert from_file.attrs["seeka_nb"]["source"] == "export.csv"
    pd.testing.assert_frame_equal(from_file, from_bytes)
    positioned = io.BytesIO(b"preamble to skip\n" + raw)
    positioned.seek(len(b"preamble to skip\n"))  # read from the current position
    pd.testing.assert_frame_equal(read_orders(positioned), from_bytes)

    class Pipe(io.RawIOBase):  # not seekable, short reads
        def __init__(self, data: bytes) -> None:
            self._data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer) -> int:
            chunk = self._data.read(min(len(buffer), 3))
            buffer[: len(chunk)] = chunk
            return len(chunk)

    pd.testing.assert_frame_equal(read_orders(Pipe(raw)), from_bytes)


def test_text_stream_and_bytes_are_refused_with_a_hint():
    with pytest.raises(ConfigurationError, match="'rb'"):
        read_orders(io.StringIO("a,b\n1,2\n"))
    with pytest.raises(ConfigurationError, match="BytesIO"):
        read_orders(b"a,b\n1,2\n")  # type: ignore[arg-type]


def test_iterator_is_refused_chunksize_reads_in_chunks(tmp_path):
    path = write(tmp_path, b"a,b\n1,2\n3,4\n")
    with pytest.raises(ConfigurationError, match="chunksize=N"):
        read_orders(path, iterator=True)
    with read_orders(path, chunksize=1) as chunks:  # issue 16: see tests/adapters/test_chunked.py
        assert [len(c) for c in chunks] == [1, 1]


def test_attrs_marker_is_json_serialisable(tmp_path):
    folder = tmp_path / "private" / "exports"
    folder.mkdir(parents=True)
    df = read_orders(write(folder, b"Name,Email\n#1,a@example.com\n", "march.csv"))
    marker = df.attrs["seeka_nb"]
    assert json.loads(json.dumps(marker)) == marker
    assert all(type(v) is str for v in marker.values())
    assert marker["preset"] == (detect_preset(df.columns) or "generic")
    assert marker["source"] == "march.csv"  # the file name only, never the folders
    assert "private" not in json.dumps(marker)


# ---------------------------------------------------------------------------------------
# bad files


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", ("empty", "0 bytes")),
        (b" \r\n\t\n  ", ("empty", "whitespace")),
        (b"\xef\xbb\xbf", ("empty",)),
        (b"Name,Email,Total\n", ("header", "no data rows")),
        (b"Name,Email,Total\r\n\r\n\r\n", ("header", "no data rows")),
        (b"Name,Email\n#1,\x00\x00\x01\x02\x00\n", ("binary", "CSV")),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", ("PNG", "CSV")),
        (b"PK\x03\x04\x14\x00\x06\x00", ("xlsx", "damaged")),
        (b"\x1f\x8b\x08\x00", ("gzip", "damaged")),
        (b"a,b\n1,2\n3,4,5,6\n", ("line 3", "sep=")),
    ],
    ids=["zero-bytes", "whitespace", "bom-only", "header-only", "header-blank-lines",
         "nul-bytes", "png", "zip-xlsx", "gzip", "ragged-rows"],
)  # fmt: skip
def test_bad_file_is_a_validation_error_saying_what_to_do(tmp_path, raw, words):
    with pytest.raises(ValidationError) as info:
        read_orders(write(tmp_path, raw, "bad.csv"))
    message = str(info.value)
    assert "bad.csv" in message
    for word in words:
        assert word in message


def test_binary_error_never_quotes_the_files_content(tmp_path):
    raw = b"Email\ncust_secret@example.com\x00\x00\n"
    with pytest.raises(ValidationError) as info:
        read_orders(write(tmp_path, raw))
    assert "cust_secret" not in str(info.value)


def test_missing_file_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_orders(tmp_path / "nope.csv")
