"""The PostgreSQL ledger's SQL, one function per operation (layer 3).

The same functions, arguments and results as :mod:`.statements` (the SQLite dialect), on
the tables of :mod:`.pg_migrations`; :class:`~.ledger.Ledger` calls one module or the other.
What the two share word for word (the upsert's rule, the read column lists, the run and
scope checks) is in :mod:`.shared_sql`.
Each function runs inside a transaction begun by :class:`~.postgres.PgDatabase` (so it may
be retried whole); none commits.  ID lists travel as one array parameter (``unnest``), not
as ever-longer ``IN`` lists, so 300,000 IDs cost one statement.

Activity IDs are stored through :func:`~.pg_text.to_db` (PostgreSQL's text holds no NUL)
and read back through :func:`~.pg_text.from_db`, so both backends keep the same IDs apart.

``now`` is the injected clock's time, or ``None``: then the *server's* clock is used, so
workers on machines whose clocks disagree still compare heartbeats on one clock.

Claims, as in SQLite, never let two runs hold one ID: the claims' primary key (scope,
activity ID) admits one row per ID, ``INSERT ... ON CONFLICT DO UPDATE ... WHERE
claims.run_id = excluded.run_id`` leaves a row another run holds alone (a concurrent
insert of the same ID waits for the first transaction, then sees its row), and the claim
reads back what it holds, re-checking acknowledgements committed meanwhile.  IDs are
inserted in sorted order (two claims rarely wait on each other's rows; a deadlock the
server detects is retried whole by :class:`~.postgres.PgDatabase`).

Liveness across machines: a run cannot be checked by pid on another host (or container),
so a run here is alive while it is not ended, its heartbeat is within the lease, and the
session-level advisory lock it took at :func:`insert_run` is still held - PostgreSQL drops
it the moment the run's connection ends (``kill -9``, a crashed worker), so its claims are
taken over at once; a worker cut off from the server without the connection closing is
dead once the lease passes.  See :func:`~.liveness.session_alive`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from . import shared_sql as shared
from .liveness import Holder, session_alive
from .pg_text import from_db, printable, to_db
from .records import Outcome, Scope, check_id, check_ids, short_error

Row = tuple[Any, ...]
Conn = Any

_SCOPE_FILTER = (
    "(%(endpoint)s::text IS NULL OR s.endpoint = %(endpoint)s)"
    " AND (%(org)s::text IS NULL OR s.org_id = %(org)s)"
)
# The IDs given, each once in first-occurrence order, with the hash about to be sent.
_IDS = """(SELECT DISTINCT ON (u.activity_id) u.activity_id, u.payload_hash, u.seq
    FROM unnest(%(ids)s::text[], %(hashes)s::text[]) WITH ORDINALITY
    AS u(activity_id, payload_hash, seq) ORDER BY u.activity_id, u.seq)"""
_ACKED = """EXISTS (SELECT 1 FROM orders o WHERE o.scope_id = %(scope)s
    AND o.activity_id = i.activity_id AND o.sent_hash IS NOT NULL
    AND NOT %(all)s AND (i.payload_hash IS NULL OR o.sent_hash = i.payload_hash))"""
_UPSERT = f"""{shared.UPSERT_INTO}
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    {shared.UPSERT_CONFLICT}"""


def server_now(conn: Conn, now: float | None) -> float:
    """``now``, or the server's clock (UTC epoch seconds) when no clock was injected."""
    if now is not None:
        return now
    return float(conn.execute("SELECT extract(epoch FROM clock_timestamp())").fetchone()[0])


def _ids(ids: Iterable[str], hashes: Mapping[str, str] | None = None) -> dict[str, Any]:
    checked = list(check_ids(ids))
    return {
        "ids": [to_db(i) for i in checked],
        "hashes": [hashes.get(i) if hashes else None for i in checked],
    }


def lock_key(run_id: str) -> int:
    """The advisory lock (a signed bigint) a run holds while it is alive."""
    return int.from_bytes(uuid.UUID(hex=run_id).bytes[:8], "big", signed=True)


def scope_id(conn: Conn, scope: Scope, *, create: bool) -> int | None:
    """The row ID of a scope (created when asked), ``None`` when unknown."""
    key = shared.scope_key(scope)
    if create:
        conn.execute(
            "INSERT INTO scopes (endpoint, org_id, key_fingerprint) VALUES (%s, %s, %s)"
            " ON CONFLICT DO NOTHING",
            key,
        )
    row = conn.execute(
        "SELECT scope_id FROM scopes WHERE endpoint = %s AND org_id = %s AND key_fingerprint = %s",
        key,
    ).fetchone()
    return None if row is None else int(row[0])


