"""Helpers for send tests: the test key and a fake clock (tests never really sleep)."""

from __future__ import annotations

import asyncio

KEY = "pk_test_SECRETSECRET9876"


class FakeTime:
    """Monotonic clock + async sleep that only moves the clock (tests never really sleep)."""

    def __init__(self) -> None:
        self.now = 1_000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)

    def wall(self) -> float:
        return 1_750_000_000.0 + self.now
