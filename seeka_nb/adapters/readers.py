"""Reading a shop's order export into a DataFrame (layer 3, file I/O).

Owns :func:`read_orders`: it opens the file (a path or a binary stream; gzip and zip
containers, Excel workbooks and Parquet files are recognised by content, see
:mod:`~seeka_nb.adapters.sources`), detects a CSV's encoding (:mod:`.encodings`) and
delimiter on a sample of the first 64 KiB, refuses files that cannot be order exports
(empty, header only, binary), lets pandas read the whole file with every cell as text,
turns only clearly numeric *measure* columns into numbers (:mod:`.measures`), repairs
double-encoded UTF-8 (:mod:`.mojibake`), and records what it found in
``df.attrs["seeka_nb"]``.  Otherwise the text of cells is never altered: a zip's leading
zero or apostrophe, a phone's ``+`` and an ``NA`` country code reach the core exactly as
written in the file.
"""

from __future__ import annotations

import codecs
import csv
import importlib.util
import io
import os
import re
import warnings
from collections import defaultdict
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, overload

import pandas as pd

from ..core.mapping import duplicate_columns
from ..core.pdcompat import PANDAS_3
from ..core.presets import detect_preset
from ..errors import ConfigurationError, ValidationError
from . import mojibake as _mojibake
from .encodings import _UTF8_BOM, Encoding, codec_name, detect_encoding, guess_encoding
from .measures import convert_measures
from .sources import Source, open_source, read_excel, read_parquet

if TYPE_CHECKING:
    from .chunked import OrderChunks

__all__ = ["read_orders"]

ATTRS_KEY = "seeka_nb"
SAMPLE_SIZE = 64 * 1024
DELIMITERS = (",", ";", "\t", "|")
_SAMPLE_RECORDS = 200

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
_PYARROW_REFUSES = ("converters", "on_bad_lines", "skipfooter", "nrows", "thousands")


