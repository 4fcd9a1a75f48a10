"""The ledger (layer 3, SQLite): the local record of what was sent to Seeka, and by which run.

Re-running a send never sends an order twice, and nothing acknowledged is lost:
:class:`Ledger` records each acknowledged activity ID with the hash of its payload (never
the personal data), per scope (:class:`Scope`: endpoint + org ID + key fingerprint), and
lets concurrent runs claim IDs before sending them.

Modules: :mod:`.records` (value types, checks, :class:`LedgerError`), :mod:`.migrations`
(schema and forward migrations), :mod:`.database` (connection, transactions, lock
retries), :mod:`.liveness` (which runs are alive), :mod:`.frames` (DataFrames),
:mod:`.ledger` (the operations).
"""

from __future__ import annotations

from .database import BUSY_TIMEOUT, LOCK_RETRIES
from .ledger import DEFAULT_PATH, RESEND_MODES, Ledger
from .migrations import SCHEMA_VERSION
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
]
