"""Order times: any column of times → UTC instants, and their ISO 8601 text (layer 2, pure).

Rules (SEEKA_CONTRACT.md): the wire format is UTC with ``Z`` at second precision.  Values
with a zone or offset are converted to UTC; values without one need the caller's ``tz=``
(a naive column is never guessed to be UTC).  Local times that a daylight-saving change
skips or repeats are resolved (shift forward / first occurrence) and reported.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import ConfigurationError
from ..schema import EARLIEST_ORDER_TIME, MAX_FUTURE_SECONDS
from .values import factorize, to_text

_ZONED = (
    r"(?:\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?\s*(?:[AaPp]\.?[Mm]\.?)?\s*"
    r"(?:[Zz]|UTC|GMT|[+-]\d{2}(?::?\d{2})?)|[Zz])$"
)


@dataclass(frozen=True)
class Times:
    """Parsed times, one per input row.

    ``utc``: ``datetime64[s]`` (NaT where missing or unparseable); ``bad``: present but
    unparseable; ``shifted``: local times that do not exist (moved forward); ``ambiguous``:
    local times that occur twice (first occurrence taken).
    """

    utc: np.ndarray
    bad: np.ndarray
    shifted: np.ndarray
    ambiguous: np.ndarray
    dayfirst: bool = False  # the day/month order used for numeric dates
    order_guessed: bool = False  # no value told day-first from month-first


_NUMERIC_DATE = r"^\s*(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})\b"


def infer_dayfirst(texts: pd.Series) -> tuple[bool, bool]:
    """Day-first or month-first for numeric dates like ``03/02/2025``.

    Returns ``(dayfirst, guessed)``: a first number above 12 means day-first, a second one
    above 12 month-first; when no value decides (or values disagree), month-first is
    assumed and ``guessed`` is true so the caller can report it.
    """
    parts = texts.str.extract(_NUMERIC_DATE).dropna()
    if parts.empty:
        return False, False
    first = parts[0].astype(int).to_numpy()
    second = parts[1].astype(int).to_numpy()
    day_first, month_first = bool((first > 12).any()), bool((second > 12).any())
    if day_first != month_first:
        return day_first, False
    return False, True


def _tz(tz: str | dt.tzinfo | None) -> str | dt.tzinfo | None:
    if tz is None or isinstance(tz, dt.tzinfo):
        return tz
    try:
        pd.Timestamp("2000-01-01").tz_localize(tz)
    except Exception as exc:
        raise ConfigurationError(
            f"tz={tz!r} is not a time zone name. Pass an IANA name such as "
            "'Europe/London' or 'America/New_York', or 'UTC'."
        ) from exc
    return tz


def _parse_text(values: pd.Series, *, utc: bool, dayfirst: bool) -> pd.Series:
    """Strings to datetimes: ISO 8601 fast path, inferred format, then per value."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.to_datetime(values, format="ISO8601", utc=utc, errors="coerce")
        for fmt in (None, "mixed"):
            todo = out.isna().to_numpy()
            if not todo.any():
                break
            out[todo] = pd.to_datetime(
                values[todo], format=fmt, utc=utc, dayfirst=dayfirst, errors="coerce"
            )
    return out


