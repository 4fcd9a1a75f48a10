"""What the ledger's two dialects share (layer 3): SQL text that SQLite and PostgreSQL
read alike, and the checks both make of what their statements return.

Owns the orders upsert's column list and conflict rule (an acknowledged hash and the first
send time are never erased, attempts add up), the column lists of the reads behind
:mod:`.frames` (in its column order), the counts of the repr, the checks of an open run and
of a scope, and the steps of a migration.  Everything that differs stays written out in
each dialect (:mod:`.statements` / :mod:`.pg_statements`, :mod:`.migrations` /
:mod:`.pg_migrations`): placeholders (``?``, ``:name`` / ``%s``, ``%(name)s``), casts, how
ID lists travel, ordering (``COLLATE "C"``, ``rowid`` / ``seq``), locking and types.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from .records import LedgerError, Scope

__all__ = [
    "COUNTS",
    "ORDER_COLUMNS_SQL",
    "RUN_COLUMNS_SQL",
    "SENT_COLUMNS_SQL",
    "UPSERT_CONFLICT",
    "UPSERT_INTO",
    "VersionSQL",
    "check_version",
    "open_run_scope_row",
    "run_migrations",
    "scope_key",
    "unknown_run",
]

Row = tuple[Any, ...]

#: ``INSERT INTO orders (...)`` of the upsert; each dialect adds its ``VALUES`` or ``SELECT``.
UPSERT_INTO = """INSERT INTO orders (scope_id, activity_id, status, payload_hash, sent_hash,
    http_status, attempts, error, first_sent_at, last_sent_at, updated_at, run_id, sent_run_id)"""
#: The upsert's conflict rule, after the dialect's ``VALUES``/``SELECT``.
UPSERT_CONFLICT = """ON CONFLICT (scope_id, activity_id) DO UPDATE SET
    status = excluded.status, payload_hash = excluded.payload_hash,
    sent_hash = COALESCE(excluded.sent_hash, orders.sent_hash),
    http_status = excluded.http_status,
    attempts = orders.attempts + excluded.attempts, error = excluded.error,
    first_sent_at = COALESCE(orders.first_sent_at, excluded.first_sent_at),
    last_sent_at = COALESCE(excluded.last_sent_at, orders.last_sent_at),
    updated_at = excluded.updated_at, run_id = excluded.run_id,
    sent_run_id = COALESCE(excluded.sent_run_id, orders.sent_run_id)"""

#: ``orders o`` and ``scopes s`` in :data:`.frames.SENT_COLUMNS` order.
SENT_COLUMNS_SQL = (
    "o.activity_id, o.sent_hash, s.endpoint, s.org_id, s.key_fingerprint,"
    " o.first_sent_at, o.last_sent_at, o.attempts, o.sent_run_id"
)
#: ``runs r`` and ``scopes s`` in :data:`.frames.RUN_COLUMNS` order.
RUN_COLUMNS_SQL = (
    "r.run_id, r.started_at, r.ended_at, s.endpoint, s.org_id,"
    " s.key_fingerprint, r.package_version, r.n_orders, r.dry_run, r.counts,"
    " r.pid, r.host, r.heartbeat_at"
)
#: ``orders o`` and ``scopes s`` in :data:`.frames.ORDER_COLUMNS` order.
ORDER_COLUMNS_SQL = (
    "o.activity_id, s.endpoint, s.org_id, s.key_fingerprint, o.status,"
    " o.payload_hash, o.sent_hash IS NOT NULL, o.sent_hash, o.http_status,"
    " o.attempts, o.error, o.first_sent_at, o.last_sent_at, o.updated_at, o.run_id"
)
#: (orders, acknowledged orders, runs), for the repr.
COUNTS = (
    "SELECT (SELECT COUNT(*) FROM orders),"
    " (SELECT COUNT(*) FROM orders WHERE sent_hash IS NOT NULL),"
    " (SELECT COUNT(*) FROM runs)"
)


def scope_key(scope: Scope) -> tuple[str, str, str]:
    """(endpoint, org ID, key fingerprint) of a :class:`Scope`; anything else refused."""
    if not isinstance(scope, Scope):
        raise LedgerError(f"Expected a Scope, got {type(scope).__name__}.")
    return (scope.endpoint, scope.org_id, scope.key_fingerprint)


def unknown_run(run_id: str) -> LedgerError:
    return LedgerError(f"Unknown run {run_id!r}: start it with Ledger.start_run().")


def open_run_scope_row(row: Row | None, run_id: str, scope: Scope) -> int:
    """The scope row of a run from its ``(ended_at, endpoint, org_id, key_fingerprint,
    scope_id)``: refused when the run is unknown, finished or of another scope."""
    if row is None:
        raise unknown_run(run_id)
    if row[0] is not None:
        raise LedgerError(f"Run {run_id!r} has finished; start a new run to send again.")
    if Scope(*row[1:4]) != scope:
        raise LedgerError(f"Run {run_id!r} was started for another scope.")
    return int(row[4])


def check_version(version: int, latest: int, where: str, *, another: str) -> int:
    """A ledger's schema version, refused when a newer seeka_nb wrote it."""
    if version > latest:
        raise LedgerError(
            f"The ledger {where} has schema version {version}, newer than this seeka_nb "
            f"understands ({latest}). Upgrade seeka_nb, or pass {another}."
        )
    return int(version)


class VersionSQL(NamedTuple):
    """A dialect's ``schema_version`` statements (its types and placeholders)."""

    #: ``CREATE TABLE IF NOT EXISTS schema_version (version, applied_at, package_version)``.
    create: str
    #: The insert of one row, parameters (version, applied_at, package_version).
    insert: str


def run_migrations(
    conn: Any,
    migrations: Mapping[int, tuple[str, ...]],
    start: int,
    version_sql: VersionSQL,
    *,
    now: float,
    package_version: str,
) -> None:
    """Create ``schema_version`` if needed, then run each migration after ``start`` with
    its ``schema_version`` row; inside the caller's transaction."""
    conn.execute(version_sql.create)
    for version in range(start + 1, max(migrations) + 1):
        for statement in migrations[version]:
            conn.execute(statement)
        conn.execute(version_sql.insert, (version, now, package_version))
