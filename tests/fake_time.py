"""Fake time for tests: a monotonic clock and an async sleep that only moves the clock, so
no test sleeps for real (retry backoff, rate limits and deadlines cost nothing)."""

from __future__ import annotations

import asyncio


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
