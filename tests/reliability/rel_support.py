"""Shared pieces of the reliability tests: fake time, generated orders, recording transports.

Imported by the tests and by ``send_child.py`` (the subprocess that sends for the kill -9
and concurrent-run tests), so both build exactly the same orders.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from fake_time import FakeTime  # noqa: F401  (re-exported for the tests here)

from seeka_nb.adapters.transport import Response, Transport

#: A recognisable fake key: tests search every output for it (and for its middle part).
KEY = "pk_live_SUPERSECRETxKEYx7f3a9c1e2b"
KEY_MIDDLE = "SUPERSECRETxKEY"
ORG = "org-reliability"


def order_id(i: int) -> str:
    return f"R-{i:06d}"


def email_of(i: int) -> str:
    return f"customer.{i}@example-shop.test"


def phone_of(i: int) -> str:
    return f"+6142{i:07d}"


def make_orders(start: int, stop: int, *, reverse: bool = False) -> pd.DataFrame:
    """Orders ``start..stop-1`` (one line each) with fake customer data, deterministic."""
    ids = range(start, stop)
    if reverse:
        ids = range(stop - 1, start - 1, -1)
    rows = list(ids)
    return pd.DataFrame(
        {
            "order_id": [order_id(i) for i in rows],
            "created_at": "2025-03-01T10:00:00Z",
            "email": [email_of(i) for i in rows],
            "phone": [phone_of(i) for i in rows],
            "first_name": [f"Givenname{i}" for i in rows],
            "last_name": [f"Familyname{i}" for i in rows],
            "price": [10 + (i % 90) * 0.5 for i in rows],
            "qty": [1 + i % 3 for i in rows],
            "currency": "AUD",
            "sku": [f"SKU-{i % 37}" for i in rows],
        }
    )


def body_ids(content: bytes) -> list[str]:
    """The activity IDs of an encoded request body."""
    return [e["ev"]["payload"]["activityId"] for e in orjson.loads(content)["data"]]


def integrity(path: Path | str) -> str:
    """``PRAGMA integrity_check`` of a ledger file (``"ok"`` when sound); a PostgreSQL
    ledger (a URL): ``"ok"`` when every claim and order belongs to a known scope and run."""
    if isinstance(path, str):
        orphans = ledger_rows(
            path,
            "SELECT COUNT(*) FROM claims c LEFT JOIN runs r USING (run_id) WHERE r.run_id IS NULL",
        )[0][0]
        return "ok" if orphans == 0 else f"{orphans} claims of unknown runs"
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def ledger_rows(target: Path | str, statement: str) -> list[tuple[Any, ...]]:
    """Rows of one statement on a ledger's database, SQLite file or PostgreSQL URL."""
    if isinstance(target, str):
        import psycopg

        with psycopg.connect(target, autocommit=True) as pg:
            return [tuple(r) for r in pg.execute(statement).fetchall()]
    conn = sqlite3.connect(target)
    try:
        return conn.execute(statement).fetchall()
    finally:
        conn.close()


class Wrapper:
    """A transport forwarding to another one; subclasses look at or change the traffic."""

    def __init__(self, inner: Transport) -> None:
        self.inner = inner

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        return await self.inner.post(url, content, headers)

    async def aclose(self) -> None:
        await self.inner.aclose()


class GatedTransport(Wrapper):
    """Lets ``free`` requests through, then holds every new one until the engine stops.

    ``reached`` is set when the first held request arrives: the send is then surely running
    and has requests in flight, the moment to deliver a KeyboardInterrupt.
    """

    def __init__(self, inner: Transport, free: int, reached: Any) -> None:
        super().__init__(inner)
        self.free, self.reached, self.posts = free, reached, 0
        self.engine: Any = None

    def on_engine(self, engine: Any) -> None:
        self.engine = engine

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        self.posts += 1
        if self.posts > self.free:
            self.reached.set()
            await asyncio.wait_for(self.engine.stop_event.wait(), 30)
        return await self.inner.post(url, content, headers)
