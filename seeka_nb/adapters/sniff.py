"""The head of a CSV export (layer 3, file I/O): what :func:`~.readers.read_orders` and
its chunked reads (:mod:`.chunked`) learn from a file's first 64 KiB before pandas reads it.

Owns :func:`sniff`: the sample read (``SAMPLE_SIZE`` bytes), refused when it cannot be an
order export (empty, whitespace only, a known binary signature, NUL or control bytes), its
encoding (given, or detected by :mod:`.encodings`) and its delimiter (given, or the
candidate of ``DELIMITERS`` giving the widest and most consistent records); and
:func:`skip_bom`, whether the reader must step over a UTF-8 BOM.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from itertools import islice
from typing import IO, Any

from ..errors import ConfigurationError, ValidationError
from .encodings import _UTF8_BOM, Encoding, codec_name, detect_encoding
from .sources import Source

__all__ = ["DELIMITERS", "SAMPLE_SIZE", "skip_bom", "sniff"]

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


def sniff(source: Source, kwargs: dict[str, Any]) -> tuple[bytes, Encoding, str]:
    """The head of a CSV source (whole files and chunked reads alike): its first
    ``SAMPLE_SIZE`` bytes, checked to be order text, the encoding (given or detected) and
    the delimiter (given, or detected; ``"auto"`` for a non-text ``sep``)."""
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
    return sample, encoding, delimiter


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


def skip_bom(sample: bytes, encoding: str) -> bool:
    """A UTF-8 BOM is not text in a single-byte fallback encoding."""
    return sample.startswith(_UTF8_BOM) and codec_name(encoding) not in ("utf-8-sig", "utf-8")
