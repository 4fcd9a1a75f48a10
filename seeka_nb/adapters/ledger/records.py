"""The ledger's value types and their checks (layer 3): scopes, outcomes, paths, its error.

Owns :class:`Scope` (where orders were sent), :class:`Outcome` (one order's result, as the
send pipeline writes it), :class:`LedgerError`, :func:`canonical_path`, and the checks
applied before anything is written - so that a wrong type never reaches the database as a
silently different value (``12345`` stored where ``"12345"`` is looked up).
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ...errors import LedgerError

__all__ = [
    "MEMORY",
    "OUTCOME_STATUSES",
    "LedgerError",
    "Outcome",
    "Scope",
    "canonical_endpoint",
    "canonical_path",
]

MEMORY = ":memory:"
#: Statuses an outcome may carry; only ``"sent"`` counts as acknowledged by Seeka.
OUTCOME_STATUSES = frozenset({"sent", "rejected", "failed", "pending"})
#: Longest error text kept per order (the caller sanitises; this only bounds the size).
MAX_ERROR_CHARS = 500


_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def canonical_endpoint(url: str) -> str:
    """One spelling per endpoint, so a ledger scope does not split on how it was written:
    scheme and host lower-cased, the default port dropped, trailing ``/``, an empty ``?``
    and any ``#fragment`` removed; ``localhost``, ``127.0.0.1`` and ``::1`` are one host
    (``localhost``).  Text that is not an absolute URL is returned stripped."""
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return text
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host:
        return text
    if host in _LOOPBACK:
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    netloc = host if port is None or port == _DEFAULT_PORTS.get(scheme) else f"{host}:{port}"
    path = parts.path.rstrip("/")
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{netloc}{path}{query}"


@dataclass(frozen=True)
class Scope:
    """Where orders were sent: a sandbox send never marks production orders as sent.

    ``key_fingerprint`` is computed by the caller from the public key; the key itself never
    reaches the ledger.  ``endpoint`` is kept in its :func:`canonical_endpoint` form.
    """

    endpoint: str
    org_id: str
    key_fingerprint: str

    def __post_init__(self) -> None:
        for name in ("endpoint", "org_id", "key_fingerprint"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise LedgerError(f"Scope.{name} must be a non-empty string.")
        object.__setattr__(self, "endpoint", canonical_endpoint(self.endpoint))


@dataclass(frozen=True)
class Outcome:
    """One order's result, written by the send pipeline."""

    activity_id: str
    payload_hash: str
    status: str  # "sent" | "rejected" | "failed" | "pending" (only "sent" is acknowledged)
    http_status: int | None
    attempts: int
    error: str | None  # short, no personal data (the caller sanitises)


def canonical_path(path: str | os.PathLike[str]) -> Path:
    """The absolute, resolved form of a ledger path, so two spellings of one file compare
    equal.  ``":memory:"`` is returned unchanged (as a ``Path``)."""
    text = os.fspath(path)
    if not isinstance(text, str):
        raise LedgerError("The ledger path must be a str or a path, not bytes.")
    if text == MEMORY:
        return Path(MEMORY)
    return Path(text).expanduser().resolve()


def check_id(value: object) -> str:
    """An activity ID as stored: a non-empty ``str`` (never a number)."""
    if not isinstance(value, str) or not value:
        raise LedgerError(
            f"Activity IDs must be non-empty strings, got {type(value).__name__}; "
            "convert IDs to text before sending (12345 -> '12345')."
        )
    return value if type(value) is str else str(value)


def check_ids(values: Iterable[str]) -> Iterator[str]:
    """Lazily check every activity ID of an iterable (a single ``str`` is refused)."""
    if isinstance(values, str | bytes):
        raise LedgerError("Pass a list of activity IDs, not a single string.")
    return (check_id(v) for v in values)


def check_outcome(outcome: Outcome) -> Outcome:
    """Refuse an outcome the ledger could not store faithfully."""
    if _plainly_valid(outcome):  # the send pipeline's outcomes: about 0.3 µs, not 3
        return outcome
    if not isinstance(outcome, Outcome):
        raise LedgerError(f"Expected an Outcome, got {type(outcome).__name__}.")
    check_id(outcome.activity_id)
    if not isinstance(outcome.payload_hash, str) or not outcome.payload_hash:
        raise LedgerError(f"Outcome {outcome.activity_id!r} has no payload hash.")
    if outcome.status not in OUTCOME_STATUSES:
        raise LedgerError(
            f"Outcome {outcome.activity_id!r} has status {outcome.status!r}; "
            f"the ledger records only {sorted(OUTCOME_STATUSES)}."
        )
    code = outcome.http_status
    if code is not None and (not _is_int(code) or not 100 <= code <= 599):
        raise LedgerError(f"Outcome {outcome.activity_id!r}: http_status must be 100-599.")
    if not _is_int(outcome.attempts) or outcome.attempts < 0:
        raise LedgerError(f"Outcome {outcome.activity_id!r}: attempts must be an int >= 0.")
    if outcome.error is not None and not isinstance(outcome.error, str):
        raise LedgerError(f"Outcome {outcome.activity_id!r}: error must be a str or None.")
    return outcome


def _plainly_valid(o: object) -> bool:
    """The common case of :func:`check_outcome` with exact types only (no ABC checks)."""
    if type(o) is not Outcome:
        return False
    aid, digest, code, attempts, error = (
        o.activity_id, o.payload_hash, o.http_status, o.attempts, o.error
    )  # fmt: skip
    return (
        type(aid) is str
        and aid != ""
        and type(digest) is str
        and digest != ""
        and o.status in OUTCOME_STATUSES
        and (code is None or (type(code) is int and 100 <= code <= 599))
        and type(attempts) is int
        and attempts >= 0
        and (error is None or type(error) is str)
    )


def short_error(error: str | None) -> str | None:
    """The error text as stored: at most ``MAX_ERROR_CHARS`` characters."""
    if error is None or len(error) <= MAX_ERROR_CHARS:
        return error
    return error[: MAX_ERROR_CHARS - 1] + "…"


def check_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Counts by status as stored: ``str`` keys, ``int`` values >= 0."""
    if not isinstance(counts, Mapping):
        raise LedgerError("Run counts must be a mapping of status -> int.")
    out: dict[str, int] = {}
    for key, value in counts.items():
        if not isinstance(key, str) or not _is_int(value) or value < 0:
            raise LedgerError("Run counts must map status names to ints >= 0.")
        out[key] = int(value)
    return out


def check_seconds(name: str, value: float, *, allow_zero: bool = True) -> float:
    """A finite, non-negative number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise LedgerError(f"{name} must be a finite number of seconds.")
    if value < 0 or (value == 0 and not allow_zero):
        raise LedgerError(f"{name} must be {'>= 0' if allow_zero else '> 0'}.")
    return float(value)


def _is_int(value: object) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)
