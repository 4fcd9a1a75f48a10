"""Converting a stream of DataFrames chunk by chunk (layer 2, pure: no I/O, no clock).

Owns :func:`convert_frames`: one core :class:`~seeka_nb.core.events.Events` per input chunk,
with exactly the conversion of ``df.seeka.to_events()``.  The only state carried between
chunks is small:

* **the mapping**, resolved on the first chunk; a later chunk whose columns differ is a
  :class:`~seeka_nb.errors.MappingError` (it would be read with another mapping);
* **the open order**: the rows at the end of a chunk that share its last row's order key
  (the activity ID, or the preset's ``group_by`` key such as Shopify's ``Name``) are held
  back and put in front of the next chunk, so an order whose *adjacent* rows straddle two
  chunks is converted once, whole;
* **the day/month order** of numeric dates (``03/02/2025``) when ``dayfirst`` is not given:
  the chunks seen so far decide it, as the whole column would in memory.  A later chunk
  that contradicts the order already used for earlier chunks (day-first evidence after
  ambiguous dates were read month-first, or both orders seen) stops the stream with a
  :class:`~seeka_nb.errors.ValidationError` asking for ``dayfirst=``: never a silent guess;
* **activity IDs seen** (:class:`SeenIds`, 64-bit hashes in a sorted numpy array, 8 bytes
  per order, never the events).  An ID that reappears in a later chunk, not adjacent to its
  first rows (the file is not sorted by order), cannot be joined any more: its earlier
  rows may already be sent.  **Decision**: the later block is held back (status ``error``,
  issue code ``split_order``, telling the user to sort the file by order ID), so it is
  never sent twice nor as a second, partial order; the finding is also in the stream's
  duplicates (kind ``split_order``), as in memory.  A hash collision (odds about 1e-7 for
  3 million orders) can only hold an order back, never send one twice.

Frame-level issues (not about a row) repeat per chunk; :func:`merge_issues` keeps one of
each, and an ``empty_column`` warning only when the column was empty in every chunk.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import MappingError, ValidationError
from .build import OrderTable, build_table, prepare
from .dedup import DUPLICATE_COLUMNS
from .events import Events
from .issues import IssueLog
from .mapping import MappingSpec
from .phone_rules import PhoneValidator
from .presets import Preset
from .stream_split import (
    SeenIds,
    group_key,
    hold_back_split,
    open_order_start,
    split_hashes,
    stack,
)
from .times import _NUMERIC_DATE

__all__ = [
    "PhonePoolFactory",
    "SeenIds",
    "StreamChunk",
    "StreamState",
    "convert_frames",
    "hold_back",
    "merge_issues",
    "split_hashes",
]

#: Makes the phone validator of one chunk's conversion, as a context manager (the
#: ``PhonePool`` adapter class is one): given by the layer that owns processes.
PhonePoolFactory = Callable[[], AbstractContextManager[PhoneValidator]]


@dataclass
class StreamState:
    """What a stream's conversion remembers between chunks (see the module docstring)."""

    columns: list[Hashable] | None = None
    chunks: int = 0
    seen: SeenIds = field(default_factory=SeenIds)
    dayfirst: bool | None = None  # the order used for numeric dates once decided
    date_guessed: bool = False  # earlier chunks had ambiguous numeric dates, read month-first


class StreamChunk(Events):
    """A chunk's events, plus what only the stream knows: ``number`` (0-based),
    ``stream_duplicates`` (findings about IDs seen in earlier chunks) and ``date_decided``
    (whether the chunks so far decided the day/month order of numeric dates)."""

    def __init__(
        self,
        table: OrderTable,
        number: int = 0,
        stream_duplicates: pd.DataFrame | None = None,
        date_decided: bool = False,
    ) -> None:
        super().__init__(table)
        self.number = number
        self.date_decided = date_decided
        self.stream_duplicates = (
            stream_duplicates
            if stream_duplicates is not None
            else pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
        )