def acknowledged(conn: Conn, scope: Scope, ids: Iterable[str]) -> dict[str, str]:
    """activity_id -> acknowledged payload hash, for the given IDs in the scope."""
    params = _ids(ids)
    found = scope_id(conn, scope, create=False)
    if found is None:
        return {}
    rows = conn.execute(
        "SELECT o.activity_id, o.sent_hash FROM orders o"
        " WHERE o.scope_id = %(scope)s AND o.activity_id = ANY(%(ids)s::text[])"
        " AND o.sent_hash IS NOT NULL",
        {"scope": found, "ids": params["ids"]},
    ).fetchall()
    return {from_db(i): digest for i, digest in rows}


def insert_run(conn: Conn, scope: Scope, run: Row, now: float | None) -> None:
    """A new run (``run``: run_id, package_version, n_orders, dry_run, pid, host); this
    connection takes the run's advisory lock, held until the run ends or the connection does."""
    run_id, package_version, n_orders, dry_run, pid, host = run
    now = server_now(conn, now)
    key = lock_key(run_id)
    conn.execute(
        "INSERT INTO runs (run_id, scope_id, started_at, heartbeat_at, package_version,"
        " n_orders, dry_run, pid, host, lock_key)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (run_id, scope_id(conn, scope, create=True), now, now, package_version, n_orders,
         bool(dry_run), pid, host, key),
    )  # fmt: skip
    conn.execute("SELECT pg_advisory_lock(%s)", (key,))


def open_run_scope(conn: Conn, run_id: str, scope: Scope, now: float) -> int:
    """The scope row of an open run, whose heartbeat is refreshed; refuses misuse."""
    row = conn.execute(
        "SELECT r.ended_at, s.endpoint, s.org_id, s.key_fingerprint, r.scope_id"
        " FROM runs r JOIN scopes s USING (scope_id) WHERE r.run_id = %s",
        (check_id(run_id),),
    ).fetchone()
    scope_row = shared.open_run_scope_row(row, run_id, scope)
    beat(conn, run_id, now)
    return scope_row


def claim(
    conn: Conn,
    scope: Scope,
    run_id: str,
    ids: Sequence[str],
    *,
    now: float | None,
    lease_seconds: float,
    host: str,
    hashes: Mapping[str, str] | None,
    resend_all: bool,
) -> list[str]:
    """Take over dead runs' claims on ``ids``, claim what is free; the IDs held, in order."""
    del host  # another host cannot be checked by pid: the session lock and lease decide
    now = server_now(conn, now)
    params = _ids(ids, hashes)
    params.update(scope=open_run_scope(conn, run_id, scope, now), run=run_id, now=now)
    params["all"] = resend_all
    holders = conn.execute(
        "SELECT h.run_id, r.ended_at, r.heartbeat_at, r.pid, r.host,"
        " r.lock_key IS NOT NULL AND NOT pg_try_advisory_xact_lock_shared(r.lock_key)"
        " FROM (SELECT DISTINCT c.run_id FROM claims c"
        " WHERE c.scope_id = %(scope)s AND c.activity_id = ANY(%(ids)s::text[])"
        " AND c.run_id <> %(run)s) h LEFT JOIN runs r ON r.run_id = h.run_id",
        params,
    ).fetchall()
    dead = [
        h[0]
        for h in holders
        if not session_alive(Holder(*h[:5]), now=now, lease_seconds=lease_seconds, held=h[5])
    ]
    if dead:
        conn.execute(
            "DELETE FROM claims WHERE scope_id = %(scope)s AND run_id = ANY(%(dead)s::text[])"
            " AND activity_id = ANY(%(ids)s::text[])",
            {**params, "dead": dead},
        )
    conn.execute(
        "INSERT INTO claims (scope_id, activity_id, run_id, claimed_at)"
        f" SELECT %(scope)s, i.activity_id, %(run)s, %(now)s FROM {_IDS} i"
        f" WHERE NOT {_ACKED}"
        " ON CONFLICT (scope_id, activity_id) DO UPDATE SET claimed_at = excluded.claimed_at"
        " WHERE claims.run_id = excluded.run_id",
        params,
    )
    claimed = conn.execute(
        f"SELECT i.activity_id FROM {_IDS} i JOIN claims c"
        " ON c.scope_id = %(scope)s AND c.activity_id = i.activity_id AND c.run_id = %(run)s"
        f" WHERE NOT {_ACKED} ORDER BY i.seq",
        params,
    ).fetchall()
    return [from_db(row[0]) for row in claimed]


def beat(conn: Conn, run_id: str, now: float | None) -> None:
    """Refresh an open run's heartbeat (no-op once it ended)."""
    conn.execute(
        "UPDATE runs SET heartbeat_at = %s WHERE run_id = %s AND ended_at IS NULL",
        (server_now(conn, now), run_id),
    )


def require_run(conn: Conn, run_id: str) -> None:
    known = conn.execute("SELECT 1 FROM runs WHERE run_id = %s", (check_id(run_id),)).fetchone()
    if known is None:
        raise shared.unknown_run(run_id)


