"""Exit codes of the ``seeka-nb`` command and what a result means for them (layer 5).

The contract a scheduler (cron, Airflow, CI) relies on — also in ``seeka-nb --help``
and the README:

====  =====================================================================================
0     every order to send was sent or already sent (``validate``: nothing held back)
1     some orders were not sent: held back by errors, failed, rejected, pending (deadline,
      another run), or changed since they were sent and not re-sent; the summary says which
      and what to do
2     usage error (unknown option, bad option value)
3     the input cannot be read or converted (missing or unreadable file, times without a
      zone and no ``--tz``...)
4     credentials rejected by Seeka, the server's TLS certificate not trusted, or
      configuration missing (``SEEKA_*`` variables, endpoint, ledger, CA bundle)
130   interrupted (Ctrl-C); what Seeka acknowledged is recorded, a re-run sends the rest
====  =====================================================================================

Orders a preset excludes on purpose (cancellations, voided orders) are not orders to send:
they are counted and shown, and do not make the exit code 1.
"""

from __future__ import annotations

import enum
from typing import Any

from .pipeline.engine import TLS_STOP
from .pipeline.report import SendReport
from .schema import AUTH_STATUSES

__all__ = ["EPILOG", "ExitCode", "send_exit_code", "send_hints"]


class ExitCode(enum.IntEnum):
    """The exit codes of ``seeka-nb`` (see the module docstring)."""

    OK = 0
    NOT_SENT = 1
    USAGE = 2
    INPUT = 3
    CONFIG = 4
    INTERRUPTED = 130


EPILOG = """\
exit codes:
  0    every order to send was sent or already sent (validate: nothing held back)
  1    some orders were not sent: held back by errors, failed, rejected, pending,
       or changed since sent and not re-sent (--resend changed); the summary says which
  2    usage error
  3    the input cannot be read or converted (missing file, times without --tz...)
  4    credentials rejected, server certificate not trusted, or configuration missing
       (SEEKA_* variables, endpoint, ledger, SSL_CERT_FILE)
  130  interrupted (Ctrl-C): what was acknowledged is recorded; run again to send the rest

credentials come from SEEKA_ORG_ID, SEEKA_PUBLIC_KEY (and SEEKA_ENDPOINT) or a .env file;
proxies and certificates from HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, NO_PROXY, SSL_CERT_FILE
and SSL_CERT_DIR, as other Python HTTP tools.
"""

#: Statuses that leave an order not sent (and the exit code 1).
NOT_SENT_STATUSES = ("invalid", "changed", "duplicate", "rejected", "failed", "pending")


def credentials_rejected(report: SendReport) -> bool:
    """True when Seeka answered 401/403 (the run stopped there)."""
    http = report.frame["http_status"].dropna()
    return bool(http.isin(list(AUTH_STATUSES)).any())


def certificate_untrusted(report: SendReport) -> bool:
    """True when the run stopped because the server's TLS certificate was not trusted."""
    return (report.stopped_reason or "").startswith(TLS_STOP)


def send_exit_code(report: SendReport) -> ExitCode:
    """0, 1, 4 or 130 for a finished send (see the module docstring)."""
    if report.interrupted:
        return ExitCode.INTERRUPTED
    if credentials_rejected(report) or certificate_untrusted(report):
        return ExitCode.CONFIG
    counts = report.counts
    if any(counts[s] for s in NOT_SENT_STATUSES) or report.unrecorded:
        return ExitCode.NOT_SENT
    return ExitCode.OK


def send_hints(report: SendReport) -> list[str]:
    """What to do about each kind of order that was not sent, one sentence each."""
    c = report.counts
    hints = []
    if credentials_rejected(report):
        hints.append(
            "Seeka rejected the credentials: check SEEKA_ORG_ID and SEEKA_PUBLIC_KEY for "
            "this endpoint; nothing more was sent."
        )
    if certificate_untrusted(report):
        hints.append(
            "The server's TLS certificate was not trusted: if your network inspects TLS, set "
            "SSL_CERT_FILE to your organisation's CA bundle, or use --truststore."
        )
    if c["invalid"]:
        hints.append(
            f"{c['invalid']} invalid: held back by errors in the data; "
            "`seeka-nb validate FILE` lists them by code with example rows."
        )
    if c["changed"]:
        hints.append(
            f"{c['changed']} changed since they were sent: check them, then send again "
            "with --resend changed to send the new version."
        )
    if c["duplicate"]:
        hints.append(
            f"{c['duplicate']} being sent by another run right now: run again when it ends."
        )
    if c["rejected"]:
        hints.append(f"{c['rejected']} rejected by Seeka: see the error of each order.")
    if c["failed"]:
        hints.append(f"{c['failed']} failed after retries: run the same send again later.")
    if report.unrecorded:
        hints.append(
            f"{len(report.unrecorded)} accepted by Seeka but not recorded in the ledger "
            f"({report.ledger_error}): fix the ledger; a re-run sends them again."
        )
    if c["pending"] and not (credentials_rejected(report) or certificate_untrusted(report)):
        hints.append(
            f"{c['pending']} pending (not attempted or not finished): run the same send "
            "again; only what is not acknowledged is sent."
        )
    return hints


def json_error(command: str | None, code: ExitCode, exc: BaseException) -> dict[str, Any]:
    """The ``--json`` object of a run that ended with an error."""
    return {
        "command": command,
        "exit_code": int(code),
        "outcome": code.name.lower(),
        "error": {"type": type(exc).__name__, "message": str(exc)},
    }
