"""The ledger's PostgreSQL connection (layer 3, psycopg 3): URLs, masking, short transactions.

Owns :class:`PgDatabase`, the PostgreSQL counterpart of :class:`~.database.Database`: one
psycopg connection per ledger, shared by the threads of one process behind a lock, in
autocommit mode so that every transaction is explicit and short (``read`` and ``write``
both run one ``BEGIN ... COMMIT``; row locks and ``INSERT ... ON CONFLICT`` in
:mod:`.pg_statements` keep concurrent writers apart).  A transaction the server aborts
for a deadlock, a serialization failure or a lock timeout is retried whole up to
``lock_retries`` times, waiting through the injected ``sleep``; every other database error
becomes a :class:`LedgerError`.  A lost connection (the server restarted, a network cut)
is not re-opened behind the caller's back: the run that used it stops and says so.

A ledger URL (``postgresql://`` or ``postgres://``) may carry a password.  It is used to
connect and is never shown: :func:`mask_url` replaces it (and a ``password=`` query
parameter) with ``***`` in the ledger's repr, its location and every error message, and
errors from psycopg are re-raised without their original text when that text could quote
the URL.  Prefer ``PGPASSWORD`` or a ``~/.pgpass`` file: then no password is in the URL
at all.  psycopg is an optional dependency (``pip install "seeka_nb[postgresql]"``).
"""

from __future__ import annotations

import contextlib
import re
import threading
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from .records import LedgerError

__all__ = ["SCHEMES", "PgDatabase", "is_postgres_url", "mask_url", "strip_password"]

T = TypeVar("T")

SCHEMES = ("postgresql://", "postgres://")
MASK = "***"
RETRY_BASE = 0.05  # seconds before the first retry of an aborted transaction; doubles
RETRY_CAP = 1.0
CONNECT_TIMEOUT = 10  # seconds libpq waits for the server when connecting
# SQLSTATEs worth retrying whole: serialization_failure, deadlock_detected, lock_not_available
RETRY_STATES = frozenset({"40001", "40P01", "55P03"})
INSTALL_HINT = (
    'A PostgreSQL ledger needs psycopg 3: pip install "seeka_nb[postgresql]" '
    '(or pip install "psycopg[binary]").'
)


def is_postgres_url(target: object) -> bool:
    """Whether a ledger option names a PostgreSQL database (``postgresql://``, ``postgres://``)."""
    return isinstance(target, str) and target.strip().lower().startswith(SCHEMES)


def _password(url: str) -> str | None:
    try:
        return urlsplit(url).password
    except ValueError:
        return None


def _rebuild(url: str, replacement: str | None) -> str:
    """The URL with its password replaced (``None``: removed), also in a ``password=`` query."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        user, has_password, _ = userinfo.partition(":")
        keep = has_password and replacement is not None
        userinfo = f"{user}:{replacement}" if keep else user
        netloc = f"{userinfo}@{hostport}" if userinfo else hostport
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() == "password" for k, _ in pairs):
            kept = [
                (k, replacement if k.lower() == "password" else v)
                for k, v in pairs
                if k.lower() != "password" or replacement is not None
            ]
            query = urlencode(kept, safe="/*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def mask_url(url: str) -> str:
    """The URL as it may be shown: the password (user-info or ``password=``) is ``***``."""
    try:
        return _rebuild(url.strip(), MASK)
    except ValueError:
        return f"{url.split('://', 1)[0]}://{MASK}"


def strip_password(url: str) -> str:
    """The URL without its password (to hand to another process: it then needs
    ``PGPASSWORD`` or ``~/.pgpass``)."""
    try:
        return _rebuild(url.strip(), None)
    except ValueError:
        return f"{url.split('://', 1)[0]}://"


def _secrets(url: str) -> list[str]:
    """Every spelling of the URL's passwords that an error text could quote."""
    found: set[str] = set()
    password = _password(url)
    if password:
        found |= {password, quote(password, safe=""), unquote(password)}
    for match in re.finditer(r"password=([^&\s]+)", url, flags=re.IGNORECASE):
        found |= {match.group(1), unquote(match.group(1))}
    return sorted((s for s in found if s), key=len, reverse=True)