def record(
    conn: Conn, scope: Scope, run_id: str, outcomes: Sequence[Outcome], now: float | None
) -> None:
    """Upsert checked outcomes (in order), release their claims, refresh the heartbeat."""
    now = server_now(conn, now)
    scope_row = scope_id(conn, scope, create=True)
    rows = []
    for o in outcomes:
        sent = o.status == "sent"
        code = None if o.http_status is None else int(o.http_status)
        at = now if sent else None
        rows.append((
            scope_row, to_db(check_id(o.activity_id)), o.status, o.payload_hash,
            o.payload_hash if sent else None, code, int(o.attempts),
            short_error(printable(o.error)),
            at, at, now, run_id, run_id if sent else None,
        ))  # fmt: skip
    with conn.cursor() as cur:
        cur.executemany(_UPSERT, rows)
    conn.execute(
        "DELETE FROM claims WHERE scope_id = %s AND run_id = %s AND activity_id = ANY(%s::text[])",
        (scope_row, run_id, [row[1] for row in rows]),
    )
    beat(conn, run_id, now)


def release(conn: Conn, run_id: str, ids: Iterable[str] | None) -> None:
    """Drop a run's claims: on these IDs, or all when ``None``."""
    check_id(run_id)
    if ids is None:
        conn.execute("DELETE FROM claims WHERE run_id = %s", (run_id,))
        return
    conn.execute(
        "DELETE FROM claims WHERE run_id = %s AND activity_id = ANY(%s::text[])",
        (run_id, [to_db(i) for i in check_ids(ids)]),
    )


def finish_run(conn: Conn, run_id: str, counts_json: str, now: float | None) -> None:
    """End time and counts; releases the run's remaining claims and its advisory lock."""
    now = server_now(conn, now)
    done = conn.execute(
        "UPDATE runs SET ended_at = %s, heartbeat_at = %s, counts = %s WHERE run_id = %s"
        " RETURNING lock_key",
        (now, now, counts_json, check_id(run_id)),
    ).fetchone()
    if done is None:
        raise shared.unknown_run(run_id)
    conn.execute("DELETE FROM claims WHERE run_id = %s", (run_id,))
    unlock(conn, int(done[0]))


def unlock(conn: Conn, key: int) -> None:
    """Release a run's advisory lock if this connection holds it (quietly otherwise: a
    run finished through another connection has nothing to release here)."""
    conn.execute("SET LOCAL client_min_messages = error")
    conn.execute("SELECT pg_advisory_unlock(%s)", (key,))


def forget(conn: Conn, ids: Iterable[str], endpoint: str | None, org_id: str | None) -> int:
    """Delete order records in the matching scopes; the number removed."""
    done = conn.execute(
        "DELETE FROM orders WHERE activity_id = ANY(%(ids)s::text[])"
        f" AND scope_id IN (SELECT s.scope_id FROM scopes s WHERE {_SCOPE_FILTER})",
        {"ids": [to_db(i) for i in check_ids(ids)], "endpoint": endpoint, "org": org_id},
    )
    return int(done.rowcount)


def _decoded(rows: list[Row]) -> list[Row]:
    """Rows whose first column is an activity ID, as given to the ledger."""
    return [(from_db(row[0]), *row[1:]) for row in rows]


def sent_rows(conn: Conn, endpoint: str | None, org_id: str | None) -> list[Row]:
    """Acknowledged orders, in :data:`.frames.SENT_COLUMNS` order."""
    return _decoded(
        conn.execute(
            f"SELECT {shared.SENT_COLUMNS_SQL} FROM orders o JOIN scopes s USING (scope_id)"
            f" WHERE o.sent_hash IS NOT NULL AND {_SCOPE_FILTER}"
            ' ORDER BY o.first_sent_at, s.scope_id, o.activity_id COLLATE "C"',
            {"endpoint": endpoint, "org": org_id},
        ).fetchall()
    )


def run_rows(conn: Conn) -> list[Row]:
    """Runs, oldest first, in :data:`.frames.RUN_COLUMNS` order."""
    return conn.execute(
        f"SELECT {shared.RUN_COLUMNS_SQL} FROM runs r JOIN scopes s USING (scope_id)"
        " ORDER BY r.started_at, r.seq"
    ).fetchall()


def order_rows(conn: Conn, scope: Scope | None) -> list[Row]:
    """Recorded orders (of one scope, or all), in :data:`.frames.ORDER_COLUMNS` order."""
    where: str = ""
    params: tuple[int, ...] = ()
    if scope is not None:
        found = scope_id(conn, scope, create=False)
        if found is None:
            return []
        where, params = "WHERE o.scope_id = %s", (found,)
    return _decoded(
        conn.execute(
            f"SELECT {shared.ORDER_COLUMNS_SQL}"
            f" FROM orders o JOIN scopes s USING (scope_id) {where}"
            ' ORDER BY s.scope_id, o.activity_id COLLATE "C"',
            params,
        ).fetchall()
    )


def counts(conn: Conn) -> Row:
    """(orders, acknowledged orders, runs) for the repr."""
    row: Row = conn.execute(shared.COUNTS).fetchone()
    return row