@overload
def read_orders(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    repair_mojibake: bool = True,
    chunksize: None = None,
    **read_csv_kwargs: Any,
) -> pd.DataFrame: ...
@overload
def read_orders(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    repair_mojibake: bool = True,
    chunksize: int,
    **read_csv_kwargs: Any,
) -> OrderChunks: ...
def read_orders(
    path: str | os.PathLike[str] | IO[bytes],
    *,
    repair_mojibake: bool = True,
    chunksize: int | None = None,
    **read_csv_kwargs: Any,
) -> pd.DataFrame | OrderChunks:
    """Read a shop's order export into a DataFrame, keeping identifiers as text.

    ``path`` is a file path or a binary file object (opened with ``"rb"``); a seekable one
    is read from its current position.  Besides CSV text it may be a gzip file
    (``.csv.gz``), a zip archive holding one file, an Excel workbook (``.xlsx``, needs
    ``pip install "seeka_nb[excel]"``) or a Parquet file (needs pyarrow): the content
    decides, not the name.  ``read_csv_kwargs`` go to :func:`pandas.read_csv` (to
    :func:`pandas.read_excel` / :func:`pandas.read_parquet` for those) and win over every
    choice below; ``encoding=`` and ``sep=``/``delimiter=`` switch off that detection.
    ``engine="pyarrow"`` reads the CSV with pyarrow (same text-first rules; options pyarrow
    does not support are refused with a :class:`ConfigurationError`).

    * **Encoding**, on the first 64 KiB: a UTF-8 BOM gives ``utf-8-sig`` (a UTF-16 BOM
      ``utf-16``); else strict ``utf-8``; else a *guess* by charset-normalizer, checked
      against the alphabets of the languages the text could be in (Shift-JIS is read as
      ``cp932``, GBK as ``gb18030``, Western and Central European text as ``cp1252`` or
      ``cp1250``...; see :mod:`seeka_nb.adapters.encodings`).  A guess is marked in
      ``attrs`` (``encoding_guessed``, ``encoding_language``): pass ``encoding=`` when
      names look wrong.  Should a byte after the sample contradict strict UTF-8, the whole
      file is guessed again.
    * **Mojibake**: double-encoded UTF-8 (``MontrÃ©al``) is repaired with ftfy
      (``Montréal``) in text columns, and the number of repaired cells per column is in
      ``attrs["mojibake"]``; ``repair_mojibake=False`` keeps the cells as written and
      reports the suspect cells there instead (see :mod:`seeka_nb.adapters.mojibake`).
    * **Delimiter**: the one of ``,`` ``;`` tab ``|`` that splits the header record into
      the most fields and the sample's records most consistently (quotes respected), so
      Etsy's tab-separated "Sold Orders" ``.csv`` is read with tabs.
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
      Excel sheets follow the same rule (cells read as text first); Parquet columns keep
      the types they were written with.
    * **Duplicate headers**: two columns of the same name (pandas renames the second
      ``Email.1``) are listed in ``attrs["duplicate_columns"]``; the mapping then uses
      neither on its own (see :func:`seeka_nb.core.mapping.resolve_mapping`).

    ``df.attrs["seeka_nb"]`` receives ``preset`` (``detect_preset(columns)`` or
    ``"generic"``), ``source`` (the file name, never its folders), ``format`` (``csv``,
    ``xlsx`` or ``parquet``), ``encoding`` and ``delimiter`` (``None`` for a workbook or
    Parquet), and, when they apply, ``container`` (``gzip``/``zip``), ``encoding_guessed``
    and ``encoding_language``, ``mojibake`` and ``duplicate_columns`` — JSON-safe values,
    never cell values.

    Raises :class:`ValidationError` for an empty, whitespace-only, header-only, binary or
    damaged file, a folder, an archive holding several files, or one pandas cannot
    tokenise; :class:`~seeka_nb.errors.InputFileNotFoundError` (a ``ValidationError`` and
    a :class:`FileNotFoundError`) for a missing file; :class:`ConfigurationError` for a
    text stream, an unknown encoding, ``iterator``, or a missing optional library
    (openpyxl, pyarrow).

    ``chunksize=N`` reads the file in pieces instead: it returns an
    :class:`~seeka_nb.adapters.chunked.OrderChunks`, an iterator (and context manager) of
    DataFrames of at most ``N`` rows, each treated exactly as above (encoding detected once;
    CSV, ``.gz``, ``.zip`` and Parquet; not Excel), memory bounded by ``N``.  Convert and
    send them with :func:`seeka_nb.stream_orders` (see :mod:`seeka_nb.core.stream`).
    """
    if chunksize is not None:
        from .chunked import OrderChunks

        return OrderChunks(path, chunksize, repair_mojibake, read_csv_kwargs)
    if read_csv_kwargs.get("iterator"):
        raise ConfigurationError(
            "read_orders returns a whole DataFrame and does not accept iterator=; pass "
            "chunksize=N to read the file in chunks of N rows."
        )
    attrs: dict[str, Any] = {}
    with open_source(path) as source:
        if source.kind == "xlsx":
            df = read_excel(source, read_csv_kwargs)
            encoding, delimiter = None, None
        elif source.kind == "parquet":
            df = read_parquet(source, read_csv_kwargs)
            encoding, delimiter = None, None
        else:
            df, found, delimiter = _read_csv(source, read_csv_kwargs)
            encoding = found.name
            if found.guessed:
                attrs["encoding_guessed"] = True
                attrs["encoding_language"] = found.language
    if len(df) == 0:
        raise ValidationError(
            f"{source.name} has a header row but no data rows: export the orders again with "
            "a date range that contains orders, or check that you picked the right file."
        )
    if source.kind != "parquet":
        convert_measures(df, read_csv_kwargs)
    mojibake = _mojibake.repair_mojibake(df, repair=repair_mojibake)
    duplicates = duplicate_columns(list(df.columns))
    df.attrs[ATTRS_KEY] = {
        "preset": detect_preset(df.columns) or "generic",
        "source": source.name,
        "format": source.kind,
        "encoding": encoding,
        "delimiter": delimiter,
        **({"container": source.container} if source.container else {}),
        **attrs,
        **({"mojibake": mojibake, "mojibake_repaired": repair_mojibake} if mojibake else {}),
        **({"duplicate_columns": duplicates} if duplicates else {}),
    }
    return df


