"""The :class:`Ledger`: the local record of what was sent, and who is sending what (layer 3).

Owns the ledger's operations over the schema of :mod:`.migrations`.  The send pipeline

1. asks :meth:`~Ledger.acknowledged` which activity IDs Seeka already accepted (202) in
   the scope (endpoint + org ID + key fingerprint), with the payload hash accepted;
2. opens a run (:meth:`~Ledger.start_run`), then :meth:`~Ledger.claim`\\ s each batch before
   sending it: an ID is claimed by at most one live run at a time, across threads and
   processes, so two sends sharing a ledger never both send it;
3. :meth:`~Ledger.record`\\ s outcomes right after each answer (a crash loses nothing
   acknowledged), calls :meth:`~Ledger.heartbeat` while it waits, and ends with
   :meth:`~Ledger.finish_run`.

Claims of dead runs (see :mod:`.liveness`) are taken over: after a ``kill -9``, at most
the batches that were in flight are sent again.  Every write is one short ``BEGIN
IMMEDIATE`` transaction (see :mod:`.database`).  Times are UTC epoch seconds from the
injected clock.  Nothing personal is stored: IDs, hashes, statuses, counts, times,
endpoint, org ID, key fingerprint, package version.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from . import frames, migrations
from . import statements as sql
from .database import BUSY_TIMEOUT, LOCK_RETRIES, Database
from .liveness import run_ended, run_started
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
    """The local SQLite record of what was sent (see the module docstring).

    ``path`` defaults to ``.seeka/ledger.sqlite`` under the current folder (parents are
    created; ``":memory:"`` for tests).  ``clock`` gives UTC epoch seconds, ``sleep`` waits
    between retries while the file is locked.  A run whose heartbeat is older than
    ``lease_seconds`` is dead.  ``pid``/``host`` name this process (tests inject them).
    ``busy_timeout`` (seconds SQLite waits for a lock per attempt) and ``lock_retries``
    (further attempts of a locked transaction) bound the wait for a busy ledger.
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = DEFAULT_PATH,
        *,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        lease_seconds: float = 60.0,
        pid: int | None = None,
        host: str | None = None,
        busy_timeout: float = BUSY_TIMEOUT,
        lock_retries: int = LOCK_RETRIES,
    ) -> None:
        self._path = canonical_path(path)
        self._clock = clock
        self._lease = check_seconds("lease_seconds", lease_seconds, allow_zero=False)
        self._pid = os.getpid() if pid is None else int(pid)
        self._host = socket.gethostname() if host is None else str(host)
        self._runs: set[str] = set()  # runs started through this object and not ended
        if isinstance(lock_retries, bool) or not isinstance(lock_retries, int) or lock_retries < 0:
            raise LedgerError("lock_retries must be an int >= 0.")
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
            busy_timeout=check_seconds("busy_timeout", busy_timeout),
            lock_retries=lock_retries,
        )
        try:
            self._open_schema()
        except BaseException:
            self._db.close()
            raise

    def _open_schema(self) -> None:
        where = self._db.where
        if self._db.read(lambda c: migrations.read_version(c, where)) < max(migrations.MIGRATIONS):
            self._db.write(
                lambda c: migrations.migrate(
                    c, where, now=self._now(), package_version=_PACKAGE_VERSION
                )
            )

    def _now(self) -> float:
        return float(self._clock())

    # -- object protocol -------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The resolved path of the ledger file (``Path(":memory:")`` in memory)."""
        return self._path

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
            return f"Ledger({str(self._path)!r}, closed)"
        try:
            orders, sent, runs = self._db.read(sql.counts)
        except LedgerError:
            return f"Ledger({str(self._path)!r})"
        return f"Ledger({str(self._path)!r}, orders={orders}, sent={sent}, runs={runs})"

    # -- before sending --------------------------------------------------------------

    def acknowledged(self, scope: Scope, activity_ids: Iterable[str]) -> dict[str, str]:
        """activity_id -> payload_hash for the IDs acknowledged (status sent) in this scope.

        The hash is the one last acknowledged, even when a later resend failed.
        """
        return self._db.read(lambda c: sql.acknowledged(c, scope, activity_ids))

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
        self._db.write(lambda c: sql.insert_run(c, scope, run, self._now()))
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
            lambda c: sql.claim(
                c, scope, run_id, activity_ids, now=self._now(), lease_seconds=self._lease,
                host=self._host, hashes=hashes, resend_all=resend == "all",
            )
        )  # fmt: skip

    # -- while sending ---------------------------------------------------------------

    def heartbeat(self, run_id: str) -> None:
        """Tell other processes this run is alive (call well within ``lease_seconds``)."""

        def work(conn: sqlite3.Connection) -> None:
            sql.require_run(conn, run_id)
            sql.beat(conn, run_id, self._now())

        self._db.write(work)

    def record(self, scope: Scope, run_id: str, outcomes: Iterable[Outcome]) -> None:
        """Upsert each outcome per activity ID in its scope and release its claim.

        Status, payload hash, last HTTP status and error are the latest; attempts add up;
        ``first_sent_at`` is set once, ``last_sent_at`` on every ``sent``.  A ``sent``
        outcome also becomes the acknowledged hash, which later failures never erase.
        Call it right after each answer: a crash afterwards loses nothing acknowledged.
        """
        checked = [check_outcome(o) for o in outcomes]
        check_id(run_id)
        if checked:
            self._db.write(lambda c: sql.record(c, scope, run_id, checked, self._now()))

    def release(self, run_id: str, activity_ids: Iterable[str] | None = None) -> None:
        """Drop claims of ``run_id``: these IDs, or all of them when ``None``."""
        self._db.write(lambda c: sql.release(c, run_id, activity_ids))

    def finish_run(self, run_id: str, counts: Mapping[str, int]) -> None:
        """End a run: end time, counts by status (JSON); releases its remaining claims.

        The run counts as ended in this process even when the write fails (a full disk, a
        ledger locked for too long): its claims are then taken over by the next run."""
        try:
            text = json.dumps(check_counts(counts), sort_keys=True)
            self._db.write(lambda c: sql.finish_run(c, run_id, text, self._now()))
        finally:
            run_ended(run_id)
            self._runs.discard(run_id)

    # -- inspecting and undoing ------------------------------------------------------

    def sent(self, *, endpoint: str | None = None, org_id: str | None = None) -> pd.DataFrame:
        """Acknowledged orders: activity_id, payload_hash (acknowledged), endpoint, org_id,
        key_fingerprint, first_sent_at, last_sent_at (UTC), attempts, run_id (that sent it)."""
        endpoint = None if endpoint is None else canonical_endpoint(endpoint)
        return frames.sent_frame(self._db.read(lambda c: sql.sent_rows(c, endpoint, org_id)))

    def runs(self) -> pd.DataFrame:
        """One row per run, oldest first (columns: :data:`.frames.RUN_COLUMNS`)."""
        return frames.runs_frame(self._db.read(sql.run_rows))

    def orders(self, scope: Scope | None = None) -> pd.DataFrame:
        """Every recorded order with its latest status (columns: :data:`.frames.ORDER_COLUMNS`)."""
        return frames.orders_frame(self._db.read(lambda c: sql.order_rows(c, scope)))

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
        return self._db.write(lambda c: sql.forget(c, activity_ids, endpoint, org_id))
