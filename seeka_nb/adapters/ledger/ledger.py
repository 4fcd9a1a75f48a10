"""The :class:`Ledger`: the record of what was sent, and who is sending what (layer 3).

Owns the ledger's operations, one interface over two backends: an SQLite file (the
default; :mod:`.migrations`, :mod:`.statements`, :mod:`.database`) or a PostgreSQL database
named by a ``postgresql://`` URL (:mod:`.pg_migrations`, :mod:`.pg_statements`,
:mod:`.postgres`), with the same semantics and the same frames.  The send pipeline

1. asks :meth:`~Ledger.acknowledged` which activity IDs Seeka already accepted (202) in
   the scope (endpoint + org ID + key fingerprint), with the payload hash accepted;
2. opens a run (:meth:`~Ledger.start_run`), then :meth:`~Ledger.claim`\\ s each batch before
   sending it: an ID is claimed by at most one live run at a time, across threads and
   processes, so two sends sharing a ledger never both send it;
3. :meth:`~Ledger.record`\\ s outcomes in group commits of a few answered batches (see
   :mod:`seeka_nb.pipeline.bookkeeping`; until committed an order stays claimed, so a crash
   loses nothing acknowledged), calls :meth:`~Ledger.heartbeat` while it waits, and ends
   with :meth:`~Ledger.finish_run`.

Claims of dead runs (see :mod:`.liveness`) are taken over: after a ``kill -9``, at most
the batches that were in flight or waiting for their group commit are sent again.  Every
write is one short transaction
(``BEGIN IMMEDIATE`` in SQLite, row locks in PostgreSQL).  Times are UTC epoch seconds from
the injected clock (default: this machine's clock for SQLite, the server's for
PostgreSQL).  Nothing personal is stored: IDs, hashes, statuses, counts, times, endpoint,
org ID, key fingerprint, package version, pid and host name.
"""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import pandas as pd

from . import frames, migrations, pg_migrations, pg_statements
from . import statements as sql
from .database import BUSY_TIMEOUT, LOCK_RETRIES, Database
from .liveness import run_ended, run_started
from .postgres import PgDatabase, is_postgres_url
from .records import (
    MEMORY,
    LedgerError,
    Outcome,
    Scope,
    canonical_endpoint,
    canonical_path,
    check_counts,
    check_id,
    check_outcome,
    check_seconds,
)

__all__ = ["DEFAULT_PATH", "RESEND_MODES", "Ledger"]

DEFAULT_PATH = ".seeka/ledger.sqlite"
RESEND_MODES = ("none", "changed", "all")

try:
    _PACKAGE_VERSION = version("seeka_nb")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    _PACKAGE_VERSION = "0.0.0"