class PgDatabase:
    """One connection to a PostgreSQL ledger, its lock, and retried short transactions."""

    def __init__(
        self,
        url: str,
        *,
        sleep: Callable[[float], None],
        lock_retries: int,
        lock_timeout: float,
    ) -> None:
        self._url = url.strip()
        self._secrets = _secrets(self._url)
        self.location = mask_url(self._url)
        self.portable = strip_password(self._url)
        self.where = f"at {self.location}"
        self._sleep = sleep
        self._retries = lock_retries
        self._lock = threading.RLock()
        try:
            import psycopg
        except ImportError:
            raise LedgerError(
                f"The ledger {self.where} is a PostgreSQL database. {INSTALL_HINT}"
            ) from None
        self._psycopg = psycopg
        # connect_timeout bounds the wait for an unreachable server; lock_timeout bounds the
        # wait for a row another connection holds (the transaction is then retried).  Both
        # are added to the URL's own options (a search_path, say), never replacing them.
        try:
            given = psycopg.conninfo.conninfo_to_dict(self._url).get("options") or ""
            options = f"{given} -c lock_timeout={max(1, int(lock_timeout * 1000))}".strip()
            self._conn: Any = psycopg.connect(
                self._url,
                autocommit=True,
                connect_timeout=CONNECT_TIMEOUT,
                application_name="seeka_nb ledger",
                options=options,
            )
        except Exception as exc:  # psycopg.Error, or ProgrammingError for a malformed URL
            raise LedgerError(
                f"Cannot connect to the PostgreSQL ledger {self.location}: "
                f"{self.scrub(_first_line(exc))}. Check that the server is running and the "
                "URL, user and password (PGPASSWORD or ~/.pgpass) are right."
            ) from None  # psycopg's own text may quote the URL: never chained

    def scrub(self, text: str) -> str:
        """``text`` with every spelling of the URL's password and the URL itself masked."""
        text = text.replace(self._url, self.location)
        for secret in self._secrets:
            text = text.replace(secret, MASK)
        return text

    @property
    def closed(self) -> bool:
        return self._conn is None

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(Exception):  # a broken connection: nothing to keep
                    conn.close()

    def write(self, work: Callable[[Any], T]) -> T:
        """Run ``work(connection)`` in one transaction, retried when the server aborts it."""
        return self.run(work)

    def read(self, work: Callable[[Any], T]) -> T:
        """Run ``work(connection)`` in one transaction (reads see one consistent state per
        statement; the writers' row locks do the rest)."""
        return self.run(work)

    def _transaction(self, conn: Any, work: Callable[[Any], T]) -> T:
        with conn.transaction():
            return work(conn)

    def run(self, work: Callable[[Any], T]) -> T:
        psycopg = self._psycopg
        with self._lock:
            attempt = 0
            while True:
                conn = self._conn
                if conn is None:
                    raise LedgerError("This Ledger is closed; open a new Ledger(url).")
                try:
                    return self._transaction(conn, work)
                except psycopg.OperationalError as exc:
                    if conn.closed or conn.broken:
                        raise LedgerError(
                            f"The PostgreSQL ledger {self.location} went away: "
                            f"{self.scrub(_first_line(exc))}. What was not recorded is listed "
                            "in the report; run the send again once the server is back."
                        ) from None
                    if exc.sqlstate not in RETRY_STATES:
                        raise self._failed(exc) from None
                    if attempt >= self._retries:
                        raise LedgerError(
                            f"The PostgreSQL ledger {self.location} stayed locked by another "
                            f"connection ({attempt + 1} attempts). Another seeka_nb send may "
                            "be using it: wait for it to finish, then send again."
                        ) from None
                    delay = min(RETRY_CAP, RETRY_BASE * 2**attempt)
                    attempt += 1
                    self._sleep(delay)
                except psycopg.Error as exc:  # a statement's error never quotes the URL
                    raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> LedgerError:
        return LedgerError(
            f"The PostgreSQL ledger {self.location} failed: {self.scrub(_first_line(exc))}."
        )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
