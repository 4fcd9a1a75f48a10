"""The sandbox's request log (layer 3, sandbox): one entry per ingest request.

Owns what an entry holds (counts, statuses, the first problems, the org ID and the *masked*
key: never a body, never personal data) and :func:`request_line`, its one-line form logged
under ``seeka_nb.sandbox.requests`` at INFO.  :class:`~.ingest.IngestService` writes every
request's entry through :func:`log_request`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from seeka_nb import schema

from .contract_check import Problem
from .store import Recorder, iso_utc, mask_key

if TYPE_CHECKING:
    from .ingest import Ticket

__all__ = ["MAX_PROBLEMS_IN_LOG", "log_request", "request_line"]

logger = logging.getLogger("seeka_nb.sandbox.requests")

MAX_PROBLEMS_IN_LOG = 5


def log_request(
    recorder: Recorder,
    ticket: Ticket,
    headers: Mapping[str, str],
    *,
    status: int | None,
    error: str | None = None,
    n_events: int | None = None,
    accepted: int = 0,
    duplicates: int = 0,
    n_warnings: int = 0,
    problems: list[Problem] | None = None,
) -> None:
    """Record the request's entry in ``recorder`` and log its line."""
    entry = {
        "request": ticket.request,
        "received_at": iso_utc(ticket.received_at),
        "client": ticket.client,
        "client_port": ticket.client_port,
        "status": status,
        "error": error,
        "fault": ticket.fault,
        "events": n_events,
        "accepted": accepted,
        "duplicates": duplicates,
        "warnings": n_warnings,
        "problems": [p.to_dict() for p in (problems or [])[:MAX_PROBLEMS_IN_LOG]],
        "org_id": headers.get(schema.HEADER_ORG_ID.lower()) or None,
        "key": mask_key(headers.get(schema.HEADER_KEY.lower())),
        "client_type": headers.get(schema.HEADER_CLIENT_TYPE.lower()),
        "client_version": headers.get(schema.HEADER_CLIENT_VERSION.lower()),
    }
    recorder.log(entry)
    if logger.isEnabledFor(logging.INFO):
        logger.info("%s", request_line(entry))


def request_line(entry: Mapping[str, Any]) -> str:
    """One log line per ingest request (no body, no personal data, nothing of the key)::

    #12 202 20 events (20 new, 0 duplicates) org demo-org from 127.0.0.1
    """
    status = entry.get("status")
    head = f"#{entry.get('request')} {status if status is not None else '---'}"
    n = entry.get("events")
    if status == schema.ACCEPTED_STATUS:
        dup = int(entry.get("duplicates") or 0)
        what = (
            f"{n} event{'s' * (n != 1)} ({entry.get('accepted')} new, "
            f"{dup} duplicate{'s' * (dup != 1)})"
        )
    else:
        what = str(entry.get("error") or "no answer")
        if n is not None:
            what += f" ({n} event{'s' * (n != 1)})"
    return f"{head} {what} org {entry.get('org_id') or '-'} from {entry.get('client')}"
