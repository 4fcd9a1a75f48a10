"""Opening an order export: paths and streams, gzip and zip, Excel and Parquet (layer 3).

Owns :func:`open_source` (a seekable binary handle on the export's bytes, decompressed,
with the kind of file it holds, recognised by content rather than by name) and the
readers of the non-CSV kinds, :func:`read_excel` and :func:`read_parquet`.  CSV text is
read by :mod:`seeka_nb.adapters.readers`.  A missing file, a folder, an archive holding
several files or a missing optional library is a :class:`~seeka_nb.errors.SeekaError`
that says what to do.
"""

from __future__ import annotations

import gzip
import importlib.util
import io
import os
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import IO, Any, cast

import pandas as pd

from ..errors import ConfigurationError, InputFileNotFoundError, ValidationError

__all__ = ["Source", "open_source", "read_excel", "read_parquet"]

_GZIP = b"\x1f\x8b"
_ZIP = b"PK\x03\x04"
_PARQUET = b"PAR1"


@dataclass(frozen=True)
class Source:
    """A seekable binary ``handle`` read from ``start``; ``name`` is the file name only.

    ``kind`` is ``csv``, ``xlsx`` or ``parquet``; ``container`` ``gzip`` or ``zip`` when the
    bytes came out of one.
    """

    handle: IO[bytes]
    start: int
    name: str
    kind: str
    container: str | None = None


@contextmanager
def open_source(path: str | os.PathLike[str] | IO[bytes]) -> Iterator[Source]:
    """Open ``path`` (or use the binary stream) and look inside gzip and zip containers."""
    with ExitStack() as stack:
        handle, start, name = _binary(path, stack)
        head = _peek(handle, start, 8)
        container = None
        if head.startswith(_GZIP):
            inner = gzip.GzipFile(fileobj=_from(handle, start), mode="rb")
            stack.enter_context(inner)
            handle, start, container = cast(IO[bytes], inner), 0, "gzip"
            name = name[:-3] if name.lower().endswith(".gz") else name
            head = _peek(handle, 0, 8, name)
        elif head.startswith(_ZIP) and not _is_xlsx(handle, start, name):
            handle, name = _zip_member(handle, start, name, stack)
            start, container = 0, "zip"
            head = _peek(handle, 0, 8, name)
        if head.startswith(_ZIP):
            kind = "xlsx"
        elif head.startswith(_PARQUET):
            kind = "parquet"
        else:
            kind = "csv"
        yield Source(handle, start, name, kind, container)


def _binary(
    path: str | os.PathLike[str] | IO[bytes], stack: ExitStack
) -> tuple[IO[bytes], int, str]:
    if isinstance(path, str | os.PathLike):
        filename = os.fsdecode(path)
        name = os.path.basename(filename)
        if os.path.isdir(filename):
            raise ValidationError(
                f"{name or filename!r} is a folder, not an export file: pass the path of the "
                "CSV (or .xlsx, .parquet, .csv.gz, .zip) file inside it."
            )
        try:
            handle = stack.enter_context(open(filename, "rb"))  # noqa: SIM115
        except FileNotFoundError:
            raise InputFileNotFoundError(
                f"{name!r} does not exist: check the file name and folder (a relative path "
                "starts from the folder the notebook or script runs in)."
            ) from None
        except PermissionError:
            raise ConfigurationError(
                f"{name!r} cannot be opened (permission denied): copy it somewhere you can "
                "read, or fix its permissions."
            ) from None
        return handle, 0, name
    if not callable(getattr(path, "read", None)):
        raise ConfigurationError(
            f"read_orders needs a file path or a binary file object, not {type(path).__name__}; "
            "wrap bytes in io.BytesIO(...)."
        )
    raw_name = getattr(path, "name", None)
    name = "<stream>"
    if isinstance(raw_name, str | bytes):
        name = os.path.basename(os.fsdecode(raw_name))
    if isinstance(path.read(0), str):
        raise ConfigurationError(
            f"{name} is open in text mode; read_orders needs the raw bytes to detect the "
            "encoding: open the file with 'rb' (or pass its path)."
        )
    if _seekable(path):
        return path, path.tell(), name
    return io.BytesIO(path.read()), 0, name  # a pipe: keep the bytes to read them twice


