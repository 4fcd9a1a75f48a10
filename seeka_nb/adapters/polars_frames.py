"""polars frames → the pandas frames the core reads (layer 3, adapter).

Owns :func:`to_pandas` (one ``polars.DataFrame`` → a pandas frame, column by column through
Arrow/NumPy, without copying numbers), :func:`lazy_frames` (a ``polars.LazyFrame`` collected
in batches, never whole), and the checks of which polars types a mapped column may have.

The pandas frame is the one the pandas path gets for the same data, so that request bodies
are byte-identical:

* ``String``, ``Categorical``, ``Enum`` and ``Null`` columns become text exactly as
  :func:`seeka_nb.read_orders` returns it (pandas 3: the ``str`` dtype; pandas 2.2:
  ``object`` strings), missing cells ``NaN``; an empty string is missing too, as an empty
  cell is for ``read_orders`` (whitespace stays text, as there).
* Integers become ``int64``, or ``float64`` with ``NaN`` when the column has nulls (what a
  CSV integer column with blank cells becomes), unless a value is beyond ±2**53 (or beyond
  ``int64``): then the column becomes its exact decimal text, never a rounded float.
* Floats become ``float64``; ``Decimal`` its exact decimal text (``"12.50"``).
* ``Boolean`` stays boolean (``object`` with ``NaN`` when the column has nulls).
* ``Date`` becomes ``datetime64[us]`` at midnight, ``Datetime`` keeps its unit, and its time
  zone when it has one (a naive column needs ``tz=``, as naive text does).
* ``Time``, ``Duration``, ``Binary``, ``Object`` and nested types (``List``, ``Array``,
  ``Struct``) become Python objects: a ``List`` of ``Struct`` feeds the ``products`` field as
  a list of dicts does in pandas; a mapped column of another of these types is refused by
  :func:`check_mapped_types` with what to do instead.

Columns polars *typed as numbers* cannot give back the text a file held (``0412 345 678``
read as ``412345678``, ``"00123"`` as ``123``): :func:`numbers_in_text_fields` names those
feeding phone, postcode or identifier fields, for the caller to warn about.
"""

from __future__ import annotations

import importlib
from collections.abc import Hashable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ..core.mapping import ColumnMapping
from ..core.pdcompat import PANDAS_3
from ..errors import ConfigurationError, MappingError

if TYPE_CHECKING:  # pragma: no cover - types only
    import polars as pl

__all__ = [
    "TEXT_FIELDS_AT_RISK",
    "check_mapped_types",
    "import_polars",
    "lazy_frames",
    "numbers_in_text_fields",
    "to_pandas",
]

#: Fields whose text a number cannot give back (a leading ``0`` or ``+``, an ID's zeros).
TEXT_FIELDS_AT_RISK = (
    "activityId",
    "seekaPId",
    "phone",
    "postcode",
    "orderNumber",
    "orderIdentifier",
    "checkoutIdentifier",
    "cartIdentifier",
    "customerIdentifier",
    "sku",
)
_EXACT_FLOAT = 2**53  # integers beyond this are not exact as float64
_INT64 = 2**63
_FIELD_WITH_LISTS = "products"  # a List of Struct (or a Struct) feeds it as list of dicts


def import_polars() -> Any:
    """The ``polars`` module, or a :class:`ConfigurationError` saying how to install it."""
    try:
        return importlib.import_module("polars")
    except ImportError:
        raise ConfigurationError(
            'polars is not installed: pip install "seeka_nb[polars]" (polars and pyarrow).'
        ) from None


def _text(series: pl.Series) -> Any:
    """A text column as the readers return it: ``str`` (pandas 3) or ``object`` + NaN."""
    pl_ = import_polars()
    if series.dtype != pl_.String:
        series = series.cast(pl_.String)
    if (series.str.len_bytes() == 0).any():  # an empty cell is missing, as in read_orders
        series = pl_.select(pl_.when(series.str.len_bytes() > 0).then(series)).to_series()
    if PANDAS_3:
        return pd.array(series.to_arrow(compat_level=pl_.CompatLevel.oldest()), dtype="str")
    values = series.to_numpy()  # object array, None where missing
    if series.null_count():
        values = values.copy() if not values.flags.writeable else values
        values[series.is_null().to_numpy()] = np.nan
    return values


def _integers(series: pl.Series) -> Any:
    pl_ = import_polars()
    if series.len() == series.null_count():
        return _text(series)
    low, high = int(series.min()), int(series.max())  # type: ignore[arg-type]
    if series.null_count() == 0:
        if low >= -_INT64 and high < _INT64:
            return series.cast(pl_.Int64).to_numpy()
        return _text(series)
    if low >= -_EXACT_FLOAT and high <= _EXACT_FLOAT:
        return series.cast(pl_.Float64).to_numpy()
    return _text(series)  # nulls and values a float cannot hold exactly


def _booleans(series: pl.Series) -> Any:
    if series.null_count() == 0:
        return series.to_numpy()
    values = np.array(series.to_list(), dtype=object)
    values[series.is_null().to_numpy()] = np.nan
    return values


def _datetimes(series: pl.Series) -> Any:
    pl_ = import_polars()
    if series.dtype == pl_.Date:
        return series.cast(pl_.Datetime("us")).to_numpy()
    zone = getattr(series.dtype, "time_zone", None)
    values = series.to_numpy()  # datetime64[unit]; UTC instants when the column has a zone
    if zone is None:
        return values
    return pd.Series(values).dt.tz_localize("UTC").dt.tz_convert(zone).array