def convert_frames(
    frames: Iterable[pd.DataFrame],
    mapping: MappingSpec | None = None,
    *,
    preset: str | Preset | None = None,
    tz: str | dt.tzinfo | None = None,
    dayfirst: bool | None = None,
    consent: str | None = None,
    currency: str | None = None,
    status_policy: Mapping[str, str] | None = None,
    now: float | None = None,
    state: StreamState | None = None,
    phone_pool: PhonePoolFactory | None = None,
) -> Iterator[Events]:
    """Convert ``frames`` chunk by chunk (see the module docstring); yields one
    :class:`StreamChunk` per input chunk that holds at least one complete order.

    The keywords are those of ``df.seeka.to_events()``; ``now`` bounds order times as in
    :func:`~seeka_nb.core.build.build_table`; ``state`` (a fresh :class:`StreamState` by
    default) lets a caller read what the stream learnt; ``phone_pool`` makes each chunk's
    phone validator (e.g. ``seeka_nb.adapters.phone_pool.PhonePool``; default: phones are
    validated in this process).  A preset recorded by
    ``read_orders`` in the first chunk's ``attrs`` is used when ``preset`` is not given.
    """
    st = state if state is not None else StreamState()
    options = _Options(tz, dayfirst, consent, currency, status_policy, now, phone_pool)
    pending: pd.DataFrame | None = None
    pre: Preset | None = None
    key_col: Hashable | None = None
    cmap = None
    for frame in frames:
        if not isinstance(frame, pd.DataFrame):
            raise ValidationError(
                f"convert_frames needs an iterable of pandas DataFrames; chunk {st.chunks + 1} "
                f"is a {type(frame).__name__}."
            )
        if st.columns is None:
            if preset is None:
                marker = frame.attrs.get("seeka_nb")
                if isinstance(marker, dict) and isinstance(marker.get("preset"), str):
                    preset = marker["preset"]
            _, pre, cmap = prepare(frame, mapping, preset)
            st.columns = list(frame.columns)
            key_col = group_key(pre, frame.columns, cmap)
        elif list(frame.columns) != st.columns:
            raise MappingError(
                f"Chunk {st.chunks + 1} has columns {_diff(st.columns, list(frame.columns))} "
                "that differ from the first chunk's: every chunk of a stream must have the "
                "same columns in the same order (read the file again, or select the columns "
                "before streaming)."
            )
        st.chunks += 1
        if len(frame) == 0:
            continue
        work = frame if pending is None else stack(pending, frame)
        assert pre is not None and cmap is not None
        cut = open_order_start(work, cmap, key_col)
        pending = work.iloc[cut:]
        if cut == 0:
            continue  # one order spans the whole chunk: wait for its end
        yield _convert(work.iloc[:cut], mapping, pre, cmap, options, st)
    if pending is None:
        raise ValidationError(
            "The stream holds no rows (no chunks, or only empty ones): there are no orders to "
            "convert."
        )
    if len(pending):
        assert pre is not None and cmap is not None
        yield _convert(pending, mapping, pre, cmap, options, st)


def _diff(first: list[Hashable], now: list[Hashable]) -> str:
    missing = [c for c in first if c not in now]
    extra = [c for c in now if c not in first]
    if not missing and not extra:
        return "(the same names in another order)"
    return f"(missing {missing[:5]}, new {extra[:5]})"


@dataclass(frozen=True)
class _Options:
    tz: str | dt.tzinfo | None
    dayfirst: bool | None
    consent: str | None
    currency: str | None
    status_policy: Mapping[str, str] | None
    now: float | None
    phone_pool: PhonePoolFactory | None


def _convert(
    frame: pd.DataFrame,
    mapping: MappingSpec | None,
    pre: Preset,
    cmap: object,
    o: _Options,
    st: StreamState,
) -> StreamChunk:
    dayfirst = o.dayfirst
    if dayfirst is None and pre.dayfirst is None:
        dayfirst = _date_order(frame, cmap, st)
    pool = o.phone_pool() if o.phone_pool is not None else contextlib.nullcontext(None)
    with pool as phones:  # one pool per chunk: its answers end with the chunk
        table = build_table(
            frame,
            mapping,
            preset=pre,
            tz=o.tz,
            dayfirst=dayfirst,
            consent=o.consent,
            currency=o.currency,
            status_policy=o.status_policy,
            now=o.now,
            phone_validator=phones,
        )
    hashes = SeenIds.hashes(table.activity_id)
    again = np.flatnonzero(st.seen.contains(hashes))
    st.seen.add(hashes)
    findings = None
    if again.size:
        table, findings = hold_back_split(table, again, cmap)
    return StreamChunk(table, st.chunks - 1, findings, st.dayfirst is not None)