def _read_csv(source: Source, kwargs: dict[str, Any]) -> tuple[pd.DataFrame, Encoding, str]:
    handle = source.handle
    handle.seek(source.start)
    sample = _read_up_to(handle, SAMPLE_SIZE)
    whole = len(sample) < SAMPLE_SIZE
    given = kwargs.get("encoding")
    encoding = Encoding(str(given)) if given is not None else detect_encoding(sample, whole)
    text = _decode_sample(sample, encoding.name, whole)
    _check_content(sample, text, whole, source.name)
    if "sep" in kwargs or "delimiter" in kwargs:
        sep = kwargs.get("sep", kwargs.get("delimiter"))
        delimiter = sep if isinstance(sep, str) else "auto"
    else:
        delimiter = _detect_delimiter(text, whole)
    df, encoding = _parse(source, sample, delimiter, encoding, given is not None, kwargs)
    return df, encoding, delimiter


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
    source: Source,
    sample: bytes,
    delimiter: str,
    encoding: Encoding,
    given: bool,
    kwargs: dict[str, Any],
) -> tuple[pd.DataFrame, Encoding]:
    """Let pandas read the file; on a decoding error later in the file, guess again."""
    options: dict[str, Any] = {"keep_default_na": False, "na_values": [""]}
    if "sep" not in kwargs and "delimiter" not in kwargs:
        options["sep"] = delimiter
    dtype = kwargs.get("dtype")
    pyarrow = kwargs.get("engine") == "pyarrow"
    if pyarrow:
        _check_pyarrow(kwargs)
        options["dtype"] = "str" if dtype is None or isinstance(dtype, dict) else dtype
    else:
        options["index_col"] = False
        if dtype is None or isinstance(dtype, dict):  # text first; the caller's columns win
            dtype = defaultdict(lambda: "str", dtype or {})
        options["dtype"] = dtype
    options.update({k: v for k, v in kwargs.items() if k not in ("dtype", "encoding")})
    retried = given
    handle, name = source.handle, source.name
    while True:
        handle.seek(source.start + (len(_UTF8_BOM) if _skip_bom(sample, encoding.name) else 0))
        try:
            with warnings.catch_warnings():
                if "converters" in kwargs:  # a converter wins over the default "str"
                    warnings.filterwarnings("ignore", "Both a converter and dtype")
                df = pd.read_csv(handle, encoding=encoding.name, **options)
            if pyarrow and isinstance(dtype, dict) and dtype:
                df = df.astype({k: v for k, v in dtype.items() if k in df.columns})
            return df, encoding
        except UnicodeDecodeError:
            if retried:
                raise ValidationError(
                    f"{name} cannot be decoded as {encoding.name}: leave encoding= out to "
                    "detect it, or pass the right one (or encoding_errors='replace')."
                ) from None
            retried = True
            handle.seek(source.start)
            encoding = guess_encoding(handle.read())
        except pd.errors.EmptyDataError:
            raise ValidationError(
                f"{name} has no header row (no columns): export the orders again."
            ) from None
        except pd.errors.ParserError as exc:
            raise ValidationError(
                f"{name} cannot be read as CSV with delimiter {delimiter!r} "
                f"({str(exc).strip()}). Check that it is the shop's CSV export; pass sep=... "
                "if the delimiter is wrong, or on_bad_lines='warn' to skip malformed rows."
            ) from None
        except ValueError as exc:
            if not pyarrow:
                raise
            raise ValidationError(
                f"{name} cannot be read with engine='pyarrow' ({str(exc).strip()}): leave "
                "engine= out to use pandas' own parser."
            ) from None


def _check_pyarrow(kwargs: dict[str, Any]) -> None:
    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigurationError(
            "engine='pyarrow' needs the pyarrow package: pip install pyarrow, or leave "
            "engine= out to use pandas' own parser."
        )
    refused = [k for k in _PYARROW_REFUSES if k in kwargs]
    if refused:
        raise ConfigurationError(
            f"engine='pyarrow' does not support {', '.join(refused)}=: leave engine= out to "
            "use pandas' own parser with those options."
        )
    if not PANDAS_3:  # pandas 2's pyarrow reader infers types first: 0001 became 1
        raise ConfigurationError(
            "engine='pyarrow' needs pandas 3 or newer (pandas 2's pyarrow reader turns "
            "identifiers such as 0001 into numbers): leave engine= out to use pandas' own "
            "parser, or upgrade pandas."
        )


def _skip_bom(sample: bytes, encoding: str) -> bool:
    """A UTF-8 BOM is not text in a single-byte fallback encoding."""
    return sample.startswith(_UTF8_BOM) and codec_name(encoding) not in ("utf-8-sig", "utf-8")
