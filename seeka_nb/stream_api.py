"""``EventStream``: orders bigger than memory, converted and sent chunk by chunk (layer 5).

An :class:`EventStream` wraps a *factory* of converted chunks (core ``Events``, usually
from :func:`seeka_nb.core.stream.convert_frames`); each pass over the stream calls the
factory again (a file is read again), so nothing but the current chunk is held.
:func:`stream_orders` builds one from a file read with ``read_orders(path, chunksize=)``.

``issues()``, ``duplicates()`` and ``summary()`` come from one analysis pass, kept (issue
and finding rows, counts: never the events).  ``send()`` sends through
:func:`seeka_nb.pipeline.stream.send_stream` - one report, one rate budget, one ledger -
after finding the activity IDs that come in several chunks, not adjacent (an unsorted
file): those are held back in *every* chunk (``split_order``), never sent twice nor with a
partial total.  A stream of a file finds them reading only the columns that decide the
orders (:func:`seeka_nb.core.stream_split.find_split_ids`), much faster than converting;
another stream converts once more (or uses the analysis, when it was made).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import time
import weakref
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .adapters.ledger import Ledger
from .adapters.phone_pool import PhonePool
from .adapters.readers import read_orders
from .core import events as core_events
from .core.dedup import DUPLICATE_COLUMNS, DuplicateFindings
from .core.display import money_by_currency, plural
from .core.mapping import MappingSpec
from .core.stream import StreamChunk, convert_frames, hold_back, merge_issues, split_hashes
from .core.stream_split import find_split_ids, order_keys
from .credentials import Credentials
from .errors import ConfigurationError
from .pipeline import runner
from .pipeline.options import Resend, SendOptions
from .pipeline.report import SendReport
from .pipeline.retry import Retrier, send_options
from .pipeline.stop import StopSignal
from .pipeline.stream import send_stream

__all__ = ["EventStream", "stream_orders"]

_COUNTS = ("rows", "orders", "to_send", "held_back_error", "held_back_excluded")
_MORE = ("rows_without_id", "line_items")


@dataclass(frozen=True)
class _Analysis:
    issues: pd.DataFrame
    duplicates: pd.DataFrame
    summary: dict[str, Any]
    split: np.ndarray  # sorted hashes of IDs split across chunks


class EventStream:
    """A re-iterable stream of converted chunks (see the module docstring)."""

    def __init__(
        self,
        chunks: Callable[[], Iterable[core_events.Events]],
        *,
        description: str = "",
        split_ids: Callable[[], np.ndarray | None] | None = None,
    ) -> None:
        if not callable(chunks):
            raise ConfigurationError(
                "EventStream needs a function that returns the chunks (called again for each "
                "pass), e.g. EventStream(lambda: convert_frames(pd.read_csv(path, "
                "chunksize=100_000))), or use seeka_nb.stream_orders(path, chunksize=...)."
            )
        self._chunks = chunks
        self.description = description
        #: A cheaper way to the sorted hashes of the IDs split across chunks (``None``
        #: from it: convert the stream to find them).
        self._split_finder = split_ids
        self._last_pass: weakref.ref[Any] | None = None  # the last pass's iterator

    def __iter__(self) -> Iterator[core_events.Events]:
        """One pass over the converted chunks (the factory is called again).  A factory
        that hands out the same iterator again (``lambda: chunks`` over one generator) is
        refused: that pass would find the stream empty, and a send would send nothing yet
        look complete."""
        made = self._chunks()
        chunks = iter(made)
        if chunks is made:  # an iterator: each pass needs a new one
            if self._last_pass is not None and self._last_pass() is chunks:
                raise ConfigurationError(
                    "EventStream's function returned the same iterator as for the previous "
                    "pass, which has read it already: each pass (send() reads the stream "
                    "twice; issues(), summary() and duplicates() once) needs a new one. Make "
                    "the chunks inside the function, e.g. EventStream(lambda: convert_frames("
                    "pd.read_csv(path, chunksize=100_000))), or use stream_orders(path)."
                )
            with contextlib.suppress(TypeError):  # an iterator without weak references
                self._last_pass = weakref.ref(chunks)
        return chunks

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_last_pass": None}  # a weak reference does not pickle

    # --- the whole stream's checks ------------------------------------------------------
    @functools.cached_property
    def _analysis(self) -> _Analysis:
        issues: list[pd.DataFrame] = []
        findings: list[pd.DataFrame] = []
        totals: dict[str, Any] = {k: 0 for k in (*_COUNTS, *_MORE)}
        revenue: dict[str, float] = {}
        preset, decided, chunks = "", False, 0
        for chunk in self:
            chunks += 1
            s = chunk.summary()
            for k in totals:
                totals[k] += s[k]
            for cur, value in s["revenue"].items():
                revenue[cur] = revenue.get(cur, 0.0) + value
            preset = preset or s["preset"]
            issues.append(chunk._table.issues)
            findings.append(chunk._duplicates)
            if isinstance(chunk, StreamChunk):
                decided = chunk.date_decided
                findings.append(chunk.stream_duplicates)
        merged = merge_issues(issues, decided)
        found = [f for f in findings if len(f)]  # empty ones would turn text columns object
        if found:
            dups = pd.concat(found, ignore_index=True)
        else:
            dups = findings[0] if findings else pd.DataFrame(columns=list(DUPLICATE_COLUMNS))
        sev = merged["severity"].value_counts()
        summary = {
            **totals,
            "revenue": {k: round(v, 6) for k, v in revenue.items()},
            "issues": {str(k): int(sev.get(k, 0)) for k in ("error", "excluded", "warning")},
            "duplicates": len(dups),
            "preset": preset,
            "chunks": chunks,
        }
        return _Analysis(merged, dups, summary, split_hashes(dups))

    def _split_ids(self) -> np.ndarray:
        """Hashes of IDs split across chunks: from the analysis when it was made, else from
        the stream's own finder (a file's order keys only), else from a lighter pass
        (conversion only: no duplicates report, no summary)."""
        if "_analysis" in self.__dict__:
            return self._analysis.split
        if self._split_finder is not None:
            hashes = self._split_finder()
            if hashes is not None:
                return hashes
        found = [
            chunk.stream_duplicates
            for chunk in self
            if isinstance(chunk, StreamChunk) and len(chunk.stream_duplicates)
        ]
        if not found:
            return np.empty(0, dtype=np.uint64)
        return split_hashes(pd.concat(found, ignore_index=True))

    def issues(self) -> pd.DataFrame:
        """Every problem of the whole stream, as ``Events.issues`` (frame-level ones once)."""
        return self._analysis.issues.copy()

    def duplicates(self) -> pd.DataFrame:
        """Activity-ID findings of the whole stream, as ``Events.duplicates()``, plus
        ``split_order`` rows for IDs that come back in a later chunk."""
        return DuplicateFindings(self._analysis.duplicates.copy())

    def summary(self) -> dict[str, Any]:
        """Counts over the whole stream, as ``Events.summary()`` (plus ``chunks``)."""
        return dict(self._analysis.summary)

    def __repr__(self) -> str:
        what = f" {self.description}" if self.description else ""
        if "_analysis" not in self.__dict__:
            return f"<seeka_nb.EventStream{what}: not read yet (.summary() reads it once)>"
        s = self._analysis.summary
        return (
            f"<seeka_nb.EventStream{what}: {plural(s['to_send'], 'order')} to send from "
            f"{plural(s['rows'], 'row')} in {plural(s['chunks'], 'chunk')}; held back: "
            f"{s['held_back_error']} with errors, {s['held_back_excluded']} excluded; revenue "
            f"{money_by_currency(s['revenue'])}; {plural(s['duplicates'], 'duplicate finding')}>"
        )

    # --- sending ------------------------------------------------------------------------
    def send(
        self,
        credentials: Credentials | None = None,
        *,
        dry_run: bool = False,
        ledger: str | os.PathLike[str] | Ledger | bool | None = None,
        resend: Resend = "none",
        rate: float | None = SendOptions.rate,
        concurrency: int | None = None,
        timeout: float = 30.0,
        max_retries: int = 8,
        deadline: float | None = None,
        stall_limit: float | None = SendOptions.stall_limit,
        progress: bool | Callable[[int, int], None] | None = None,
        proxy: str | None = None,
        truststore: bool = False,
        stop: StopSignal | None = None,
        _seams: runner.Seams | None = None,
    ) -> SendReport:
        """Send the whole stream: the keywords of :meth:`seeka_nb.Events.send`; one
        :class:`~seeka_nb.SendReport` for the run (a dry run keeps the first 1,000 request
        bodies in ``report.bodies``).  Reads the stream twice: once to find activity IDs
        split across chunks (held back, see the module docstring; skipped when
        ``summary()``/``issues()``/``duplicates()`` already read it), once to send.
        Re-running sends only what the ledger does not hold; Ctrl-C raises
        :class:`~seeka_nb.SendInterrupted` with the report."""
        creds = credentials if credentials is not None else Credentials.from_env()
        options = send_options(locals())
        return self._send(creds, options, _seams, None)

    def _send(
        self,
        creds: Credentials,
        options: SendOptions,
        seams: runner.Seams | None,
        only: set[str] | None,
    ) -> SendReport:
        split = self._split_ids()
        chunks = (hold_back(chunk, split) for chunk in self)
        report = send_stream(chunks, creds, options, seams=seams, only=only)
        report._again = Retrier(self._send, creds, options, seams)
        return report


def stream_orders(
    path: str | os.PathLike[str],
    *,
    chunksize: int = 100_000,
    mapping: MappingSpec | None = None,
    preset: str | None = None,
    tz: str | dt.tzinfo | None = None,
    dayfirst: bool | None = None,
    consent: str | None = None,
    currency: str | None = None,
    status_policy: dict[str, str] | None = None,
    **read_options: Any,
) -> EventStream:
    """An :class:`EventStream` over an export file too big for memory: each pass reads
    ``path`` with ``read_orders(path, chunksize=chunksize, **read_options)`` and converts
    the chunks with the ``to_events`` keywords.  Rows of one order must be adjacent (an
    export sorted by order); see :mod:`seeka_nb.core.stream`."""
    if isinstance(path, str | os.PathLike):
        name = os.path.basename(os.fsdecode(path))
    else:
        raise ConfigurationError(
            "stream_orders needs a file path (the file is read again for each pass); for an "
            "open file object use EventStream(lambda: convert_frames(...))."
        )

    def chunks() -> Iterator[core_events.Events]:
        with read_orders(path, chunksize=chunksize, **read_options) as frames:
            yield from convert_frames(
                frames,
                mapping,
                preset=preset,
                tz=tz,
                dayfirst=dayfirst,
                consent=consent,
                currency=currency,
                status_policy=status_policy,
                now=time.time(),
                phone_pool=PhonePool,  # many distinct phones: partly on another core
            )

    def split_ids() -> np.ndarray | None:
        return _file_split_ids(path, chunksize, mapping, preset, read_options)

    return EventStream(chunks, description=name, split_ids=split_ids)


#: ``read_orders`` options a key-only read keeps the meaning of (others: convert instead).
_KEY_READ_OPTIONS = frozenset({"encoding", "sep", "delimiter", "repair_mojibake"})


def _file_split_ids(
    path: str | os.PathLike[str],
    chunksize: int,
    mapping: MappingSpec | None,
    preset: str | None,
    read_options: dict[str, Any],
) -> np.ndarray | None:
    """The IDs split across the chunks of the file, from its order-key columns only
    (``None`` when only a conversion can tell; see :mod:`seeka_nb.core.stream_split`)."""
    if set(read_options) - _KEY_READ_OPTIONS:
        return None
    with read_orders(path, chunksize=chunksize, **read_options) as frames:
        first = next(frames, None)
    if first is None:
        return None
    keys = order_keys(first, mapping, preset)
    if keys is None:
        return None
    parquet = first.attrs.get("seeka_nb", {}).get("format") == "parquet"
    options: dict[str, Any] = {**read_options, "columns" if parquet else "usecols": keys.columns}
    with read_orders(path, chunksize=chunksize, **options) as frames:
        return find_split_ids(frames, keys)
