"""The ledger's SQL, one function per operation (layer 3, SQLite).

Owns every statement on the tables of :mod:`.migrations`.  Each function takes an open
connection inside a transaction begun by :class:`~.database.Database` (so it may be
retried whole) and the current time; none commits.  Large ID lists go through the
connection's temp table ``ledger_ids`` (one ``executemany`` and a join), never through
ever-longer ``IN (?, ?, ...)`` lists, so 300,000 IDs cost one pass.  SQL text and checks
that PostgreSQL's :mod:`.pg_statements` shares are in :mod:`.shared_sql`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import orjson

from . import shared_sql as shared
from .liveness import Holder, is_alive
from .records import Outcome, Scope, check_id, check_ids, short_error

Row = tuple[Any, ...]

_RETURNING = sqlite3.sqlite_version_info >= (3, 35, 0)  # INSERT ... RETURNING

_SCOPE_FILTER = (
    "(:endpoint IS NULL OR s.endpoint = :endpoint) AND (:org IS NULL OR s.org_id = :org)"
)
# The order of temp row ``i`` is acknowledged in a way ``claim`` must respect.
_ACKED = """EXISTS (SELECT 1 FROM orders o WHERE o.scope_id = :scope
    AND o.activity_id = i.activity_id AND o.sent_hash IS NOT NULL
    AND NOT :all AND (i.payload_hash IS NULL OR o.sent_hash = i.payload_hash))"""
_UPSERT = f"""{shared.UPSERT_INTO}
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    {shared.UPSERT_CONFLICT}"""


# The same upsert for a group of outcomes that share everything but (ID, hash), read from
# a JSON array of pairs (parameters: scope, status, http, attempts, error, sent_at, now,
# run, sent_run, pairs).
_UPSERT_JSON = (
    _UPSERT.split(" VALUES ")[0]
    + """ SELECT ?1, json_extract(j.value, '$[0]'), ?2, json_extract(j.value, '$[1]'),
    CASE WHEN ?2 = 'sent' THEN json_extract(j.value, '$[1]') END, ?3, ?4, ?5, ?6, ?6, ?7,
    ?8, ?9 FROM json_each(?10) j WHERE true"""
    + _UPSERT[_UPSERT.index(" ON CONFLICT") :]
)


def load_ids(
    conn: sqlite3.Connection, ids: Iterable[str], hashes: Mapping[str, str] | None = None
) -> None:
    """Fill the temp table with IDs (first occurrence order, each once) and their hashes.

    The IDs travel as one JSON array that SQLite unpacks itself (``json_each``): about a
    third of the cost of binding them one by one.  IDs JSON cannot carry exactly (a NUL
    character, which SQLite's JSON functions cut at; a lone surrogate) go one by one.
    """
    conn.execute("DELETE FROM temp.ledger_ids")
    checked = list(check_ids(ids))
    if not checked:
        return
    if hashes:
        packed = as_json([[i, hashes.get(i)] for i in checked])
        select = "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]')"
    else:
        packed = as_json(checked)
        select = "SELECT value, NULL"
    if packed is not None:
        conn.execute(
            "INSERT OR IGNORE INTO temp.ledger_ids (activity_id, payload_hash)"
            f" {select} FROM json_each(?) ORDER BY key",
            (packed,),
        )
        return
    conn.executemany(
        "INSERT OR IGNORE INTO temp.ledger_ids (activity_id, payload_hash) VALUES (?, ?)",
        ((i, hashes.get(i) if hashes else None) for i in checked),
    )


def as_json(values: list[Any]) -> bytes | None:
    """``values`` as a JSON array SQLite reads back exactly, or ``None`` when it cannot:
    SQLite's JSON functions end a string at an escaped NUL, and lone surrogates are not
    UTF-8 (a value with a backslash followed by ``u0000`` is sent the slow way too)."""
    try:
        packed = orjson.dumps(values)
    except TypeError:  # orjson.JSONEncodeError: a lone surrogate
        return None
    return None if b"\\u0000" in packed else packed


def clear_ids(conn: sqlite3.Connection) -> None:
    conn.execute("DELETE FROM temp.ledger_ids")


def scope_id(conn: sqlite3.Connection, scope: Scope, *, create: bool) -> int | None:
    """The row ID of a scope (created when asked), ``None`` when unknown."""
    key = shared.scope_key(scope)
    find = "SELECT scope_id FROM scopes WHERE endpoint = ? AND org_id = ? AND key_fingerprint = ?"
    row = conn.execute(find, key).fetchone()
    if row is None and create:
        conn.execute(
            "INSERT OR IGNORE INTO scopes (endpoint, org_id, key_fingerprint) VALUES (?, ?, ?)",
            key,
        )
        row = conn.execute(find, key).fetchone()
    return None if row is None else int(row[0])


def acknowledged(conn: sqlite3.Connection, scope: Scope, ids: Iterable[str]) -> dict[str, str]:
    """activity_id -> acknowledged payload hash, for the given IDs in the scope."""
    found = scope_id(conn, scope, create=False)
    if found is None:
        for _ in check_ids(ids):
            pass
        return {}
    load_ids(conn, ids)
    rows = conn.execute(
        "SELECT i.activity_id, o.sent_hash FROM temp.ledger_ids i"
        " JOIN orders o ON o.scope_id = ? AND o.activity_id = i.activity_id"
        " WHERE o.sent_hash IS NOT NULL",
        (found,),
    ).fetchall()
    clear_ids(conn)
    return dict(rows)


def insert_run(conn: sqlite3.Connection, scope: Scope, run: Row, now: float) -> None:
    """A new run: ``run`` is (run_id, package_version, n_orders, dry_run, pid, host)."""
    run_id, package_version, n_orders, dry_run, pid, host = run
    conn.execute(
        "INSERT INTO runs (run_id, scope_id, started_at, heartbeat_at, package_version,"
        " n_orders, dry_run, pid, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (run_id, scope_id(conn, scope, create=True), now, now, package_version, n_orders,
         dry_run, pid, host),
    )  # fmt: skip


def open_run_scope(conn: sqlite3.Connection, run_id: str, scope: Scope, now: float) -> int:
    """The scope row of an open run, whose heartbeat is refreshed; refuses misuse."""
    row = conn.execute(
        "SELECT r.ended_at, s.endpoint, s.org_id, s.key_fingerprint, r.scope_id"
        " FROM runs r JOIN scopes s USING (scope_id) WHERE r.run_id = ?",
        (check_id(run_id),),
    ).fetchone()
    scope_row = shared.open_run_scope_row(row, run_id, scope)
    beat(conn, run_id, now)
    return scope_row


def claim(
    conn: sqlite3.Connection,
    scope: Scope,
    run_id: str,
    ids: Sequence[str],
    *,
    now: float,
    lease_seconds: float,
    host: str,
    hashes: Mapping[str, str] | None,
    resend_all: bool,
) -> list[str]:
    """Take over dead runs' claims on ``ids``, claim what is free; the IDs held, in order."""
    scope_row = open_run_scope(conn, run_id, scope, now)
    load_ids(conn, ids, hashes)
    holders = conn.execute(
        "SELECT DISTINCT c.run_id, r.ended_at, r.heartbeat_at, r.pid, r.host"
        " FROM temp.ledger_ids i"
        " JOIN claims c ON c.scope_id = ? AND c.activity_id = i.activity_id"
        " LEFT JOIN runs r ON r.run_id = c.run_id WHERE c.run_id <> ?",
        (scope_row, run_id),
    ).fetchall()
    dead = [
        (h[0], scope_row)
        for h in holders
        if not is_alive(Holder(*h), now=now, lease_seconds=lease_seconds, host=host)
    ]
    conn.executemany(
        "DELETE FROM claims WHERE run_id = ? AND scope_id = ?"
        " AND activity_id IN (SELECT activity_id FROM temp.ledger_ids)",
        dead,
    )
    params = {"scope": scope_row, "run": run_id, "now": now, "all": resend_all}
    # The rows inserted, or updated because this run already held them, are exactly the
    # IDs this run now holds that are not acknowledged (a claim held by a live run is left
    # alone by the WHERE of the upsert, so it is not returned).  RETURNING (SQLite 3.35+)
    # saves a second join over the temp table.
    returned = conn.execute(
        "INSERT INTO claims (scope_id, activity_id, run_id, claimed_at)"
        " SELECT :scope, i.activity_id, :run, :now FROM temp.ledger_ids i"
        f" WHERE NOT {_ACKED}"
        " ON CONFLICT (scope_id, activity_id) DO UPDATE SET claimed_at = excluded.claimed_at"
        " WHERE claims.run_id = excluded.run_id" + (" RETURNING activity_id" if _RETURNING else ""),
        params,
    ).fetchall()
    if not _RETURNING:  # pragma: no cover - SQLite older than 3.35
        returned = conn.execute(
            "SELECT i.activity_id FROM temp.ledger_ids i JOIN claims c"
            " ON c.scope_id = :scope AND c.activity_id = i.activity_id AND c.run_id = :run"
            f" WHERE NOT {_ACKED}",
            params,
        ).fetchall()
    clear_ids(conn)
    held = {row[0] for row in returned}
    return [i for i in dict.fromkeys(ids) if i in held]  # the order given, each once


def beat(conn: sqlite3.Connection, run_id: str, now: float) -> None:
    """Refresh an open run's heartbeat (no-op once it ended)."""
    conn.execute(
        "UPDATE runs SET heartbeat_at = ? WHERE run_id = ? AND ended_at IS NULL", (now, run_id)
    )


def require_run(conn: sqlite3.Connection, run_id: str) -> None:
    known = conn.execute("SELECT 1 FROM runs WHERE run_id = ?", (check_id(run_id),)).fetchone()
    if known is None:
        raise shared.unknown_run(run_id)


def record(
    conn: sqlite3.Connection, scope: Scope, run_id: str, outcomes: Sequence[Outcome], now: float
) -> None:
    """Upsert checked outcomes, release their claims, refresh the run's heartbeat.

    Outcomes sharing status, HTTP status, attempts and error (every order of one answered
    batch does) go in one statement that reads their IDs and hashes from a JSON array.
    """
    scope_row = scope_id(conn, scope, create=True)
    groups: list[tuple[Row, list[list[str]]]] = []  # runs of equal keys, in the order given
    last: Row = ()
    for o in outcomes:  # checked by the Ledger (check_outcome): no second pass here
        code = o.http_status
        key = (o.status, None if code is None else int(code), int(o.attempts), o.error)
        if key != last:
            groups.append((key, []))
            last = key
        groups[-1][1].append([o.activity_id, o.payload_hash])
    done: list[str] = []
    for (status, code, attempts, error), pairs in groups:
        sent = status == "sent"
        values = (
            status, code, attempts, short_error(error), now if sent else None, now, run_id,
            run_id if sent else None,
        )  # fmt: skip
        packed = as_json(pairs)
        if packed is not None:
            conn.execute(_UPSERT_JSON, (scope_row, *values, packed))
        else:
            conn.executemany(_UPSERT, [_upsert_row(scope_row, p, values) for p in pairs])
        done.extend(p[0] for p in pairs)
    packed = as_json(done)
    if packed is not None:
        conn.execute(
            "DELETE FROM claims WHERE scope_id = ? AND run_id = ?"
            " AND activity_id IN (SELECT value FROM json_each(?))",
            (scope_row, run_id, packed),
        )
    else:
        conn.executemany(
            "DELETE FROM claims WHERE scope_id = ? AND activity_id = ? AND run_id = ?",
            [(scope_row, i, run_id) for i in done],
        )
    beat(conn, run_id, now)


def _upsert_row(scope_row: int | None, pair: list[str], values: Row) -> Row:
    """One row of :data:`_UPSERT` from an (ID, hash) pair and a group's shared values."""
    status, code, attempts, error, at, now, run_id, sent_run = values
    sent_hash = pair[1] if status == "sent" else None
    return (scope_row, pair[0], status, pair[1], sent_hash, code, attempts, error, at, at, now,
            run_id, sent_run)  # fmt: skip


def release(conn: sqlite3.Connection, run_id: str, ids: Iterable[str] | None) -> None:
    """Drop a run's claims: on these IDs, or all when ``None``."""
    check_id(run_id)
    if ids is None:
        conn.execute("DELETE FROM claims WHERE run_id = ?", (run_id,))
        return
    load_ids(conn, ids)
    conn.execute(
        "DELETE FROM claims WHERE run_id = ?"
        " AND activity_id IN (SELECT activity_id FROM temp.ledger_ids)",
        (run_id,),
    )
    clear_ids(conn)


def finish_run(conn: sqlite3.Connection, run_id: str, counts_json: str, now: float) -> None:
    """End time and counts; releases the run's remaining claims."""
    done = conn.execute(
        "UPDATE runs SET ended_at = ?, heartbeat_at = ?, counts = ? WHERE run_id = ?",
        (now, now, counts_json, check_id(run_id)),
    )
    if done.rowcount == 0:
        raise shared.unknown_run(run_id)
    conn.execute("DELETE FROM claims WHERE run_id = ?", (run_id,))


def forget(
    conn: sqlite3.Connection, ids: Iterable[str], endpoint: str | None, org_id: str | None
) -> int:
    """Delete order records in the matching scopes; the number removed."""
    load_ids(conn, ids)
    done = conn.execute(
        "DELETE FROM orders WHERE activity_id IN (SELECT activity_id FROM temp.ledger_ids)"
        f" AND scope_id IN (SELECT s.scope_id FROM scopes s WHERE {_SCOPE_FILTER})",
        {"endpoint": endpoint, "org": org_id},
    )
    clear_ids(conn)
    return int(done.rowcount)


def sent_rows(conn: sqlite3.Connection, endpoint: str | None, org_id: str | None) -> list[Row]:
    """Acknowledged orders, in :data:`.frames.SENT_COLUMNS` order."""
    return conn.execute(
        f"SELECT {shared.SENT_COLUMNS_SQL} FROM orders o JOIN scopes s USING (scope_id)"
        f" WHERE o.sent_hash IS NOT NULL AND {_SCOPE_FILTER}"
        " ORDER BY o.first_sent_at, s.scope_id, o.activity_id",
        {"endpoint": endpoint, "org": org_id},
    ).fetchall()


def run_rows(conn: sqlite3.Connection) -> list[Row]:
    """Runs, oldest first, in :data:`.frames.RUN_COLUMNS` order."""
    return conn.execute(
        f"SELECT {shared.RUN_COLUMNS_SQL} FROM runs r JOIN scopes s USING (scope_id)"
        " ORDER BY r.started_at, r.rowid"
    ).fetchall()


def order_rows(conn: sqlite3.Connection, scope: Scope | None) -> list[Row]:
    """Recorded orders (of one scope, or all), in :data:`.frames.ORDER_COLUMNS` order."""
    where: str = ""
    params: tuple[int, ...] = ()
    if scope is not None:
        found = scope_id(conn, scope, create=False)
        if found is None:
            return []
        where, params = "WHERE o.scope_id = ?", (found,)
    return conn.execute(
        f"SELECT {shared.ORDER_COLUMNS_SQL} FROM orders o JOIN scopes s USING (scope_id) {where}"
        " ORDER BY s.scope_id, o.activity_id",
        params,
    ).fetchall()


def counts(conn: sqlite3.Connection) -> Row:
    """(orders, acknowledged orders, runs) for the repr."""
    return conn.execute(shared.COUNTS).fetchone()
