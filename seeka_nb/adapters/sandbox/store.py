"""What the sandbox received: accepted events, the request log and counters.

Owns the sandbox's only mutable recordings, behind one lock:

* accepted events, each stored with the request number and the time received, and the
  de-duplication index on (org ID, ``activityId``): the first event with a key is kept
  as the unique one; later ones are recorded as duplicates and counted;
* the per-request log (status, event count, client type/version, the org ID and at most
  a masked form of the key - never the key itself);
* counters by status, by fault, and of events, duplicates and warnings.

Readers get deep copies, so callers can never change what was recorded.
"""

from __future__ import annotations

import copy
import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

__all__ = ["Recorder", "iso_utc", "mask_key"]

KEY_MASK = "••••"
MIN_KEY_LENGTH_TO_SHOW_TAIL = 12  # shorter keys are masked entirely


def mask_key(key: str | None) -> str | None:
    """``"••••" + last 4`` for a long key, ``"••••"`` for a short one, ``None`` for none."""
    if not key:
        return None
    if len(key) < MIN_KEY_LENGTH_TO_SHOW_TAIL:
        return KEY_MASK
    return KEY_MASK + key[-4:]


def iso_utc(epoch: float) -> str:
    """An epoch time as ISO 8601 UTC with milliseconds and ``Z``."""
    stamp = datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class Recorder:
    """Thread-safe store of events, request log and counters."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._next_request = 1
        self._records: list[dict[str, Any]] = []  # every accepted event, duplicates too
        self._unique: list[dict[str, Any]] = []
        self._seen: set[tuple[str, str]] = set()
        self._requests: list[dict[str, Any]] = []
        self._by_status: Counter[int] = Counter()
        self._faults: Counter[str] = Counter()
        self._events_received = 0
        self._duplicates = 0
        self._warnings = 0
        self._rate_limited = 0

    def reset(self) -> None:
        """Forget everything recorded; request numbers restart at 1."""
        with self._lock:
            self._clear()

    def next_request_number(self) -> int:
        """Number the next ingest request (1, 2, ... in arrival order)."""
        with self._lock:
            number = self._next_request
            self._next_request += 1
            return number

    def store(
        self, request: int, received_at: float, org_id: str, events: list[dict[str, Any]]
    ) -> tuple[int, int]:
        """Record the events of an accepted request; return (new, duplicates)."""
        received = iso_utc(received_at)
        new = duplicates = 0
        with self._lock:
            for event in events:
                activity_id = event["ev"]["payload"]["activityId"]
                key = (org_id, activity_id)
                duplicate = key in self._seen
                record = {
                    "request": request,
                    "received_at": received,
                    "org_id": org_id,
                    "activity_id": activity_id,
                    "duplicate": duplicate,
                    "event": event,
                }
                self._records.append(record)
                if duplicate:
                    duplicates += 1
                else:
                    self._seen.add(key)
                    self._unique.append(record)
                    new += 1
            self._events_received += len(events)
            self._duplicates += duplicates
        return new, duplicates

    def log(self, entry: dict[str, Any]) -> None:
        """Append one request-log entry and update the counters from it."""
        with self._lock:
            self._requests.append(entry)
            status = entry.get("status")
            if isinstance(status, int):
                self._by_status[status] += 1
            fault = entry.get("fault")
            if fault is not None:
                self._faults[str(fault)] += 1
            if entry.get("error") == "rate_limited":
                self._rate_limited += 1
            self._warnings += int(entry.get("warnings") or 0)

    def events(self, *, include_duplicates: bool = False) -> list[dict[str, Any]]:
        """The accepted event bodies (``{"ev": ...}``) in arrival order."""
        with self._lock:
            chosen = self._records if include_duplicates else self._unique
            return copy.deepcopy([r["event"] for r in chosen])

    def event_records(self, *, include_duplicates: bool = False) -> list[dict[str, Any]]:
        """Accepted events with their metadata (request, received_at, org_id, ...)."""
        with self._lock:
            chosen = self._records if include_duplicates else self._unique
            return copy.deepcopy(chosen)

    def requests(self) -> list[dict[str, Any]]:
        """The request log, ordered by request number."""
        with self._lock:
            entries = copy.deepcopy(self._requests)
        return sorted(entries, key=lambda e: e["request"])

    def stats(self) -> dict[str, Any]:
        """Counters: requests by status, faults, events, duplicates, warnings."""
        with self._lock:
            return {
                "requests": len(self._requests),
                "by_status": dict(sorted(self._by_status.items())),
                "faults": dict(sorted(self._faults.items())),
                "rate_limited": self._rate_limited,
                "events_received": self._events_received,
                "events_accepted": len(self._unique),
                "duplicates": self._duplicates,
                "warnings": self._warnings,
            }
