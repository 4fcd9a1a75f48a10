"""Reading a shop's order export from a CSV file (layer 3, file I/O).

Owns :func:`read_orders`: it detects the encoding and the delimiter on a sample of the
first 64 KiB, refuses files that cannot be order exports (empty, header only, binary), lets
pandas' C parser read the whole file with every cell as text, turns only clearly numeric
*measure* columns into numbers, and records what it found in ``df.attrs["seeka_nb"]``.
The text of cells is never altered: a zip's leading zero or apostrophe, a phone's ``+``
and an ``NA`` country code reach the core exactly as written in the file.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import unicodedata
import warnings
from collections import defaultdict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import IO, Any

import numpy as np
import pandas as pd

from ..core.presets import detect_preset
from ..errors import ConfigurationError, ValidationError

__all__ = ["read_orders"]

ATTRS_KEY = "seeka_nb"
SAMPLE_SIZE = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_RECORDS = 200
_PROBE_ROWS = 1000

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"PK\x03\x04", "a zip archive or an Excel .xlsx workbook"),
    (b"\xd0\xcf\x11\xe0", "an old Excel .xls workbook"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF", "a PDF document"),
    (b"SQLite format 3\x00", "an SQLite database"),
)
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")

# Numeric measures: a plain decimal, at most 15 integer digits (exact as float64), no
# leading zeros, no sign but "-", no exponent, no thousands separator, no spaces.
_PLAIN_NUMBER = r"-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]+)?"

# Column names whose values stay text (identifiers, phones, addresses, dates).
_TEXT_WORDS = frozenset(
    "id ids identifier identificador uuid guid key token hash handle number numbers num nr "
    "nbr no numero nummer ref reference referencia code codes codigo sku skus barcode ean "
    "upc gtin isbn mpn asin serial imei zip zipcode postal postcode postalcode plz cep cp "
    "phone phones telephone tel telefono mobile cell celular fax whatsapp invoice receipt "
    "dni cuit cuil cpf cnpj rut nif vat ssn iban account tracking voucher coupon address "
    "street piso floor apartment apt suite building date dates time times datetime "
    "timestamp at created updated modified fecha hora datum".split()
)
_TEXT_SUBSTRINGS = ("phone", "postal", "postcode", "zipcode", "barcode", "invoice", "telefon")
_ENTITY_WORDS = frozenset(
    "order orders customer client cliente user invoice transaction payment receipt product "
    "variant item cart checkout session shipment pedido orden factura kunde bestellung "
    "rechnung employee device location store shop".split()
)
_ENTITY_SUFFIXES = ("ids", "id", "no", "nr", "num", "number", "nummer", "code", "ref")
_MEASURE_WORDS = frozenset(
    "total totals subtotal amount amounts price prices cost costs value values qty quantity "
    "quantities count sum tax taxes discount discounts fee fees shipping weight balance "
    "refund refunded revenue sales margin profit net gross monto importe precio cantidad "
    "costo descuento impuesto betrag preis menge".split()
)


def read_orders(path: str | os.PathLike[str] | IO[bytes], **read_csv_kwargs: Any) -> pd.DataFrame:
    """Read a shop's order export (CSV) into a DataFrame, keeping identifiers as text.

    ``path`` is a file path or a binary file object (opened with ``"rb"``); a seekable one
    is read from its current position.  ``read_csv_kwargs`` go to :func:`pandas.read_csv`
    and win over every choice below; ``encoding=`` and ``sep=``/``delimiter=`` switch off
    that detection.

    * **Encoding**, on the first 64 KiB: a UTF-8 BOM gives ``utf-8-sig`` (a UTF-16 BOM
      ``utf-16``); else strict ``utf-8``; else ``cp1252``; else ``latin-1`` (bytes that
      cp1252 leaves undefined).  Should a later byte contradict the sample, the file is
      read again with the next encoding of that list.
    * **Delimiter**: the one of ``,`` ``;`` tab ``|`` that splits the header record into
      the most fields and the sample's records most consistently (quotes respected).
    * **Text first**: every cell is read as ``str``; only an empty cell is missing, so
      ``NA``, ``N/A`` or ``null`` stay text (Namibia's country code is ``NA``).  The index
      is a plain range (``index_col=False``): a trailing delimiter never shifts columns.
    * **Numbers**: a column becomes numeric (``int64``, or ``float64`` with an integer
      column that has empty cells, or with decimals) only when every non-empty value is a
      plain decimal (``-12``, ``0.50``; no leading zero on the integer part, no ``+``,
      apostrophe, exponent, thousands separator or spaces; at most 15 integer digits) and
      its name is not identifier-like (id, number, no, zip, postal, phone, sku, code,
      invoice, reference, barcode, address, date, time... or an entity such as order,
      customer or product without a measure word such as total, price or quantity).
      Booleans and dates stay text; the core parses them.  Columns the caller typed with
      ``dtype=`` or ``converters=`` are left alone; a non-dict ``dtype=`` turns this off.

    ``df.attrs["seeka_nb"]`` receives ``preset`` (``detect_preset(columns)`` or
    ``"generic"``), ``source`` (the file name, never its folders), ``encoding`` and
    ``delimiter`` — plain strings, JSON-safe.

    Raises :class:`ValidationError` for an empty, whitespace-only, header-only, binary or
    compressed file, or one pandas cannot tokenise; :class:`ConfigurationError` for a text
    stream, an unknown encoding or ``chunksize``/``iterator``.  A missing file raises the
    built-in :class:`FileNotFoundError` unchanged (it names the path, and is what Python
    code already catches for that).
    """
    for option in ("chunksize", "iterator"):
        if read_csv_kwargs.get(option):
            raise ConfigurationError(
                f"read_orders returns a whole DataFrame and does not accept {option}=; "
                "call pandas.read_csv directly to read in chunks."
            )
    with _binary_source(path) as (handle, start, source):
        sample = _read_up_to(handle, SAMPLE_SIZE)
        whole = len(sample) < SAMPLE_SIZE
        given = read_csv_kwargs.get("encoding")
        encoding = str(given) if given is not None else _detect_encoding(sample, whole)
        text = _decode_sample(sample, encoding, whole)
        _check_content(sample, text, whole, source)
        if "sep" in read_csv_kwargs or "delimiter" in read_csv_kwargs:
            sep = read_csv_kwargs.get("sep", read_csv_kwargs.get("delimiter"))
            delimiter = sep if isinstance(sep, str) else "auto"
        else:
            delimiter = _detect_delimiter(text, whole)
        df, encoding = _parse(
            handle, start, sample, source, delimiter, encoding, given, read_csv_kwargs
        )
    if len(df) == 0:
        raise ValidationError(
            f"{source} has a header row but no data rows: export the orders again with a "
            "date range that contains orders, or check that you picked the right file."
        )
    _convert_measures(df, read_csv_kwargs)
    df.attrs[ATTRS_KEY] = {
        "preset": detect_preset(df.columns) or "generic",
        "source": source,
        "encoding": encoding,
        "delimiter": delimiter,
    }
    return df


@contextmanager
def _binary_source(
    path: str | os.PathLike[str] | IO[bytes],
) -> Iterator[tuple[IO[bytes], int, str]]:
    """A seekable binary handle, the offset to read from, and the file name for messages."""
    if isinstance(path, str | os.PathLike):
        with open(path, "rb") as handle:  # FileNotFoundError goes through unchanged
            yield handle, 0, os.path.basename(os.fsdecode(path))
        return
    if not callable(getattr(path, "read", None)):
        raise ConfigurationError(
            f"read_orders needs a file path or a binary file object, not {type(path).__name__}; "
            "wrap bytes in io.BytesIO(...)."
        )
    name = getattr(path, "name", None)
    source = os.path.basename(os.fsdecode(name)) if isinstance(name, str | bytes) else "<stream>"
    probe = path.read(0)
    if isinstance(probe, str):
        raise ConfigurationError(
            f"{source} is open in text mode; read_orders needs the raw bytes to detect the "
            "encoding: open the file with 'rb' (or pass its path)."
        )
    if _seekable(path):
        yield path, path.tell(), source
    else:  # a pipe or a network stream: keep the bytes so they can be read twice
        yield io.BytesIO(path.read()), 0, source


def _seekable(handle: IO[bytes]) -> bool:
    try:
        return bool(handle.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _read_up_to(handle: IO[bytes], size: int) -> bytes:
    """Up to ``size`` bytes; raw streams may return short reads before the end."""
    parts: list[bytes] = []
    left = size
    while left > 0:
        chunk = handle.read(left)
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def _detect_encoding(sample: bytes, whole: bool) -> str:
    if sample.startswith(_UTF8_BOM):
        return "utf-8-sig"
    if sample.startswith(_UTF16_BOMS):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")("strict").decode(sample, final=whole)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        sample.decode("cp1252")
        return "cp1252"
    except UnicodeDecodeError:
        return "latin-1"


def _decode_sample(sample: bytes, encoding: str, whole: bool) -> str:
    try:
        decoder = codecs.getincrementaldecoder(encoding)("replace")
    except LookupError:
        raise ConfigurationError(
            f"Unknown encoding {encoding!r}: pass a Python codec name such as 'utf-8', "
            "'cp1252' or 'latin-1', or leave encoding= out to detect it."
        ) from None
    return decoder.decode(sample, final=whole)


def _check_content(sample: bytes, text: str, whole: bool, source: str) -> None:
    """Refuse what cannot be an order export, with what to do instead."""
    if not sample:
        raise ValidationError(f"{source} is empty (0 bytes): export the orders again.")
    if whole and not text.strip():
        raise ValidationError(
            f"{source} is empty (it holds only whitespace): export the orders again."
        )
    for magic, kind in _SIGNATURES:
        if sample.startswith(magic):
            raise ValidationError(
                f"{source} is {kind}, not a CSV text file: export or save the orders as CSV "
                "(for a workbook: pandas.read_excel, then use df.seeka); decompress archives "
                "first."
            )
    controls = len(_CONTROL.findall(text))
    if "\x00" in text or controls > len(text) / 100:
        hint = ""
        if sample[1:200:2].count(0) > 50 or sample[0:200:2].count(0) > 50:
            hint = " If it is UTF-16 text without a BOM, pass encoding='utf-16-le' (or -be)."
        raise ValidationError(
            f"{source} looks like a binary file (it contains NUL or control bytes), not a CSV "
            f"text export: check that you picked the right file and export it as CSV.{hint}"
        )


def _detect_delimiter(text: str, whole: bool) -> str:
    """The candidate giving the widest header record and the most consistent records."""
    if not whole:  # the sample ends mid-record: keep whole lines, and drop the last record
        cut = text.rfind("\n")
        text = text[: cut + 1] if cut > 0 else text
    best, best_key = DELIMITERS[0], (False, -1.0, 0, 0)
    for rank, delimiter in enumerate(DELIMITERS):
        records = _sample_records(text, delimiter)
        if not whole and len(records) > 2:
            records = records[:-1]
        width = len(records[0]) if records else 1
        data = records[1:]
        consistent = sum(len(r) == width for r in data) / len(data) if data else 1.0
        key = (width > 1, consistent, width, -rank)
        if key > best_key:
            best, best_key = delimiter, key
    return best


def _sample_records(text: str, delimiter: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    records: list[list[str]] = []
    try:
        for record in islice(reader, _SAMPLE_RECORDS):
            if record:  # pandas skips blank lines too
                records.append(record)
    except csv.Error:  # an over-long or unterminated cell at the sample's end
        pass
    return records


def _parse(
    handle: IO[bytes],
    start: int,
    sample: bytes,
    source: str,
    delimiter: str,
    encoding: str,
    given: object,
    kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, str]:
    """Let pandas read the file; on a decoding error later in the file, fall back."""
    options: dict[str, Any] = {
        "keep_default_na": False,
        "na_values": [""],
        "index_col": False,
    }
    if "sep" not in kwargs and "delimiter" not in kwargs:
        options["sep"] = delimiter
    dtype = kwargs.get("dtype")
    if dtype is None or isinstance(dtype, dict):  # text first; the caller's columns win
        dtype = defaultdict(lambda: "str", dtype or {})
    options["dtype"] = dtype
    options.update({k: v for k, v in kwargs.items() if k not in ("dtype", "encoding")})
    fallbacks = [] if given is not None else _fallbacks(encoding)
    while True:
        handle.seek(start + (len(_UTF8_BOM) if _skip_bom(sample, encoding) else 0))
        try:
            with warnings.catch_warnings():
                if "converters" in kwargs:  # a converter wins over the default "str"
                    warnings.filterwarnings("ignore", "Both a converter and dtype")
                return pd.read_csv(handle, encoding=encoding, **options), encoding
        except UnicodeDecodeError:
            if not fallbacks:
                raise ValidationError(
                    f"{source} cannot be decoded as {encoding}: leave encoding= out to detect "
                    "it, or pass the right one (or encoding_errors='replace')."
                ) from None
            encoding = fallbacks.pop(0)
        except pd.errors.EmptyDataError:
            raise ValidationError(
                f"{source} has no header row (no columns): export the orders again."
            ) from None
        except pd.errors.ParserError as exc:
            raise ValidationError(
                f"{source} cannot be read as CSV with delimiter {delimiter!r} "
                f"({str(exc).strip()}). Check that it is the shop's CSV export; pass sep=... "
                "if the delimiter is wrong, or on_bad_lines='warn' to skip malformed rows."
            ) from None


def _fallbacks(encoding: str) -> list[str]:
    if encoding in ("utf-8", "utf-8-sig"):
        return ["cp1252", "latin-1"]
    return ["latin-1"] if encoding == "cp1252" else []


def _skip_bom(sample: bytes, encoding: str) -> bool:
    """A UTF-8 BOM is not text in a single-byte fallback encoding."""
    return sample.startswith(_UTF8_BOM) and encoding in ("cp1252", "latin-1")


def _convert_measures(df: pd.DataFrame, kwargs: dict[str, Any]) -> None:
    """Turn clearly numeric measure columns into numbers, in place (see read_orders)."""
    dtype = kwargs.get("dtype")
    if dtype is not None and not isinstance(dtype, dict):
        return
    typed = _column_names(df, [*(dtype or {}), *(kwargs.get("converters") or {})])
    for position, name in enumerate(df.columns):
        column = df.iloc[:, position]
        if name in typed or not pd.api.types.is_string_dtype(column) or _keeps_text(name):
            continue
        head = column.iloc[:_PROBE_ROWS].dropna()
        if not head.str.fullmatch(_PLAIN_NUMBER).all():  # most text columns stop here
            continue
        codes, uniques = pd.factorize(column)  # work on distinct values; -1 = empty cell
        if len(uniques) == 0:
            continue
        distinct = pd.Series(uniques, dtype="str")
        if not distinct.str.fullmatch(_PLAIN_NUMBER).all():
            continue
        numbers = pd.to_numeric(distinct).to_numpy()
        if (codes < 0).any():
            numbers = np.append(numbers.astype(np.float64), np.nan)
        df.isetitem(position, pd.Series(numbers[codes], index=df.index))  # type: ignore[arg-type]


def _column_names(df: pd.DataFrame, keys: list[Hashable]) -> set[Hashable]:
    """Caller keys (names or positions) as column names."""
    names = set(keys)
    names.update(df.columns[k] for k in keys if isinstance(k, int) and 0 <= k < len(df.columns))
    return names


def _name_tokens(name: object) -> list[str]:
    """``"CustomerID"`` → ``["customer", "id"]``, ``"Teléfono"`` → ``["telefono"]``."""
    text = unicodedata.normalize("NFKD", str(name))
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    return re.findall(r"[a-z]+|[0-9]+", text.lower())


def _keeps_text(name: object) -> bool:
    """Whether a column name says identifier, phone, address or date (values stay text)."""
    tokens = _name_tokens(name)
    for token in tokens:
        if token in _TEXT_WORDS or any(s in token for s in _TEXT_SUBSTRINGS):
            return True
        for suffix in _ENTITY_SUFFIXES:
            if token.endswith(suffix) and token[: -len(suffix)] in _ENTITY_WORDS:
                return True
    return any(t in _ENTITY_WORDS for t in tokens) and not any(t in _MEASURE_WORDS for t in tokens)
