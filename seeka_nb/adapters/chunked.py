"""Reading an order export in chunks of rows: ``read_orders(path, chunksize=N)`` (layer 3).

Owns :class:`OrderChunks`, the iterator (and context manager) of DataFrames of at most
``chunksize`` rows that ``read_orders`` returns when given ``chunksize``.  Each chunk gets
exactly the treatment of a whole-file read (see :func:`seeka_nb.adapters.readers.read_orders`):
the encoding and delimiter are detected once, on the file's first 64 KiB; every cell is read
as text; clearly numeric measure columns become numbers; double-encoded UTF-8 is repaired;
``attrs["seeka_nb"]`` carries the same keys (``mojibake`` counts are the chunk's).  The
index continues from chunk to chunk (rows 0..N-1, then N..2N-1...), so issue rows are the
file's row numbers.  Memory is bounded by the chunk size: CSV text (plain, ``.gz``, a
``.zip`` holding one file) goes through pandas' chunked reader, Parquet through pyarrow's
record batches.  Excel workbooks cannot be read in pieces: ``chunksize`` is refused.

Measure columns are decided per chunk (a chunk whose ``Total`` column holds a value that is
not a plain number keeps that column as text); the core reads both the same way.  A byte
that contradicts the detected encoding after the first chunks were read is a
:class:`~seeka_nb.errors.ValidationError` asking for ``encoding=`` (the whole-file read
guesses again instead; a stream cannot take back chunks already handed out).
"""

from __future__ import annotations

import importlib.util
import os
from collections import defaultdict
from collections.abc import Generator, Iterator
from contextlib import ExitStack
from types import TracebackType
from typing import IO, Any

import pandas as pd

from ..errors import ConfigurationError, ValidationError
from .encodings import _UTF8_BOM, Encoding
from .readers import finish_frame
from .sniff import skip_bom, sniff
from .sources import Source, open_source

__all__ = ["OrderChunks"]


