"""Whether a send run that holds claims is still alive (layer 3, process checks).

Owns the takeover rule of :meth:`Ledger.claim`.  A run is *alive* unless:

* it ended (``finish_run``), or is unknown to the ledger;
* its heartbeat is older than the lease (``now - heartbeat_at > lease_seconds``);
* it ran on this host and its process is gone: ``os.kill(pid, 0)`` says no such process,
  or (Linux) ``/proc/<pid>/stat`` shows a zombie, i.e. a killed child not yet reaped;
* it ran in *this* process and has ended here: claims belong to a run, not to a pid.  A
  run is alive in its own process only between :func:`run_started` and :func:`run_ended`
  (called by the ledger however the run ends, even when the ledger could not write its
  end), so an earlier send of this kernel that failed half-way never blocks a re-run.

A pid reused by an unrelated process looks alive: the lease still ends it.  On Windows
``os.kill`` would *terminate* the process, so there only the lease decides.

A PostgreSQL ledger is shared by workers on other machines (or containers, whose pids and
host names say nothing here), so :func:`session_alive` replaces the pid check there: a run
is alive while it is not ended, its heartbeat (on the server's clock) is within the lease,
and its connection to the server still holds the run's advisory lock (or it runs in this
process and has not ended).  A killed worker's connection closes with it, so its claims
are taken over at once; a worker cut off without its connection closing, after the lease.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Holder", "is_alive", "pid_alive", "run_ended", "run_started", "session_alive"]

# The runs this process has started and not ended (process-wide on purpose: two Ledger
# objects on one file in one kernel must agree on which of its runs are alive).
_LIVE_HERE: set[str] = set()
_LIVE_LOCK = threading.Lock()


def run_started(run_id: str) -> None:
    """This process started ``run_id``: its claims are respected until :func:`run_ended`."""
    with _LIVE_LOCK:
        _LIVE_HERE.add(run_id)


def run_ended(run_id: str) -> None:
    """``run_id`` ended in this process (however it ended): its claims may be taken over."""
    with _LIVE_LOCK:
        _LIVE_HERE.discard(run_id)


def live_here(run_id: str) -> bool:
    """Whether this process started ``run_id`` and has not ended it."""
    with _LIVE_LOCK:
        return run_id in _LIVE_HERE


@dataclass(frozen=True)
class Holder:
    """A run as the claim rule sees it (``None`` fields: the run is unknown)."""

    run_id: str
    ended_at: float | None
    heartbeat_at: float | None
    pid: int | None
    host: str | None


def is_alive(holder: Holder, *, now: float, lease_seconds: float, host: str) -> bool:
    """Whether ``holder``'s claims must be respected (see the module docstring)."""
    if holder.heartbeat_at is None or holder.ended_at is not None:
        return False
    if now - holder.heartbeat_at > lease_seconds:
        return False
    if holder.host == host and holder.pid == os.getpid():
        return live_here(holder.run_id)
    return not (holder.host == host and holder.pid is not None and not pid_alive(holder.pid))


def session_alive(holder: Holder, *, now: float, lease_seconds: float, held: bool) -> bool:
    """Whether ``holder``'s claims must be respected in a PostgreSQL ledger: ``held`` says
    whether some connection still holds the run's advisory lock (see the module docstring)."""
    if holder.heartbeat_at is None or holder.ended_at is not None:
        return False
    if now - holder.heartbeat_at > lease_seconds:
        return False
    return live_here(holder.run_id) or bool(held)


def pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this host (and is not a zombie)."""
    if pid <= 0:
        return False  # os.kill(0, ...) would address a whole process group
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - os.kill would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return False
    fields = stat.rpartition(")")[2].split()
    return bool(fields) and fields[0] in {"Z", "X"}
