"""``EncodedBodies``: a dry run's request bodies, kept as the JSON bytes (layer 4).

A dry run of a million orders builds 50,000 bodies.  Kept as dicts they weigh gigabytes
and the garbage collector walks them again and again while more are built; kept as the
bytes that would be POSTed (not tracked by the collector) they cost what their JSON
weighs.  Reading one decodes it: the sequence behaves as the list of dicts it replaces.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, overload

import orjson


class EncodedBodies(Sequence[dict[str, Any]]):
    """Request bodies stored encoded; items are decoded on access (``dict``)."""

    __slots__ = ("encoded",)

    def __init__(self, encoded: list[bytes] | None = None) -> None:
        #: The exact bytes of each body, as they would be POSTed.
        self.encoded: list[bytes] = [] if encoded is None else encoded

    def __len__(self) -> int:
        return len(self.encoded)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...
    @overload
    def __getitem__(self, index: slice) -> list[dict[str, Any]]: ...
    def __getitem__(self, index: int | slice) -> dict[str, Any] | list[dict[str, Any]]:
        if isinstance(index, slice):
            return [orjson.loads(b) for b in self.encoded[index]]
        return orjson.loads(self.encoded[index])

    def __iter__(self) -> Iterator[dict[str, Any]]:
        for body in self.encoded:
            yield orjson.loads(body)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, EncodedBodies):
            return self.encoded == other.encoded
        if isinstance(other, list):
            return len(other) == len(self) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        n = len(self.encoded)
        return f"<{n} request bod{'y' if n == 1 else 'ies'}, {sum(map(len, self.encoded)):,} bytes>"