def _seekable(handle: IO[bytes]) -> bool:
    try:
        return bool(handle.seekable())
    except (AttributeError, ValueError, OSError):
        return False


def _peek(handle: IO[bytes], start: int, size: int, name: str = "") -> bytes:
    try:
        handle.seek(start)
        head = handle.read(size)
        handle.seek(start)
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise ValidationError(
            f"{name} is compressed (gzip or zip) but cannot be decompressed ({exc}): the "
            "file is damaged or cut short; download or export it again."
        ) from None
    return head


def _from(handle: IO[bytes], start: int) -> IO[bytes]:
    handle.seek(start)
    return handle


def _is_xlsx(handle: IO[bytes], start: int, name: str) -> bool:
    try:
        with zipfile.ZipFile(_from(handle, start)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError):
        raise ValidationError(
            f"{name} starts like a zip archive or an Excel .xlsx workbook but is damaged or "
            "cut short: download or export it again (or save the orders as CSV)."
        ) from None
    finally:
        handle.seek(start)
    return "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names)


def _zip_member(
    handle: IO[bytes], start: int, name: str, stack: ExitStack
) -> tuple[IO[bytes], str]:
    archive = stack.enter_context(zipfile.ZipFile(_from(handle, start)))
    members = [
        info
        for info in archive.infolist()
        if not info.is_dir()
        and not info.filename.startswith("__MACOSX/")
        and not os.path.basename(info.filename).startswith(".")
    ]
    if len(members) != 1:
        listed = ", ".join(os.path.basename(m.filename) for m in members[:5])
        more = " ..." if len(members) > 5 else ""
        raise ValidationError(
            f"{name} holds {len(members)} files ({listed}{more}), not one export: extract "
            "the orders file and pass its path (or a zip holding only that file)."
        )
    member = stack.enter_context(archive.open(members[0]))
    return member, os.path.basename(members[0].filename)


def read_excel(source: Source, kwargs: dict[str, Any]) -> pd.DataFrame:
    """The first sheet (or ``sheet_name=``), every cell as text; only empty cells missing.

    Needs openpyxl (``pip install "seeka_nb[excel]"``).  Excel stores numbers as numbers:
    IDs, zips and phones typed as numbers come out as their digits (``1001``, not
    ``1001.0``); a leading zero Excel itself dropped cannot come back.
    """
    if importlib.util.find_spec("openpyxl") is None:
        raise ConfigurationError(
            f"{source.name} is an Excel workbook; reading it needs openpyxl: "
            'pip install "seeka_nb[excel]" (or save the sheet as CSV).'
        )
    if kwargs.get("sheet_name", 0) is None or isinstance(kwargs.get("sheet_name"), list):
        raise ConfigurationError(
            "read_orders reads one sheet: pass sheet_name='<name>' (or its position)."
        )
    dtype = kwargs.get("dtype")
    if dtype is None or isinstance(dtype, dict):
        dtype = defaultdict(lambda: "str", dtype or {})
    options: dict[str, Any] = {"keep_default_na": False, "na_values": [""], "dtype": dtype}
    options.update({k: v for k, v in kwargs.items() if k not in ("dtype", "engine")})
    source.handle.seek(source.start)
    try:
        df = pd.read_excel(io.BytesIO(source.handle.read()), engine="openpyxl", **options)
    except (ValueError, KeyError, zipfile.BadZipFile, OSError) as exc:
        raise ValidationError(
            f"{source.name} cannot be read as an Excel workbook ({exc}): open it in Excel and "
            "save it again as .xlsx or CSV."
        ) from None
    return df


def read_parquet(source: Source, kwargs: dict[str, Any]) -> pd.DataFrame:
    """A Parquet file with its own column types (they were chosen when it was written)."""
    if importlib.util.find_spec("pyarrow") is None:
        raise ConfigurationError(
            f"{source.name} is a Parquet file; reading it needs pyarrow: "
            'pip install "seeka_nb[parquet]" (or pip install pyarrow).'
        )
    source.handle.seek(source.start)
    try:
        return pd.read_parquet(io.BytesIO(source.handle.read()), **kwargs)
    except (OSError, ValueError) as exc:
        raise ValidationError(
            f"{source.name} cannot be read as Parquet ({exc}): write it again, or export CSV."
        ) from None
