"""Fault injection and rate limiting for the sandbox (thread-safe, clock injectable).

Owns:

* the fault vocabulary (:data:`FAULT_NAMES`, :func:`parse_fault`) shared by the Python API,
  the HTTP control endpoint and the command line;
* :class:`FaultPlan` - a scripted queue of faults for the next requests, then seeded random
  draws from per-kind rates (deterministic for a given seed and request order);
* :class:`RateLimiter` - a token bucket per client address plus a penalty period of further
  refusals, driven by an injectable ``clock`` (``time.monotonic`` by default) so tests can
  move time by hand instead of sleeping.

There is deliberately no "accept but drop silently" fault: Seeka answers 202 only when it
took the events, so the sandbox never answers 202 without storing them.
"""

from __future__ import annotations

import random
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from seeka_nb.errors import ConfigurationError

__all__ = [
    "FAULT_NAMES",
    "PASS",
    "FaultKind",
    "FaultPlan",
    "RateLimiter",
    "parse_fault",
]

#: A status code to answer with, or one of :data:`FAULT_NAMES`.
FaultKind = int | str

#: A scripted ``202`` means "no fault: handle this request normally" (a 202 is only ever
#: sent for a valid request whose events were stored).
PASS = 202

#: Non-status faults.
#: ``reset``: close the connection with a TCP RST, no response, events not stored.
#: ``timeout``: hold the connection without answering (``timeout_hold`` seconds, cut short
#: by ``stop()``), then close it; events not stored.
#: ``slow``: wait ``slow_delay`` seconds, then handle the request normally.
#: ``reset_after_accept``: handle the request normally (valid events *are* stored), then
#: reset instead of answering - the "response lost in transit" case that retries and
#: Seeka's de-duplication must survive.
FAULT_NAMES = ("reset", "timeout", "slow", "reset_after_accept")


def parse_fault(item: object) -> FaultKind:
    """Validate one fault: a status code 202 or 400-599, or a name from :data:`FAULT_NAMES`.

    Digit strings (``"500"``) become ints, so command-line and HTTP input work too.
    """
    if isinstance(item, str) and item.strip().isdigit():
        item = int(item.strip())
    if isinstance(item, bool):
        pass  # True/False are ints in Python; refuse them below
    elif isinstance(item, int):
        if item == PASS or 400 <= item <= 599:
            return item
    elif isinstance(item, str) and item.strip() in FAULT_NAMES:
        return item.strip()
    raise ConfigurationError(
        f"Unknown sandbox fault {item!r}: use a status code (202 = no fault, or 400-599) "
        f"or one of {', '.join(FAULT_NAMES)}"
    )


def parse_fault_rates(rates: Mapping[object, object] | None) -> list[tuple[FaultKind, float]]:
    """Validate a ``{kind: probability}`` mapping (probabilities summing to at most 1)."""
    if not rates:
        return []
    parsed: list[tuple[FaultKind, float]] = []
    for key, value in rates.items():
        kind = parse_fault(key)
        if kind == PASS:
            raise ConfigurationError("fault_rates cannot contain 202: it is not a fault")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
            raise ConfigurationError(
                f"fault_rates[{key!r}] must be a probability between 0 and 1, got {value!r}"
            )
        parsed.append((kind, float(value)))
    total = sum(p for _, p in parsed)
    if total > 1 + 1e-9:
        raise ConfigurationError(
            f"fault_rates add up to {total:g}; they are exclusive per request, keep the sum <= 1"
        )
    return parsed


class FaultPlan:
    """Decides the fault (if any) for each incoming ingest request.

    Scripted faults are used first, one per request, in order; when the script is empty a
    seeded random draw picks a kind with the configured probability (or none).  Only
    requests to the ingest endpoint consult the plan.
    """

    def __init__(
        self,
        script: Iterable[object] | None = None,
        rates: Mapping[Any, object] | None = None,
        seed: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._script: deque[FaultKind] = deque(parse_fault(x) for x in (script or ()))
        self._rates = parse_fault_rates(rates)
        self._rng = random.Random(seed)

    def next(self) -> FaultKind | None:
        """The fault for the next request, or ``None`` for "handle normally"."""
        with self._lock:
            if self._script:
                kind = self._script.popleft()
                return None if kind == PASS else kind
            if not self._rates:
                return None
            draw = self._rng.random()
        cumulative = 0.0
        for kind, probability in self._rates:
            cumulative += probability
            if draw < cumulative:
                return kind
        return None

    def inject(self, items: Iterable[object]) -> None:
        """Append faults to the script (validated first: all or nothing)."""
        parsed = [parse_fault(x) for x in items]
        with self._lock:
            self._script.extend(parsed)

    def pending(self) -> list[FaultKind]:
        """Scripted faults not yet used."""
        with self._lock:
            return list(self._script)

    def clear(self) -> None:
        """Drop the remaining script (random rates stay)."""
        with self._lock:
            self._script.clear()

    @property
    def rates(self) -> dict[FaultKind, float]:
        """The random fault rates, kind -> probability."""
        return dict(self._rates)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float
    blocked_until: float


class RateLimiter:
    """Token bucket per key (client address) with a penalty period.

    ``rate`` tokens per second refill a bucket of ``burst`` tokens (default: ``rate``); each
    request takes one.  A request finding the bucket empty is refused and opens a penalty
    of ``penalty`` seconds during which every request from that key is refused, whatever
    the bucket holds (a fixed period from the first refusal; refusals do not extend it).
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        penalty: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if isinstance(rate, bool) or not isinstance(rate, int | float) or rate <= 0:
            raise ConfigurationError(
                f"rate_limit must be a positive number of requests per second, got {rate!r}; "
                "use rate_limit=None to turn limiting off"
            )
        capacity = rate if burst is None else burst
        if isinstance(capacity, bool) or not isinstance(capacity, int | float) or capacity < 1:
            raise ConfigurationError(f"burst must be a number >= 1, got {burst!r}")
        if isinstance(penalty, bool) or not isinstance(penalty, int | float) or penalty < 0:
            raise ConfigurationError(f"penalty must be seconds >= 0, got {penalty!r}")
        self.rate = float(rate)
        self.burst = float(capacity)
        self.penalty = float(penalty)
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, _Bucket] = {}

    def check(self, key: str) -> float | None:
        """Take a token for ``key``: ``None`` when allowed, else seconds until allowed."""
        now = self._clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.burst, now, now)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(self.burst, bucket.tokens + elapsed * self.rate)
            bucket.updated = now
            if now < bucket.blocked_until:
                return bucket.blocked_until - now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return None
            bucket.blocked_until = now + self.penalty
            refill = (1.0 - bucket.tokens) / self.rate
            return max(self.penalty, refill)

    def reset(self) -> None:
        """Forget every bucket and penalty."""
        with self._lock:
            self._buckets.clear()
