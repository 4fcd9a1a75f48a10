"""The ledger (layer 3, SQLite or PostgreSQL): the record of what was sent to Seeka, and by
which run.

Re-running a send never sends an order twice, and nothing acknowledged is lost:
:class:`Ledger` records each acknowledged activity ID with the hash of its payload (never
the personal data), per scope (:class:`Scope`: endpoint + org ID + key fingerprint), and
lets concurrent runs claim IDs before sending them.

Modules: :mod:`.records` (value types, checks, :class:`LedgerError`), :mod:`.migrations`
(schema and forward migrations), :mod:`.database` (connection, transactions, lock
retries), :mod:`.statements` (SQL), :mod:`.liveness` (which runs are alive), :mod:`.frames`
(DataFrames), :mod:`.ledger` (the operations, on either backend); PostgreSQL's
counterparts: :mod:`.pg_migrations`, :mod:`.postgres`, :mod:`.pg_statements`.
"""

from __future__ import annotations

from .database import BUSY_TIMEOUT, LOCK_RETRIES
from .ledger import DEFAULT_PATH, RESEND_MODES, Ledger
from .migrations import SCHEMA_VERSION
from .postgres import is_postgres_url, mask_url, strip_password
from .records import OUTCOME_STATUSES, LedgerError, Outcome, Scope, canonical_path

__all__ = [
    "BUSY_TIMEOUT",
    "DEFAULT_PATH",
    "LOCK_RETRIES",
    "OUTCOME_STATUSES",
    "RESEND_MODES",
    "SCHEMA_VERSION",
    "Ledger",
    "LedgerError",
    "Outcome",
    "Scope",
    "canonical_path",
    "is_postgres_url",
    "mask_url",
    "strip_password",
]
