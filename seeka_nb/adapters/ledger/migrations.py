"""The ledger's database schema and its forward migrations (layer 3, SQLite).

Owns the DDL.  ``schema_version`` holds one row per applied migration (version, time
applied, package version that applied it); the current version is its maximum.
:data:`MIGRATIONS` maps each version to the statements that bring version ``n - 1`` to
``n``; they run, with their ``schema_version`` row, inside one write transaction, so a
ledger is always at one whole version.  A ledger written by a newer seeka_nb (a version
this code does not know) is refused rather than guessed at.

Tables (no personal data: IDs, hashes, statuses, counts, times, endpoint, org ID, key
fingerprint, package version):

* ``scopes``: endpoint + org ID + key fingerprint, one row each;
* ``runs``: one row per send (start, heartbeat, end, counts as JSON, pid, host...);
* ``orders``: one row per (scope, activity ID) with its latest status, and ``sent_hash``,
  the payload hash last *acknowledged* (202), which later failures never erase;
* ``claims``: activity IDs in flight, per scope, with the run that holds them.
"""

from __future__ import annotations

import sqlite3

from .records import LedgerError
from .shared_sql import VersionSQL, check_version, run_migrations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "read_version"]

_V1 = (
    """CREATE TABLE scopes (
        scope_id INTEGER PRIMARY KEY,
        endpoint TEXT NOT NULL,
        org_id TEXT NOT NULL,
        key_fingerprint TEXT NOT NULL,
        UNIQUE (endpoint, org_id, key_fingerprint)
    )""",
    """CREATE TABLE runs (
        run_id TEXT PRIMARY KEY,
        scope_id INTEGER NOT NULL REFERENCES scopes (scope_id),
        started_at REAL NOT NULL,
        heartbeat_at REAL NOT NULL,
        ended_at REAL,
        package_version TEXT NOT NULL,
        n_orders INTEGER NOT NULL,
        dry_run INTEGER NOT NULL,
        counts TEXT,
        pid INTEGER NOT NULL,
        host TEXT NOT NULL
    )""",
    """CREATE TABLE orders (
        scope_id INTEGER NOT NULL REFERENCES scopes (scope_id),
        activity_id TEXT NOT NULL,
        status TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        sent_hash TEXT,
        http_status INTEGER,
        attempts INTEGER NOT NULL,
        error TEXT,
        first_sent_at REAL,
        last_sent_at REAL,
        updated_at REAL NOT NULL,
        run_id TEXT NOT NULL,
        sent_run_id TEXT,
        PRIMARY KEY (scope_id, activity_id)
    ) WITHOUT ROWID""",
    """CREATE TABLE claims (
        scope_id INTEGER NOT NULL REFERENCES scopes (scope_id),
        activity_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        claimed_at REAL NOT NULL,
        PRIMARY KEY (scope_id, activity_id)
    ) WITHOUT ROWID""",
    "CREATE INDEX claims_by_run ON claims (run_id)",
    "CREATE INDEX runs_by_start ON runs (started_at)",
)

#: version -> statements bringing the schema from ``version - 1`` to ``version``.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: _V1}
SCHEMA_VERSION = max(MIGRATIONS)

_VERSION_SQL = VersionSQL(
    create="""CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at REAL NOT NULL,
    package_version TEXT NOT NULL
)""",
    insert="INSERT INTO schema_version (version, applied_at, package_version) VALUES (?, ?, ?)",
)


def read_version(conn: sqlite3.Connection, where: str) -> int:
    """The schema version of an open ledger: 0 for an empty database.

    Raises :class:`LedgerError` for a database that is not a seeka_nb ledger, or one
    written by a newer seeka_nb.
    """
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if "schema_version" not in tables:
        if tables:
            raise LedgerError(
                f"{where} is an SQLite database but not a seeka_nb ledger "
                f"(no schema_version table). Pass another ledger path."
            )
        return 0
    version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    return check_version(version, max(MIGRATIONS), where, another="another ledger path")


def migrate(conn: sqlite3.Connection, where: str, *, now: float, package_version: str) -> int:
    """Bring the ledger to the latest schema; call inside a write transaction.

    Returns the version it started from (the latest when nothing was to do).
    """
    start = read_version(conn, where)
    latest = max(MIGRATIONS)
    if start == latest:
        return start
    run_migrations(conn, MIGRATIONS, start, _VERSION_SQL, now=now, package_version=package_version)
    return start