def _objects(series: pl.Series) -> Any:
    values = np.empty(series.len(), dtype=object)
    values[:] = series.to_list()
    values[series.is_null().to_numpy()] = np.nan
    return values


def column_values(series: pl.Series) -> Any:
    """One polars column as the array the pandas path holds (see the module docstring)."""
    pl_ = import_polars()
    dtype = series.dtype
    if dtype in (pl_.String, pl_.Categorical, pl_.Enum, pl_.Null) or isinstance(
        dtype, pl_.Categorical | pl_.Enum
    ):
        return _text(series)
    if dtype.is_integer():
        return _integers(series)
    if dtype.is_float():
        return series.cast(pl_.Float64).to_numpy()
    if dtype.is_decimal():
        return _text(series)
    if dtype == pl_.Boolean:
        return _booleans(series)
    if dtype == pl_.Date or isinstance(dtype, pl_.Datetime):
        return _datetimes(series)
    return _objects(series)  # Time, Duration, Binary, Object, List, Array, Struct...


def to_pandas(frame: pl.DataFrame, start: int = 0) -> pd.DataFrame:
    """``frame`` as the pandas frame the core reads; the index counts rows from ``start``."""
    columns = {name: column_values(frame.get_column(name)) for name in frame.columns}
    index = pd.RangeIndex(start, start + frame.height)
    return pd.DataFrame(columns, index=index, copy=False)


def _kind(dtype: Any) -> str | None:
    """Why a mapped column of this polars type cannot be read, or ``None`` if it can."""
    pl_ = import_polars()
    if dtype == pl_.Time:
        return "times of day without a date"
    if isinstance(dtype, pl_.Duration):
        return "durations"
    if dtype.is_nested():
        return "nested values (lists or structs)"
    return None


def check_mapped_types(schema: pl.Schema, cmap: ColumnMapping) -> None:
    """Refuse a mapped column whose polars type cannot hold what its field needs."""
    pl_ = import_polars()
    for field, columns in cmap.fields.items():
        for column in columns:
            if not isinstance(column, str) or column not in schema:
                continue  # a column a preset derived
            dtype = schema[column]
            if field == _FIELD_WITH_LISTS and (
                isinstance(dtype, pl_.Struct)
                or (isinstance(dtype, pl_.List | pl_.Array) and isinstance(dtype.inner, pl_.Struct))
            ):
                continue
            why = _kind(dtype)
            if why is not None:
                raise MappingError(
                    f"Column {column!r} (polars {dtype}) holds {why}, which cannot feed "
                    f"{field!r}. Map another column with mapping={{{field!r}: ...}}, or turn it "
                    f"into text first, e.g. pl.col({column!r}).cast(pl.String)"
                    + (" or .list.join(', ')" if why.startswith("nested") else "")
                    + "."
                )


def numbers_in_text_fields(
    schema: pl.Schema, cmap: ColumnMapping
) -> list[tuple[str, Hashable, str]]:
    """``(field, column, polars type)`` for number-typed columns feeding text fields whose
    leading zeros or ``+`` a number cannot keep (:data:`TEXT_FIELDS_AT_RISK`)."""
    found: list[tuple[str, Hashable, str]] = []
    for field in TEXT_FIELDS_AT_RISK:
        for column in cmap.columns(field):
            if isinstance(column, str) and column in schema:
                dtype = schema[column]
                if dtype.is_numeric():
                    found.append((field, column, str(dtype)))
    return found


def lazy_frames(lazy: pl.LazyFrame, rows: int) -> Iterator[pd.DataFrame]:
    """``lazy`` collected ``rows`` rows at a time (never whole), each as :func:`to_pandas`.

    Uses polars' streaming ``collect_batches`` where it exists (polars 1.34 and later); on
    older polars, windows of the plan (``lazy.slice(offset, rows)``), each collected on its
    own: memory stays bounded, but a plan that must see every row (a sort, a join) runs
    once per window.
    """
    start = 0
    collect_batches = getattr(lazy, "collect_batches", None)
    if collect_batches is not None:
        pending: list[pl.DataFrame] = []
        held = 0
        for batch in collect_batches(chunk_size=rows, maintain_order=True):
            pending.append(batch)
            held += batch.height
            while held >= rows:  # batches of exactly ``rows`` rows, whatever polars gives
                frame, pending, held = _take(pending, rows)
                yield to_pandas(frame, start)
                start += frame.height
        if held:
            frame, pending, held = _take(pending, held)
            yield to_pandas(frame, start)
        return
    while True:  # polars < 1.34: each window runs the plan again, up to its end
        frame = lazy.slice(start, rows).collect()
        if frame.height == 0:
            return
        yield to_pandas(frame, start)
        start += frame.height


def _take(pending: list[pl.DataFrame], rows: int) -> tuple[pl.DataFrame, list[pl.DataFrame], int]:
    """The first ``rows`` rows of the pending batches, the rest, and how many rows remain."""
    pl_ = import_polars()
    whole = pl_.concat(pending, how="vertical", rechunk=False) if len(pending) > 1 else pending[0]
    head, rest = whole.slice(0, rows), whole.slice(rows)
    return head, ([rest] if rest.height else []), rest.height
