"""``PhonePool``: phones validated partly in a helper process, with the serial answers.

Every test compares with :func:`seeka_nb.core.phone_rules.e164_all` run in this process:
a helper that skipped validation, answered out of order or dropped a pair would differ.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

from seeka_nb.adapters import phone_pool
from seeka_nb.adapters.phone_pool import PhonePool
from seeka_nb.core.build import build_table
from seeka_nb.core.phone_rules import e164_all

NUMBERS = [
    "+61 422 333 444",
    "0422 333 444",
    "'+61 422 333 444",
    "0044 20 7946 0958",
    "123",
    "not a phone",
    "+1 650 253 0000",
    "(02) 9374 4000",
    "+61 422 333 44",
    "020 7946 0958",
]
REGIONS = ["AU", "AU", None, "GB", "AU", "US", None, "AU", "AU", "GB"]


def _pairs(k: int) -> tuple[list[str], list[str | None]]:
    rng = np.random.default_rng(5)
    idx = rng.integers(0, len(NUMBERS), k)
    numbers = [f"{NUMBERS[i]}{'' if j % 3 else ' '}" for j, i in enumerate(idx)]
    numbers = [n if j % 7 else n.replace("4", str(j % 10), 1) for j, n in enumerate(numbers)]
    return numbers, [REGIONS[i] for i in idx]


def test_the_helper_alone_gives_the_serial_answers() -> None:
    numbers, regions = _pairs(400)
    with PhonePool(threshold=1, chunk=7) as pool:
        pool.prefetch(numbers, regions)
        pool.wait()
        assert pool.helper_pairs == len(set(zip(numbers, regions, strict=True)))
        assert pool(numbers, regions) == e164_all(numbers, regions)
    assert any(e164_all(numbers, regions)) and None in e164_all(numbers, regions)


def test_shared_work_gives_the_serial_answers_in_order() -> None:
    numbers, regions = _pairs(3000)
    with PhonePool(threshold=1, chunk=5) as pool:
        assert pool(numbers, regions) == e164_all(numbers, regions)
        assert pool(numbers[::-1], regions[::-1]) == e164_all(numbers[::-1], regions[::-1])


def test_few_pairs_start_no_helper() -> None:
    numbers, regions = _pairs(50)
    with PhonePool(threshold=1000) as pool:
        pool.prefetch(numbers, regions)
        assert pool(numbers, regions) == e164_all(numbers, regions)
        assert pool._thread is None and pool.helper_pairs == 0


def test_a_helper_that_cannot_start_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    numbers, regions = _pairs(200)
    with PhonePool(threshold=1, chunk=3) as pool:
        pool.prefetch(numbers, regions)
        pool.wait()
        assert pool(numbers, regions) == e164_all(numbers, regions)
        assert pool.helper_pairs == 0


def test_a_helper_that_dies_changes_nothing() -> None:
    numbers, regions = _pairs(300)
    with PhonePool(threshold=1, chunk=3) as pool:
        pool.prefetch(numbers[:30], regions[:30])
        pool.wait()
        assert pool._proc is not None
        pool._proc.kill()
        assert pool(numbers, regions) == e164_all(numbers, regions)


def test_nothing_outlives_the_pool() -> None:
    numbers, regions = _pairs(100)
    with PhonePool(threshold=1) as pool:
        pool.prefetch(numbers, regions)
        pool.wait()
    assert pool._thread is not None and not pool._thread.is_alive()
    assert pool._proc is not None and pool._proc.poll() is not None


def _phone_frame(n: int) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    numbers, regions = _pairs(n)
    return pd.DataFrame(
        {
            "order_id": [f"o{i // 2}" for i in range(n)],
            "created_at": "2025-03-01T10:00:00Z",
            "phone": [
                f"{p}{rng.integers(0, 3)}" if i % 5 == 0 else p for i, p in enumerate(numbers)
            ],
            "country": [r or "" for r in regions],
            "price": 10.0,
            "currency": "AUD",
        }
    )


def test_conversion_with_the_pool_equals_the_serial_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The accessor's pool (threshold lowered so that it starts) changes no byte and no issue."""
    df = _phone_frame(2000)
    serial = build_table(df)
    monkeypatch.setattr(phone_pool, "THRESHOLD", 1)
    monkeypatch.setattr(phone_pool, "CHUNK", 4)
    events = df.seeka.to_events()
    pd.testing.assert_frame_equal(events.issues, serial.issues)
    assert "invalid_phone" in set(serial.issues["code"])
    phones = serial.lists["phone"]
    got = events._table.lists["phone"]
    assert got.values.tolist() == phones.values.tolist()
    assert got.offsets.tolist() == phones.offsets.tolist()


def test_pending_is_true_only_while_the_helper_has_work() -> None:
    numbers, regions = _pairs(400)
    with PhonePool(threshold=1, chunk=7) as pool:
        assert not pool.pending()  # nothing queued
        pool.prefetch(numbers, regions)
        assert pool.pending()  # queued chunks (the helper cannot have done 57 yet... or busy)
        pool.wait()
        assert not pool.pending()
    assert not pool.pending()  # closed
