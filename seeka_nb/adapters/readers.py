"""Reading a shop's order export into a DataFrame (layer 3, file I/O).

Owns :func:`read_orders`: it opens the file (a path or a binary stream; gzip and zip
containers, Excel workbooks and Parquet files are recognised by content, see
:mod:`~seeka_nb.adapters.sources`), detects a CSV's encoding (:mod:`.encodings`) and
delimiter on a sample of the first 64 KiB, refusing files that cannot be order exports
(empty, binary: :mod:`.sniff`) or hold no data rows, lets pandas read the whole file with
every cell as text, turns only clearly numeric *measure* columns into numbers
(:mod:`.measures`), repairs double-encoded UTF-8 (:mod:`.mojibake`), and records what it
found in ``df.attrs["seeka_nb"]`` (:func:`finish_frame`, also applied to each chunk of a
chunked read).  Otherwise the text of cells is never altered: a zip's leading zero or
apostrophe, a phone's ``+`` and an ``NA`` country code reach the core exactly as written
in the file.
"""

from __future__ import annotations

import importlib.util
import os
import warnings
from collections import defaultdict
from typing import IO, TYPE_CHECKING, Any, overload

import pandas as pd

from ..core.mapping import duplicate_columns
from ..core.pdcompat import PANDAS_3
from ..core.presets import detect_preset
from ..errors import ConfigurationError, ValidationError
from . import mojibake as _mojibake
from .encodings import _UTF8_BOM, Encoding, guess_encoding
from .measures import convert_measures
from .sniff import SAMPLE_SIZE as SAMPLE_SIZE  # re-exported: tests size samples by it
from .sniff import skip_bom, sniff
from .sources import Source, open_source, read_excel, read_parquet

if TYPE_CHECKING:
    from .chunked import OrderChunks

__all__ = ["read_orders"]

ATTRS_KEY = "seeka_nb"
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
    found: Encoding | None = None
    with open_source(path) as source:
        if source.kind == "xlsx":
            df = read_excel(source, read_csv_kwargs)
            delimiter = None
        elif source.kind == "parquet":
            df = read_parquet(source, read_csv_kwargs)
            delimiter = None
        else:
            df, found, delimiter = _read_csv(source, read_csv_kwargs)
    if len(df) == 0:
        raise ValidationError(
            f"{source.name} has a header row but no data rows: export the orders again with "
            "a date range that contains orders, or check that you picked the right file."
        )
    finish_frame(df, source, found, delimiter, repair_mojibake, read_csv_kwargs)
    return df


def _read_csv(source: Source, kwargs: dict[str, Any]) -> tuple[pd.DataFrame, Encoding, str]:
    sample, encoding, delimiter = sniff(source, kwargs)
    given = kwargs.get("encoding") is not None
    df, encoding = _parse(source, sample, delimiter, encoding, given, kwargs)
    return df, encoding, delimiter


def finish_frame(
    df: pd.DataFrame,
    source: Source,
    found: Encoding | None,
    delimiter: str | None,
    repair_mojibake: bool,
    kwargs: dict[str, Any],
) -> None:
    """What every frame read gets (a whole file, or each chunk of one): measure columns
    converted (not Parquet's), mojibake found (and repaired when asked), and the
    ``df.attrs["seeka_nb"]`` record of where it came from."""
    if source.kind != "parquet":
        convert_measures(df, kwargs)
    mojibake = _mojibake.repair_mojibake(df, repair=repair_mojibake)
    duplicates = duplicate_columns(list(df.columns))
    guessed = (
        {"encoding_guessed": True, "encoding_language": found.language}
        if (found is not None and found.guessed)
        else {}
    )
    df.attrs[ATTRS_KEY] = {
        "preset": detect_preset(df.columns) or "generic",
        "source": source.name,
        "format": source.kind,
        "encoding": None if found is None else found.name,
        "delimiter": delimiter,
        **({"container": source.container} if source.container else {}),
        **guessed,
        **({"mojibake": mojibake, "mojibake_repaired": repair_mojibake} if mojibake else {}),
        **({"duplicate_columns": duplicates} if duplicates else {}),
    }


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
        handle.seek(source.start + (len(_UTF8_BOM) if skip_bom(sample, encoding.name) else 0))
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
