"""The ledger's SQLite connection: pragmas, short transactions, retries while locked (layer 3).

Owns :class:`Database`: one ``sqlite3`` connection per ledger, used from any thread of
one process behind a lock (``check_same_thread=False``), in autocommit mode so that every
transaction is explicit and short:

* writes run in ``BEGIN IMMEDIATE`` (the write lock is taken up front, so a transaction
  never fails half-way on a lock upgrade), reads in ``BEGIN`` (WAL: readers never wait for
  writers);
* SQLite's busy handler waits up to ``busy_timeout`` seconds for a lock; when it still
  answers ``database is locked``, the whole transaction is rolled back and retried up to
  ``lock_retries`` times, waiting ``min(RETRY_CAP, RETRY_BASE * 2**n)`` seconds through the
  injected ``sleep``; after that a :class:`LedgerError` says which file is locked.

Journal: WAL with ``synchronous=NORMAL``.  In WAL mode a commit is in the write-ahead log
before ``COMMIT`` returns, so it survives the process dying (``kill -9``, a kernel
restart); only an OS crash or power loss can roll back the last few commits, and the
database stays consistent either way.  The cost of that rare loss is resending the last
batches, which Seeka de-duplicates on ``activityId``; the cost of ``FULL`` would be one
fsync per acknowledged batch, capping an unthrottled send at the disk's fsync rate.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable
from typing import TypeVar

from .records import MEMORY, LedgerError

__all__ = ["BUSY_TIMEOUT", "LOCK_RETRIES", "Database", "is_busy"]

T = TypeVar("T")

BUSY_TIMEOUT = 2.0  # seconds SQLite itself waits for a lock, per attempt
LOCK_RETRIES = 6  # further attempts of a whole transaction after "database is locked"
RETRY_BASE = 0.05  # seconds before the first retry; doubles each time
RETRY_CAP = 1.0  # longest wait between two attempts
SYNCHRONOUS = "NORMAL"

_BUSY_CODES = {sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED}
_BUSY_TEXT = ("database is locked", "database is busy", "database table is locked")


def is_busy(exc: sqlite3.Error) -> bool:
    """Whether an SQLite error means another connection holds a lock (worth retrying)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in _BUSY_CODES:
        return True
    text = str(exc).lower()
    return any(t in text for t in _BUSY_TEXT)


class Database:
    """One connection to a ledger file, its lock, and retried short transactions."""

    def __init__(
        self,
        target: str,
        *,
        sleep: Callable[[float], None],
        busy_timeout: float = BUSY_TIMEOUT,
        lock_retries: int = LOCK_RETRIES,
    ) -> None:
        self.where = "in memory" if target == MEMORY else f"at {target}"
        self._sleep = sleep
        self._retries = lock_retries
        self._busy_timeout = busy_timeout
        self._lock = threading.RLock()
        try:
            self._conn: sqlite3.Connection | None = sqlite3.connect(
                target, timeout=busy_timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise LedgerError(
                f"Cannot open the ledger {self.where} ({exc}). Check that the folder is "
                "writable, or pass another ledger path."
            ) from exc
        try:
            self.journal_mode = self.run(self._configure)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _configure(conn: sqlite3.Connection) -> str:
        mode = str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower()
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS ledger_ids ("
            "seq INTEGER PRIMARY KEY, activity_id TEXT NOT NULL UNIQUE, payload_hash TEXT)"
        )
        return mode

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                conn.close()

    def write(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one ``BEGIN IMMEDIATE`` transaction, retried while locked."""
        return self.run(lambda conn: self._transaction(conn, "BEGIN IMMEDIATE", work))

    def read(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``work`` in one read transaction (a consistent snapshot), retried while locked."""
        return self.run(lambda conn: self._transaction(conn, "BEGIN", work))

    @staticmethod
    def _transaction(
        conn: sqlite3.Connection, begin: str, work: Callable[[sqlite3.Connection], T]
    ) -> T:
        conn.execute(begin)
        try:
            result = work(conn)
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):  # a broken connection: nothing to undo
                    conn.execute("ROLLBACK")
            raise
        return result

    def run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        """Call ``work(connection)`` under the lock; retry it while the file is locked."""
        with self._lock:
            attempt = 0
            waited = 0.0
            while True:
                conn = self._conn
                if conn is None:
                    raise LedgerError("This Ledger is closed; open a new Ledger(path).")
                try:
                    return work(conn)
                except sqlite3.Error as exc:
                    if not is_busy(exc):
                        raise LedgerError(
                            f"The ledger {self.where} failed: {exc}. If the file is damaged, "
                            "move it aside and pass a new ledger path."
                        ) from exc
                    if attempt >= self._retries:
                        total = waited + (attempt + 1) * self._busy_timeout
                        raise LedgerError(
                            f"The ledger {self.where} stayed locked by another connection "
                            f"for about {total:.1f} s ({attempt + 1} attempts). Another "
                            "seeka_nb send may be using it: wait for it to finish, or pass "
                            "another ledger path."
                        ) from exc
                    delay = min(RETRY_CAP, RETRY_BASE * 2**attempt)
                    attempt += 1
                    waited += delay
                    self._sleep(delay)
