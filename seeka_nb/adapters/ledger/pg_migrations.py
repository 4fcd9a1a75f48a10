"""The PostgreSQL ledger's schema and its forward migrations (layer 3).

The same tables, columns and rules as the SQLite schema of :mod:`.migrations` (see there),
in PostgreSQL types, in the connection's current schema (``search_path``; pass
``?options=-csearch_path%3Dmy_schema`` in the URL to use another one), plus one column
of its own: ``runs.lock_key``, the advisory lock a live run holds for as long as its
connection lasts (see :mod:`.pg_statements`).  ``schema_version`` holds one row per applied
migration; :data:`MIGRATIONS` maps each version to the statements that bring version
``n - 1`` to ``n``; they run with their ``schema_version`` row in one transaction, under a
transaction-level advisory lock, so two workers starting at once never both create the
tables.  A ledger written by a newer seeka_nb is refused rather than guessed at.
"""

from __future__ import annotations

from typing import Any

from .records import LedgerError
from .shared_sql import VersionSQL, check_version, run_migrations

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "migrate", "read_version"]

_V1 = (
    """CREATE TABLE scopes (
        scope_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        endpoint TEXT NOT NULL,
        org_id TEXT NOT NULL,
        key_fingerprint TEXT NOT NULL,
        UNIQUE (endpoint, org_id, key_fingerprint)
    )""",
    """CREATE TABLE runs (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        run_id TEXT PRIMARY KEY,
        scope_id BIGINT NOT NULL REFERENCES scopes (scope_id),
        started_at DOUBLE PRECISION NOT NULL,
        heartbeat_at DOUBLE PRECISION NOT NULL,
        ended_at DOUBLE PRECISION,
        package_version TEXT NOT NULL,
        n_orders BIGINT NOT NULL,
        dry_run BOOLEAN NOT NULL,
        counts TEXT,
        pid BIGINT NOT NULL,
        host TEXT NOT NULL,
        lock_key BIGINT NOT NULL
    )""",
    """CREATE TABLE orders (
        scope_id BIGINT NOT NULL REFERENCES scopes (scope_id),
        activity_id TEXT NOT NULL,
        status TEXT NOT NULL,
        payload_hash TEXT NOT NULL,
        sent_hash TEXT,
        http_status INTEGER,
        attempts BIGINT NOT NULL,
        error TEXT,
        first_sent_at DOUBLE PRECISION,
        last_sent_at DOUBLE PRECISION,
        updated_at DOUBLE PRECISION NOT NULL,
        run_id TEXT NOT NULL,
        sent_run_id TEXT,
        PRIMARY KEY (scope_id, activity_id)
    )""",
    """CREATE TABLE claims (
        scope_id BIGINT NOT NULL REFERENCES scopes (scope_id),
        activity_id TEXT NOT NULL,
        run_id TEXT NOT NULL,
        claimed_at DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (scope_id, activity_id)
    )""",
    "CREATE INDEX claims_by_run ON claims (run_id)",
    "CREATE INDEX runs_by_start ON runs (started_at)",
)

#: version -> statements bringing the schema from ``version - 1`` to ``version``.
MIGRATIONS: dict[int, tuple[str, ...]] = {1: _V1}
SCHEMA_VERSION = max(MIGRATIONS)
#: Transaction-level advisory lock taken while migrating ("seeka_nb" in ASCII, as a bigint).
MIGRATION_LOCK = 0x7365656B615F6E62

_VERSION_SQL = VersionSQL(
    create="""CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER PRIMARY KEY,
    applied_at DOUBLE PRECISION NOT NULL,
    package_version TEXT NOT NULL
)""",
    insert="INSERT INTO schema_version (version, applied_at, package_version) VALUES (%s, %s, %s)",
)


def read_version(conn: Any, where: str) -> int:
    """The schema version of an open ledger: 0 for an empty schema.

    Raises :class:`LedgerError` for a schema holding other tables (not a seeka_nb ledger),
    or one written by a newer seeka_nb.
    """
    tables = {
        row[0]
        for row in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    if "schema_version" not in tables:
        if tables:
            raise LedgerError(
                f"The PostgreSQL database {where} already holds other tables and no "
                "seeka_nb schema_version table: it is not a seeka_nb ledger. Use an empty "
                "database (or another schema, ?options=-csearch_path%3Dseeka)."
            )
        return 0
    version = conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_version").fetchone()[0]
    return check_version(version, max(MIGRATIONS), where, another="another ledger")


def migrate(conn: Any, where: str, *, now: float | None, package_version: str) -> int:
    """Bring the ledger to the latest schema; call inside a transaction.

    Returns the version it started from (the latest when nothing was to do).
    """
    conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
    start = read_version(conn, where)  # again, under the lock: another worker may have won
    latest = max(MIGRATIONS)
    if start == latest:
        return start
    if now is None:
        now = float(conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])
    run_migrations(conn, MIGRATIONS, start, _VERSION_SQL, now=now, package_version=package_version)
    return start
