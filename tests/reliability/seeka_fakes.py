"""An in-memory Seeka for the issue-12 regression tests: scripted answers, no sockets.

``FakeSeeka`` is a :class:`~seeka_nb.adapters.transport.Transport`: each request is
answered by ``script(n, ids, content)`` (default: 202), which may return a
:class:`Response` or an exception to raise.  It records every accepted activity ID (with
repeats), the clock at each request start and the headers it was given.
"""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from typing import Any

from rel_support import body_ids

from seeka_nb import Ledger
from seeka_nb.adapters.transport import Response
from seeka_nb.pipeline.runner import Seams

Script = Callable[[int, list[str], bytes], Any]


class FakeSeeka:
    def __init__(self, script: Script | None = None, clock: Callable[[], float] | None = None):
        self.script = script or (lambda n, ids, content: Response(202))
        self.clock = clock
        self.accepted: list[str] = []
        self.requests = 0
        self.starts: list[float] = []
        self.headers: list[dict[str, object]] = []

    async def post(self, url: str, content: bytes, headers: Any) -> Response:
        self.requests += 1
        if self.clock is not None:
            self.starts.append(self.clock())
        self.headers.append(dict(headers))
        ids = body_ids(content)
        answer = self.script(self.requests, ids, content)
        if isinstance(answer, BaseException):
            raise answer
        if answer.status == 202:
            self.accepted.extend(ids)
        return answer

    async def aclose(self) -> None:
        pass


def seams_for(transport: Any, fake_time: Any, seed: int = 1, **kw: Any) -> Seams:
    return Seams(
        transport=lambda options: transport,
        clock=fake_time.clock,
        sleep=kw.pop("sleep", fake_time.sleep),
        now=fake_time.wall,
        rng=random.Random(seed),
        **kw,
    )


def fill_disk(ledger: Ledger, extra_pages: int, *, compact: bool = False) -> None:
    """Make the ledger's file "full" ``extra_pages`` pages from now (SQLITE_FULL after).

    ``compact`` first drops the free pages (``VACUUM``), which SQLite would otherwise reuse
    before growing the file: the next write that needs room then fails for certain."""
    conn: sqlite3.Connection = ledger._db._conn  # type: ignore[assignment]
    if compact:
        conn.execute("VACUUM")
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages + extra_pages}")


def fragments(values: list[str], size: int = 4) -> set[str]:
    """Every ``size``-character piece of the values, lower-cased."""
    return {v.lower()[k : k + size] for v in values for k in range(len(v) - size + 1)}