def _date_order(frame: pd.DataFrame, cmap: object, st: StreamState) -> bool | None:
    """The ``dayfirst`` to convert this chunk with (``None``: let the chunk decide)."""
    col = cmap.columns("time")[0]  # type: ignore[attr-defined]
    column = frame[col] if col in frame.columns else None
    if column is None or pd.api.types.is_datetime64_any_dtype(column.dtype):
        return st.dayfirst
    texts = pd.Series(column.dropna().unique()).astype("str")
    numeric = texts.str.contains(_NUMERIC_DATE.replace("(", "(?:"), regex=True).to_numpy(bool)
    if not numeric.any():  # ISO times (most exports): nothing to decide, cheaply
        return st.dayfirst
    parts = texts[numeric].str.extract(_NUMERIC_DATE).dropna()
    if parts.empty:
        return st.dayfirst
    day = bool((parts[0].astype(int) > 12).any())
    month = bool((parts[1].astype(int) > 12).any())
    contradicts = st.dayfirst is not None and (day, month) == (not st.dayfirst, st.dayfirst)
    if (day and month) or contradicts:
        raise ValidationError(
            f"Column {col!r} holds day-first dates (a first number above 12) and month-first "
            "dates (a second number above 12) in different chunks: pass dayfirst=True or "
            "dayfirst=False so every chunk is read the same way."
        )
    if day or month:
        if st.date_guessed and day:
            raise ValidationError(
                f"Column {col!r} shows day-first dates (a first number above 12) only after "
                "earlier chunks whose dates (like 03/02/2025) were read month-first: pass "
                "dayfirst=True (or dayfirst=False) so every chunk is read the same way."
            )
        st.dayfirst = day
        return day
    if st.dayfirst is None:
        st.date_guessed = True
        return None  # the chunk guesses month-first and warns, as in memory
    return st.dayfirst


def hold_back(events: Events, hashes: np.ndarray) -> Events:
    """``events`` with every order whose activity-ID hash is in ``hashes`` (sorted) held
    back as a ``split_order`` error: a stream's send holds back *every* block of an ID
    found split across chunks, the first one too, so no partial order is sent."""
    table = events._table
    if hashes.size == 0 or table.n_orders == 0:
        return events
    mine = SeenIds.hashes(table.activity_id)
    at = np.searchsorted(hashes, mine)
    hit = hashes[np.minimum(at, hashes.size - 1)] == mine
    hit &= table.status == "ok"
    if not hit.any():
        return events
    held, _ = hold_back_split(table, np.flatnonzero(hit), table.mapping)
    if isinstance(events, StreamChunk):
        return StreamChunk(held, events.number, events.stream_duplicates, events.date_decided)
    return type(events)(held)


def merge_issues(frames: list[pd.DataFrame], date_decided: bool) -> pd.DataFrame:
    """The whole stream's issues from each converted chunk's (``frames``): row-level ones
    all, in input order; frame-level ones (``row`` missing, last as in memory) once each,
    ``empty_column`` only when empty in every chunk and ``ambiguous_date_order`` only when
    no chunk decided the date order."""
    if not frames:
        return IssueLog().to_frame(pd.RangeIndex(0), np.empty(0, dtype=object))
    allrows = pd.concat(frames, ignore_index=True)
    general = allrows["row"].isna().to_numpy()
    if not general.any():
        return allrows
    head = allrows[general]
    key = [head[c].astype(object) for c in ("code", "field", "message")]
    times = head.groupby(key, sort=False, dropna=False)["code"].transform("size").to_numpy()
    first = ~pd.DataFrame(key).T.duplicated().to_numpy()
    code = head["code"].to_numpy(dtype=object)
    keep = first & ~((code == "empty_column") & (times < len(frames)))
    if date_decided:
        keep &= code != "ambiguous_date_order"
    out = pd.concat([allrows[~general], head[keep]])
    return out.reset_index(drop=True)
