"""The key-only pass (find_split_ids) finds exactly the activity IDs that the chunked
conversion finds split across chunks: generated exports with scattered rows, IDs written
in ways the conversion normalises, rows without an ID, and a Shopify-like group key."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stream_data import chunks_of, orders_frame

from seeka_nb.core.pdcompat import text_array
from seeka_nb.core.stream import StreamChunk, convert_frames, split_hashes
from seeka_nb.core.stream_split import find_split_ids, order_keys
from seeka_nb.errors import ValidationError

NOW = 1_800_000_000.0


def conversion_split(frames: list[pd.DataFrame], **kw: object) -> np.ndarray:
    found = [
        c.stream_duplicates
        for c in convert_frames(frames, now=NOW, **kw)  # type: ignore[arg-type]
        if isinstance(c, StreamChunk) and len(c.stream_duplicates)
    ]
    if not found:
        return np.empty(0, dtype=np.uint64)
    return split_hashes(pd.concat(found, ignore_index=True))


def key_split(frames: list[pd.DataFrame], **kw: object) -> np.ndarray:
    keys = order_keys(frames[0], kw.get("mapping"), kw.get("preset"))  # type: ignore[arg-type]
    assert keys is not None
    # only the key columns are read: the other columns cannot matter
    return find_split_ids([f[keys.columns] for f in frames], keys)


def outcome(find, frames: list[pd.DataFrame], **kw: object) -> object:
    """The split IDs found, or the error raised (a chunk without any ID: both refuse)."""
    try:
        return find(frames, **kw).tolist()
    except ValidationError as exc:
        return str(exc)


def scatter(df: pd.DataFrame, rng: np.random.Generator, moves: int) -> pd.DataFrame:
    """``df`` with ``moves`` rows moved elsewhere (an order's rows no longer adjacent)."""
    order = list(range(len(df)))
    for _ in range(moves):
        row = order.pop(int(rng.integers(len(order))))
        order.insert(int(rng.integers(len(order) + 1)), row)
    return df.iloc[order].reset_index(drop=True)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 40),
    seed=st.integers(0, 10_000),
    moves=st.integers(0, 8),
    sizes=st.lists(st.integers(1, 30), min_size=1, max_size=4),
)
def test_same_split_ids_as_the_conversion(n: int, seed: int, moves: int, sizes: list[int]) -> None:
    rng = np.random.default_rng(seed)
    df = orders_frame(n, seed=seed, max_lines=3)
    ids = df["order_id"].to_numpy(dtype=object).copy()
    numeric = np.array([str(10_000 + int(i[3:])) for i in ids], dtype=object)
    variant = rng.integers(0, 5, len(ids))
    ids = np.where(variant == 1, np.char.add(" ", numeric.astype(str)).astype(object), numeric)
    ids = np.where(variant == 2, np.char.add(numeric.astype(str), ".0").astype(object), ids)
    ids = np.where(variant == 3, None, ids)  # rows without an ID
    df["order_id"] = text_array(ids)
    df = scatter(df, rng, moves)
    frames = chunks_of(df, sizes)
    assert outcome(key_split, frames) == outcome(conversion_split, frames)


def shopify_like(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """Orders keyed by ``Name``, ``Id`` on an order's first row only (or nowhere); now and
    then a later row carries another order's ``Id`` (a conflict: the group's first wins)."""
    lines = rng.integers(1, 4, n)
    order = np.repeat(np.arange(n), lines)
    first = np.r_[True, order[1:] != order[:-1]]
    has_id = rng.random(n) < 0.95
    ids = np.where(first & has_id[order], (5_000_000 + order).astype(str), None)
    other = (~first) & (rng.random(order.size) < 0.2)
    ids[other] = (5_000_000 + rng.integers(0, n, int(other.sum()))).astype(str)
    m = order.size
    return pd.DataFrame(
        {
            "Name": text_array([f"#{1000 + o}" for o in order]),
            "Id": text_array(ids),
            "Email": text_array([f"b{o}@example.com" for o in order]),
            "Created at": text_array(["2024-03-01 10:00:00 +0000"] * m),
            "Currency": text_array(["AUD"] * m),
            "Total": np.full(m, 20.0),
            "Lineitem name": text_array([f"Thing {k % 7}" for k in range(m)]),
            "Lineitem price": np.full(m, 10.0),
            "Lineitem quantity": np.full(m, 2),
        }
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    n=st.integers(2, 30),
    seed=st.integers(0, 10_000),
    moves=st.integers(0, 6),
    sizes=st.lists(st.integers(3, 20), min_size=1, max_size=3),
)
def test_same_split_ids_with_a_group_key(n: int, seed: int, moves: int, sizes: list[int]) -> None:
    rng = np.random.default_rng(seed)
    df = scatter(shopify_like(n, rng), rng, moves)
    frames = chunks_of(df, sizes)
    want = outcome(conversion_split, frames, preset="shopify")
    assert outcome(key_split, frames, preset="shopify") == want


def test_a_scattered_order_is_found() -> None:
    df = orders_frame(12, seed=5, max_lines=2)
    df = pd.concat([df, df[df["order_id"] == "SO-10002"]], ignore_index=True)
    frames = chunks_of(df, [5])
    got = key_split(frames)
    assert got.size == 1 and np.array_equal(got, conversion_split(frames))
    keys = order_keys(frames[0], None, None)
    assert keys is not None and keys.columns == ["order_id"]
