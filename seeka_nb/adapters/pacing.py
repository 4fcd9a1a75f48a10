"""Pacing a send: the request-rate limiter, retry backoff and ``Retry-After`` hints (layer 3).

Time comes from an injected ``clock`` (monotonic seconds) and waiting from an injected async
``sleep``, so tests drive time by hand and never sleep for real.

- :class:`RateLimiter` spaces request starts at most ``rate`` per second for the whole run
  (all concurrent workers share it), and never lets more than ``max(1, floor(rate))``
  starts fall within any one-second window (even-spacing alone allowed ``rate + 1`` within
  a closed second, and float rounding a little more).  A 429 halves the rate (floor
  ``min_rate``) and blocks new starts for the server's hint; the rate then recovers by a
  tenth of the target per second without throttling, so one throttle does not become a storm.
- :func:`backoff` is exponential with full jitter, capped.
- :func:`retry_after_seconds` reads ``Retry-After-Ms`` (Seeka's announced header) and
  ``Retry-After`` (seconds or an HTTP date), clamped to ``[0, MAX_HINT_SECONDS]``; a value
  it cannot read (an absurd date, a huge number) is no hint, never an exception.
"""

from __future__ import annotations

import email.utils
import math
import random
from collections import deque
from collections.abc import Awaitable, Callable, Mapping

from ..schema import HEADER_RETRY_AFTER, HEADER_RETRY_AFTER_MS

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

MAX_BACKOFF_SECONDS = 30.0
_WINDOW = 1.0 + 1e-6  # one second, and a hair against float rounding
MAX_HINT_SECONDS = 300.0  # a server hint longer than this is capped (and the run's deadline rules)


def backoff(
    attempt: int, rng: random.Random, *, base: float = 0.5, cap: float = MAX_BACKOFF_SECONDS
) -> float:
    """Seconds before retry ``attempt`` (1, 2, ...): full jitter in [0, min(cap, base·2ⁿ)]."""
    ceiling = min(cap, base * (2.0 ** max(0, attempt - 1)))
    return rng.uniform(0.0, ceiling)


def retry_after_seconds(headers: Mapping[str, str], *, now: float | None = None) -> float | None:
    """The server's retry hint in seconds, or ``None``.  ``now``: wall-clock epoch seconds,
    needed only for an HTTP-date ``Retry-After``."""
    lower = {k.lower(): v for k, v in headers.items()}
    ms = lower.get(HEADER_RETRY_AFTER_MS.lower())
    if ms is not None:
        try:
            value = float(ms) / 1000.0
        except ValueError:
            value = math.nan
        if math.isfinite(value) and value >= 0:
            return min(value, MAX_HINT_SECONDS)
    raw = lower.get(HEADER_RETRY_AFTER.lower())
    if raw is None:
        return None
    try:
        value = float(raw)
    except (ValueError, OverflowError):
        if now is None:
            return None
        try:
            value = email.utils.parsedate_to_datetime(raw).timestamp() - now
        except (TypeError, ValueError, OverflowError, IndexError, OSError):
            return None
    if not math.isfinite(value):
        return None
    return min(max(value, 0.0), MAX_HINT_SECONDS)


class RateLimiter:
    """Shared pacing of request starts (see the module docstring).  ``rate=None``: unpaced."""

    def __init__(
        self, rate: float | None, *, clock: Clock, sleep: Sleep, min_rate: float = 0.5
    ) -> None:
        self.target = rate
        self.rate = rate
        self.min_rate = min(min_rate, rate) if rate else min_rate
        self._clock, self._sleep = clock, sleep
        self._next = clock()
        self._blocked_until = clock()
        self._last_throttle = -math.inf
        self.throttles = 0
        # start times of the last floor(rate) requests: the sliding one-second window
        self._window: deque[float] = deque(maxlen=max(1, math.floor(rate)) if rate else 1)

    async def acquire(self) -> None:
        """Wait until the next request may start."""
        while True:
            now = self._clock()
            self._recover(now)
            start = max(self._next, self._blocked_until)
            if self.target and len(self._window) == self._window.maxlen:
                start = max(start, self._window[0] + _WINDOW)
            if start <= now:
                if self.rate:
                    self._next = max(self._next, now - 1.0 / self.rate) + 1.0 / self.rate
                    self._window.append(now)
                return
            await self._sleep(start - now)

    def throttled(self, hint: float | None) -> None:
        """A 429: halve the rate and pause new starts for ``hint`` seconds (if given)."""
        now = self._clock()
        self.throttles += 1
        self._last_throttle = now
        if self.rate:
            self.rate = max(self.min_rate, self.rate / 2.0)
        if hint:
            self._blocked_until = max(self._blocked_until, now + hint)

    def _recover(self, now: float) -> None:
        if not self.target or not self.rate or self.rate >= self.target:
            return
        quiet = now - self._last_throttle
        if quiet > 1.0:
            step = 0.1 * self.target * (quiet - 1.0)
            self.rate = min(self.target, self.rate + step)
            self._last_throttle = now - 1.0  # one step per quiet second