def _localize(naive: pd.Series, tz: str | dt.tzinfo) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Naive local times → UTC; returns (utc, shifted mask, ambiguous mask)."""
    naive = naive.astype("datetime64[us]")
    strict = naive.dt.tz_localize(tz, ambiguous="NaT", nonexistent="NaT")
    trouble = (strict.isna() & naive.notna()).to_numpy()
    if not trouble.any():
        return strict.dt.tz_convert("UTC"), trouble, trouble
    loose = naive[trouble].dt.tz_localize(
        tz, ambiguous=np.ones(int(trouble.sum()), dtype=bool), nonexistent="shift_forward"
    )
    # A time that exists but is ambiguous keeps its wall clock; a skipped one moves.
    moved = (loose.dt.tz_localize(None) != naive[trouble]).to_numpy()
    shifted = np.zeros(len(naive), dtype=bool)
    ambiguous = np.zeros(len(naive), dtype=bool)
    idx = np.flatnonzero(trouble)
    shifted[idx[moved]] = True
    ambiguous[idx[~moved]] = True
    result = strict.astype(loose.dtype)
    result[trouble] = loose
    return result.dt.tz_convert("UTC"), shifted, ambiguous


def _to_seconds(utc: pd.Series) -> np.ndarray:
    return utc.dt.tz_localize(None).to_numpy().astype("datetime64[s]")


def parse_times(
    column: pd.Series,
    *,
    tz: str | dt.tzinfo | None = None,
    dayfirst: bool | None = False,
    name: object = "time",
) -> Times:
    """Parse a column of order times to UTC seconds.

    ``dayfirst=None`` infers the day/month order from the values (see
    :func:`infer_dayfirst`).  Raises :class:`ConfigurationError` when values carry no zone
    and ``tz`` is not given.
    """
    zone = _tz(tz)
    n = len(column)
    none = np.zeros(n, dtype=bool)
    dtype = column.dtype
    if isinstance(dtype, pd.DatetimeTZDtype):
        return Times(_to_seconds(column.dt.tz_convert("UTC")), none, none, none, bool(dayfirst))
    if pd.api.types.is_datetime64_dtype(dtype):
        if zone is None:
            raise _naive_error(name, column.dropna().iloc[:1].astype(str).tolist())
        utc, shifted, ambiguous = _localize(column.reset_index(drop=True), zone)
        return Times(_to_seconds(utc), none, shifted, ambiguous, bool(dayfirst))

    codes, uniques = factorize(column)
    k = len(uniques)
    out = np.full(k + 1, np.datetime64("NaT", "s"), dtype="datetime64[s]")
    bad = np.zeros(k + 1, dtype=bool)
    shifted_u = np.zeros(k + 1, dtype=bool)
    ambiguous_u = np.zeros(k + 1, dtype=bool)
    if k:
        uniq = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
        is_ts = np.array([isinstance(v, dt.datetime) for v in uniq], dtype=bool)
        aware = is_ts & np.array(
            [isinstance(v, dt.datetime) and v.tzinfo is not None for v in uniq], dtype=bool
        )
        text = pd.Series(to_text(uniq).values(), dtype=object)
        guessed = False
        if dayfirst is None:
            dayfirst, guessed = infer_dayfirst(text.dropna().astype(str))
        is_text = ~is_ts & np.array([isinstance(v, str) for v in uniq], dtype=bool)
        bad[:k] = ~is_ts & ~is_text  # numbers, dates without time objects, others
        zoned = is_text & text.str.contains(_ZONED, regex=True, na=False).to_numpy(dtype=bool)
        naive_text = is_text & ~zoned & text.notna().to_numpy()
        naive_parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[us]")
        if naive_text.any():
            naive_parsed[naive_text] = _parse_text(text[naive_text], utc=False, dayfirst=dayfirst)
            naive_text &= naive_parsed.notna().to_numpy()
        naive_ts = is_ts & ~aware
        if naive_ts.any():
            naive_parsed[naive_ts] = pd.to_datetime(uniq[naive_ts], errors="coerce")
        if (naive_text.any() or naive_ts.any()) and zone is None:
            sample = text[naive_text].head(1).tolist() or [str(uniq[naive_ts].iloc[0])]
            raise _naive_error(name, sample)
        if aware.any():
            conv = pd.to_datetime(uniq[aware], utc=True, errors="coerce")
            out[:k][aware] = _to_seconds(conv)
        if zoned.any():
            out[:k][zoned] = _to_seconds(_parse_text(text[zoned], utc=True, dayfirst=dayfirst))
        local = naive_ts | naive_text
        if local.any():
            assert zone is not None
            utc, sh, am = _localize(naive_parsed[local].reset_index(drop=True), zone)
            where = np.flatnonzero(local)
            out[where] = _to_seconds(utc)
            shifted_u[where] = sh
            ambiguous_u[where] = am
        bad[:k] |= np.isnat(out[:k]) & (is_ts | (is_text & text.notna().to_numpy()))
        return Times(
            out[codes], bad[codes], shifted_u[codes], ambiguous_u[codes], bool(dayfirst), guessed
        )
    return Times(out[codes], bad[codes], shifted_u[codes], ambiguous_u[codes], bool(dayfirst))


def _naive_error(name: object, sample: list[str]) -> ConfigurationError:
    example = f" (e.g. {sample[0]!r})" if sample else ""
    return ConfigurationError(
        f"Column {name!r} holds times without a time zone{example}. Seeka needs the instant "
        "the order was placed: pass the zone the shop records times in, e.g. "
        "to_events(..., tz='Europe/London'), or make the column time-zone aware."
    )


def format_utc(seconds: np.ndarray) -> np.ndarray:
    """``datetime64`` → object array of ``YYYY-MM-DDTHH:MM:SSZ`` at second precision
    (``None`` for NaT); what ``np.datetime_as_string(..., unit="s") + "Z"`` gives.

    Years 0000-9999 are written with integer arithmetic on the epoch seconds into a
    fixed-width buffer of code points (numpy's own formatting costs ~0.4 µs a value);
    any other year takes numpy's formatting.  ``tests/core/test_times.py`` compares the two.
    """
    out = np.full(len(seconds), None, dtype=object)
    ok = ~np.isnat(seconds)
    if not ok.any():
        return out
    stamps = seconds[ok].astype("datetime64[s]")
    secs = stamps.astype(np.int64)
    if secs.min() < _YEAR_0 or secs.max() >= _YEAR_10000:
        text = np.datetime_as_string(stamps, unit="s")
        out[ok] = text.astype(object) + "Z"
        return out
    days, rem = np.divmod(secs, 86_400)
    year, month, day = _civil(days)
    hour, rem = np.divmod(rem, 3600)
    minute, second = np.divmod(rem, 60)
    # one row of code points per character (contiguous writes), transposed once
    rows = np.empty((20, len(secs)), dtype=np.uint32)
    fields = (year // 100, year % 100, month, day, hour, minute, second)
    for at, value in zip((0, 2, 5, 8, 11, 14, 17), fields, strict=True):
        np.floor_divide(value, 10, out=rows[at], casting="unsafe")
        np.remainder(value, 10, out=rows[at + 1], casting="unsafe")
        rows[at : at + 2] += _ZERO
    rows[[4, 7, 10, 13, 16, 19]] = _SEPARATORS[:, None]
    out[ok] = np.ascontiguousarray(rows.T).view("U20").ravel().tolist()
    return out


_ZERO = ord("0")
_SEPARATORS = np.array([ord(c) for c in "--T::Z"], dtype=np.uint32)
_YEAR_0 = int(np.datetime64("0000-01-01T00:00:00", "s").astype(np.int64))
_YEAR_10000 = int(np.datetime64("9999-12-31T23:59:59", "s").astype(np.int64)) + 1


def _civil(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Proleptic Gregorian ``(year, month, day)`` of days since 1970-01-01 (H. Hinnant's
    ``civil_from_days``, in integer arithmetic)."""
    z = days + 719_468
    era = np.floor_divide(z, 146_097)
    doe = z - era * 146_097  # day of the 400-year era, 0..146096
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)  # day of the year from 1 March
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = np.where(mp < 10, mp + 3, mp - 9)
    year = yoe + era * 400 + (month <= 2)
    return year, month, day


def time_bounds(utc: np.ndarray, now: float | None) -> tuple[np.ndarray, np.ndarray]:
    """Masks of times before ``EARLIEST_ORDER_TIME`` and more than ``MAX_FUTURE_SECONDS``
    after ``now`` (UTC epoch seconds; ``None``: no upper bound).  NaT is neither."""
    present = ~np.isnat(utc)
    early = present & (utc < np.datetime64(EARLIEST_ORDER_TIME, "s"))
    late = np.zeros(len(utc), dtype=bool)
    if now is not None:
        limit = np.datetime64(int(now) + MAX_FUTURE_SECONDS, "s")
        late = present & (utc > limit)
    return early, late
