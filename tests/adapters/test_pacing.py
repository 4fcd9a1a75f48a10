"""Pacing: backoff, Retry-After hints and the shared rate limiter (fake clock, no sleeping)."""

from __future__ import annotations

import asyncio
import itertools
import random

from fake_time import FakeTime

from seeka_nb.adapters.pacing import (
    MAX_BACKOFF_SECONDS,
    RateLimiter,
    backoff,
    retry_after_seconds,
)


def test_backoff_is_full_jitter_and_capped() -> None:
    rng = random.Random(1)
    for attempt in range(1, 20):
        values = [backoff(attempt, rng) for _ in range(50)]
        ceiling = min(MAX_BACKOFF_SECONDS, 0.5 * 2 ** (attempt - 1))
        assert all(0 <= v <= ceiling for v in values)
    assert max(backoff(30, rng) for _ in range(200)) > MAX_BACKOFF_SECONDS / 2


def test_retry_after_hints() -> None:
    assert retry_after_seconds({"Retry-After-Ms": "1500"}) == 1.5
    assert retry_after_seconds({"retry-after": "3"}) == 3.0
    assert retry_after_seconds({"Retry-After-Ms": "250", "Retry-After": "9"}) == 0.25
    assert (
        retry_after_seconds({"Retry-After": "Wed, 21 Oct 2015 07:28:10 GMT"}, now=1445412480.0)
        == 10.0
    )
    assert retry_after_seconds({"Retry-After": "soon"}) is None
    assert retry_after_seconds({}) is None
    assert retry_after_seconds({"Retry-After": "99999"}) == 300.0  # capped


def test_rate_limiter_spaces_starts() -> None:
    t = FakeTime(start=100.0)
    limiter = RateLimiter(20.0, clock=t.clock, sleep=t.sleep)

    async def go() -> list[float]:
        starts = []
        for _ in range(5):
            await limiter.acquire()
            starts.append(t.now)
        return starts

    starts = asyncio.run(go())
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(starts)]
    assert gaps == [0.05] * 4


def test_a_throttle_halves_the_rate_honours_the_hint_then_recovers() -> None:
    t = FakeTime(start=100.0)
    limiter = RateLimiter(20.0, clock=t.clock, sleep=t.sleep)
    limiter.throttled(2.0)
    assert limiter.rate == 10.0 and limiter.throttles == 1

    async def one() -> None:
        await limiter.acquire()

    asyncio.run(one())
    assert t.now >= 102.0  # waited for the hint
    t.now += 20
    asyncio.run(one())
    assert limiter.rate == 20.0  # recovered after quiet seconds


def test_unpaced_limiter_never_waits() -> None:
    t = FakeTime(start=100.0)
    limiter = RateLimiter(None, clock=t.clock, sleep=t.sleep)

    async def many() -> None:
        for _ in range(100):
            await limiter.acquire()

    asyncio.run(many())
    assert t.slept == []