class Ledger:
    """The record of what was sent, in an SQLite file or a PostgreSQL database (see the
    module docstring).

    ``path`` defaults to ``.seeka/ledger.sqlite`` under the current folder (parents are
    created; ``":memory:"`` for tests); a ``postgresql://`` (or ``postgres://``) URL opens a
    PostgreSQL ledger instead (psycopg 3, the ``postgresql`` extra; its password is never
    shown: see :attr:`location`).  ``clock`` gives UTC epoch seconds (default: this
    machine's clock for SQLite, the server's clock for PostgreSQL, so that workers whose
    clocks disagree compare heartbeats on one clock), ``sleep`` waits between retries while
    the ledger is locked.  A run whose heartbeat is older than ``lease_seconds`` is dead.
    ``pid``/``host`` name this process (tests inject them).  ``busy_timeout`` (seconds a
    transaction waits for a lock per attempt) and ``lock_retries`` (further attempts of a
    locked transaction) bound the wait for a busy ledger.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        clock: Callable[[], float] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        lease_seconds: float = 60.0,
        pid: int | None = None,
        host: str | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
        lock_retries: int = LOCK_RETRIES,
    ) -> None:
        self._lease = check_seconds("lease_seconds", lease_seconds, allow_zero=False)
        self._pid = os.getpid() if pid is None else int(pid)
        self._host = socket.gethostname() if host is None else str(host)
        self._runs: set[str] = set()  # runs started through this object and not ended
        if isinstance(lock_retries, bool) or not isinstance(lock_retries, int) or lock_retries < 0:
            raise LedgerError("lock_retries must be an int >= 0.")
        busy_timeout = check_seconds("busy_timeout", busy_timeout)
        self._sql: Any = sql
        self._schema: Any = migrations
        self._db: Any
        if is_postgres_url(path):
            self._clock = clock  # None: the server's clock
            self._path = Path()
            self._sql, self._schema = pg_statements, pg_migrations
            self._db = PgDatabase(
                str(path), sleep=sleep, lock_retries=lock_retries, lock_timeout=busy_timeout
            )
            self._location = self._db.location
            try:
                self._open_schema()
            except BaseException:
                self._db.close()
                raise
            return
        self._clock = time.time if clock is None else clock
        self._path = canonical_path(path)
        self._location = str(self._path)
        memory = str(self._path) == MEMORY
        if not memory:
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LedgerError(
                    f"Cannot create the ledger folder {self._path.parent} ({exc.strerror}). "
                    "Pass a ledger path in a writable folder."
                ) from exc
        self._db = Database(
            MEMORY if memory else str(self._path),
            sleep=sleep,
            busy_timeout=busy_timeout,
            lock_retries=lock_retries,
        )
        try:
            self._open_schema()
        except BaseException:
            self._db.close()
            raise

    def _open_schema(self) -> None:
        where, schema = self._db.where, self._schema
        if self._db.read(lambda c: schema.read_version(c, where)) < max(schema.MIGRATIONS):
            version = _PACKAGE_VERSION
            self._db.write(
                lambda c: schema.migrate(c, where, now=self._now(), package_version=version)
            )

    def _now(self) -> Any:
        """The injected clock's time; ``None`` for PostgreSQL's server clock."""
        return None if self._clock is None else float(self._clock())

    # -- object protocol -------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The resolved path of the ledger file (``Path(":memory:")`` in memory); a
        PostgreSQL ledger has none (see :attr:`location`)."""
        if self.backend == "postgresql":
            raise LedgerError(
                f"The ledger {self._location} is a PostgreSQL database, not a file: "
                "use Ledger.location."
            )
        return self._path

    @property
    def backend(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return "postgresql" if self._sql is pg_statements else "sqlite"

    @property
    def portable_target(self) -> str:
        """What opens this ledger again in another process: the file's path, or the URL
        without its password (that process gives it through PGPASSWORD or ~/.pgpass)."""
        return self._db.portable if self.backend == "postgresql" else str(self._path)

    @property
    def location(self) -> str:
        """Where the ledger is, as it may be shown: the file's path, or the PostgreSQL URL
        with its password masked (``***``)."""
        return self._location

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._db.closed

    def close(self) -> None:
        """Close the connection (idempotent).  Runs started through this object and not
        finished end here: their claims may be taken over by the next run."""
        for run_id in self._runs:
            run_ended(run_id)
        self._runs.clear()
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        if self.closed:
            return f"Ledger({self._location!r}, closed)"
        try:
            orders, sent, runs = self._db.read(self._sql.counts)
        except LedgerError:
            return f"Ledger({self._location!r})"
        return f"Ledger({self._location!r}, orders={orders}, sent={sent}, runs={runs})"

    # -- before sending --------------------------------------------------------------

    def acknowledged(self, scope: Scope, activity_ids: Iterable[str]) -> dict[str, str]:
        """activity_id -> payload_hash for the IDs acknowledged (status sent) in this scope.

        The hash is the one last acknowledged, even when a later resend failed.
        """
        return self._db.read(lambda c: self._sql.acknowledged(c, scope, activity_ids))

    def start_run(
        self, scope: Scope, *, package_version: str, n_orders: int, dry_run: bool = False
    ) -> str:
        """Open a run; returns its ID (uuid4 hex).  Records start time, pid, host, heartbeat."""
        if not isinstance(package_version, str) or not package_version:
            raise LedgerError("package_version must be a non-empty string.")
        if isinstance(n_orders, bool) or not isinstance(n_orders, int) or n_orders < 0:
            raise LedgerError("n_orders must be an int >= 0.")
        run_id = uuid.uuid4().hex
        run = (run_id, package_version, int(n_orders), int(bool(dry_run)), self._pid, self._host)
        self._db.write(lambda c: self._sql.insert_run(c, scope, run, self._now()))
        run_started(run_id)
        self._runs.add(run_id)
        return run_id

    def claim(
        self,
        scope: Scope,
        run_id: str,
        activity_ids: Sequence[str],
        *,
        resend: str = "none",
        payload_hashes: Mapping[str, str] | None = None,
    ) -> list[str]:
        """Atomically mark these IDs in flight for ``run_id``; returns the IDs claimed, in
        the order given (each once).

        An ID is not claimable when acknowledged in the scope, or in flight for another
        run that is still alive (see :mod:`.liveness`); claims of dead runs are taken over.
        ``resend="changed"`` (with ``payload_hashes``: ID -> hash about to be sent) makes an
        acknowledged ID claimable when its acknowledged hash differs; ``resend="all"``
        makes every acknowledged ID claimable.  Claiming also refreshes the heartbeat.
        """
        if resend not in RESEND_MODES:
            raise LedgerError(f"resend must be one of {RESEND_MODES}, not {resend!r}.")
        if resend == "changed" and payload_hashes is None:
            raise LedgerError('resend="changed" needs payload_hashes (activity ID -> hash).')
        hashes = payload_hashes if resend == "changed" else None
        return self._db.write(
            lambda c: self._sql.claim(
                c, scope, run_id, activity_ids, now=self._now(), lease_seconds=self._lease,
                host=self._host, hashes=hashes, resend_all=resend == "all",
            )
        )  # fmt: skip

    # -- while sending ---------------------------------------------------------------

    def heartbeat(self, run_id: str) -> None:
        """Tell other processes this run is alive (call well within ``lease_seconds``)."""

        def work(conn: Any) -> None:
            self._sql.require_run(conn, run_id)
            self._sql.beat(conn, run_id, self._now())

        self._db.write(work)

    def record(self, scope: Scope, run_id: str, outcomes: Iterable[Outcome]) -> None:
        """Upsert each outcome per activity ID in its scope and release its claim.

        Status, payload hash, last HTTP status and error are the latest; attempts add up;
        ``first_sent_at`` is set once, ``last_sent_at`` on every ``sent``.  A ``sent``
        outcome also becomes the acknowledged hash, which later failures never erase.
        Call it soon after each answer (the pipeline groups a few answers per call): until
        then the order stays claimed, so a crash re-sends it rather than losing it.
        """
        checked = [check_outcome(o) for o in outcomes]
        check_id(run_id)
        if checked:
            self._db.write(lambda c: self._sql.record(c, scope, run_id, checked, self._now()))

    def release(self, run_id: str, activity_ids: Iterable[str] | None = None) -> None:
        """Drop claims of ``run_id``: these IDs, or all of them when ``None``."""
        self._db.write(lambda c: self._sql.release(c, run_id, activity_ids))

    def finish_run(self, run_id: str, counts: Mapping[str, int]) -> None:
        """End a run: end time, counts by status (JSON); releases its remaining claims.

        The run counts as ended in this process even when the write fails (a full disk, a
        ledger locked for too long): its claims are then taken over by the next run."""
        try:
            text = json.dumps(check_counts(counts), sort_keys=True)
            self._db.write(lambda c: self._sql.finish_run(c, run_id, text, self._now()))
        finally:
            run_ended(run_id)
            self._runs.discard(run_id)

    # -- inspecting and undoing ------------------------------------------------------

    def sent(self, *, endpoint: str | None = None, org_id: str | None = None) -> pd.DataFrame:
        """Acknowledged orders: activity_id, payload_hash (acknowledged), endpoint, org_id,
        key_fingerprint, first_sent_at, last_sent_at (UTC), attempts, run_id (that sent it)."""
        endpoint = None if endpoint is None else canonical_endpoint(endpoint)
        return frames.sent_frame(self._db.read(lambda c: self._sql.sent_rows(c, endpoint, org_id)))

    def runs(self) -> pd.DataFrame:
        """One row per run, oldest first (columns: :data:`.frames.RUN_COLUMNS`)."""
        return frames.runs_frame(self._db.read(self._sql.run_rows))

    def orders(self, scope: Scope | None = None) -> pd.DataFrame:
        """Every recorded order with its latest status (columns: :data:`.frames.ORDER_COLUMNS`)."""
        return frames.orders_frame(self._db.read(lambda c: self._sql.order_rows(c, scope)))

    def forget(
        self,
        activity_ids: Iterable[str],
        *,
        endpoint: str | None = None,
        org_id: str | None = None,
    ) -> int:
        """Delete these orders' records (in every scope matching the filters) so they can be
        sent again; returns the number of rows removed.  Claims in flight are kept."""
        endpoint = None if endpoint is None else canonical_endpoint(endpoint)
        return self._db.write(lambda c: self._sql.forget(c, activity_ids, endpoint, org_id))
