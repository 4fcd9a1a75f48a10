"""Fake time for tests: a monotonic clock and an async sleep that only moves the clock, so
no test sleeps for real (retry backoff, rate limits and deadlines cost nothing); and
:class:`Sleeps`, a blocking sleep (the ledger's) that only records."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class FakeTime:
    """``clock()`` (monotonic seconds), ``await sleep(s)`` (records and advances it) and
    ``wall()`` (epoch seconds for timestamps)."""

    def __init__(self, start: float = 1_000.0) -> None:
        self.now = start
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def wall(self) -> float:
        return 1_750_000_000.0 + self.now


class Sleeps:
    """A fake blocking sleep: records each wait and runs an optional ``action(n)`` on the
    ``n``-th one."""

    def __init__(self, action: Callable[[int], object] | None = None) -> None:
        self.calls: list[float] = []
        self.action = action

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        if self.action is not None:
            self.action(len(self.calls))