class OrderChunks:
    """DataFrames of at most ``chunksize`` rows (see the module docstring).  Use it in a
    ``with`` block (or call :meth:`close`) to close the file before the last chunk."""

    def __init__(
        self,
        path: str | os.PathLike[str] | IO[bytes],
        chunksize: int,
        repair_mojibake: bool,
        kwargs: dict[str, Any],
    ) -> None:
        if isinstance(chunksize, bool) or not isinstance(chunksize, int) or chunksize < 1:
            raise ConfigurationError(
                f"chunksize={chunksize!r}: a number of rows per chunk, at least 1 "
                "(e.g. chunksize=100_000)."
            )
        if kwargs.get("iterator"):
            raise ConfigurationError("Pass chunksize= alone; iterator= is not needed with it.")
        if kwargs.get("engine") == "pyarrow":
            raise ConfigurationError(
                "engine='pyarrow' cannot read in chunks: leave engine= out with chunksize=."
            )
        self._stack = ExitStack()
        self.source: Source = self._stack.enter_context(open_source(path))
        if self.source.kind == "xlsx":
            self.close()
            raise ConfigurationError(
                f"{self.source.name} is an Excel workbook, which cannot be read in chunks: "
                "leave chunksize= out (a workbook fits in memory), or save it as CSV."
            )
        self._gen = self._chunks(chunksize, repair_mojibake, kwargs)

    def __iter__(self) -> Iterator[pd.DataFrame]:
        return self

    def __next__(self) -> pd.DataFrame:
        try:
            return next(self._gen)
        except BaseException:
            self.close()
            raise

    def __enter__(self) -> OrderChunks:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the file (also done after the last chunk)."""
        gen = getattr(self, "_gen", None)
        if gen is not None:
            gen.close()
        self._stack.close()

    # --- the readers --------------------------------------------------------------------
    def _chunks(
        self, chunksize: int, repair: bool, kwargs: dict[str, Any]
    ) -> Iterator[pd.DataFrame]:
        src = self.source
        found: Encoding | None = None
        if src.kind == "parquet":
            frames = _parquet_chunks(src, chunksize, kwargs)
            delimiter = None
        else:
            frames, found, delimiter = _csv_chunks(src, chunksize, kwargs)
        start, first = 0, True
        try:
            for df in frames:
                if first and len(df) == 0:
                    raise ValidationError(
                        f"{src.name} has a header row but no data rows: export the orders "
                        "again with a date range that contains orders, or check that you "
                        "picked the right file."
                    )
                first = False
                if src.kind == "parquet" and isinstance(df.index, pd.RangeIndex):
                    df.index = pd.RangeIndex(start, start + len(df))
                start += len(df)
                finish_frame(df, src, found, delimiter, repair, kwargs)
                yield df
        finally:  # the reader lets go of the file before close() closes it
            frames.close()


def _csv_chunks(
    source: Source, chunksize: int, kwargs: dict[str, Any]
) -> tuple[Generator[pd.DataFrame, None, None], Encoding, str]:
    handle = source.handle
    sample, encoding, delimiter = sniff(source, kwargs)
    options: dict[str, Any] = {"keep_default_na": False, "na_values": [""], "index_col": False}
    if "sep" not in kwargs and "delimiter" not in kwargs:
        options["sep"] = delimiter
    dtype = kwargs.get("dtype")
    if dtype is None or isinstance(dtype, dict):  # text first; the caller's columns win
        dtype = defaultdict(lambda: "str", dtype or {})
    options["dtype"] = dtype
    options.update({k: v for k, v in kwargs.items() if k not in ("dtype", "encoding")})
    handle.seek(source.start + (len(_UTF8_BOM) if skip_bom(sample, encoding.name) else 0))

    def frames() -> Generator[pd.DataFrame, None, None]:
        try:
            reader = pd.read_csv(handle, encoding=encoding.name, chunksize=chunksize, **options)
            with reader:
                yield from reader
        except UnicodeDecodeError:
            raise ValidationError(
                f"{source.name} cannot be decoded as {encoding.name} past its first rows: "
                "pass the right encoding=... (or read it whole: read_orders guesses again)."
            ) from None
        except pd.errors.EmptyDataError:
            raise ValidationError(
                f"{source.name} has no header row (no columns): export the orders again."
            ) from None
        except pd.errors.ParserError as exc:
            raise ValidationError(
                f"{source.name} cannot be read as CSV with delimiter {delimiter!r} "
                f"({str(exc).strip()}). Check that it is the shop's CSV export; pass sep=... "
                "if the delimiter is wrong, or on_bad_lines='warn' to skip malformed rows."
            ) from None

    return frames(), encoding, delimiter


def _parquet_chunks(
    source: Source, chunksize: int, kwargs: dict[str, Any]
) -> Generator[pd.DataFrame, None, None]:
    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigurationError(
            f"{source.name} is a Parquet file; reading it needs pyarrow: "
            'pip install "seeka_nb[parquet]" (or pip install pyarrow).'
        )
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    unknown = sorted(set(kwargs) - {"columns"})
    if unknown:
        raise ConfigurationError(
            f"Reading Parquet in chunks takes columns= only, not {', '.join(unknown)}=."
        )
    source.handle.seek(source.start)
    try:
        parquet = pq.ParquetFile(source.handle)
        schema = parquet.schema_arrow
        batches = parquet.iter_batches(batch_size=chunksize, columns=kwargs.get("columns"))
        meta = schema.pandas_metadata or {}
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ValidationError(
            f"{source.name} cannot be read as Parquet ({exc}): write it again, or export CSV."
        ) from None
    kept = [c for c in meta.get("index_columns", []) if isinstance(c, str)]
    try:
        for batch in batches:
            table = pa.Table.from_batches([batch])
            frame = table.to_pandas(types_mapper=_text_mapper())
            if kept and all(c in frame.columns for c in kept):
                frame = frame.set_index(kept if len(kept) > 1 else kept[0])
            yield frame
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise ValidationError(
            f"{source.name} cannot be read as Parquet ({exc}): write it again, or export CSV."
        ) from None


def _text_mapper() -> Any:
    """Arrow strings → pandas' ``str`` dtype, as ``pd.read_parquet`` gives them."""
    import pyarrow as pa

    text = pd.Series([], dtype="str").dtype
    extension = isinstance(text, pd.api.extensions.ExtensionDtype)  # pandas 3; 2: object

    def mapper(kind: Any) -> Any:
        if extension and (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
            return text
        return None

    return mapper
