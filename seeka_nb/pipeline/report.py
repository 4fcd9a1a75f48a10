"""``SendReport``: what happened to every order of a send (layer 4).

One row per order of the input (held-back ones included) plus one per input row that had
no activity ID, so the counts by status always add up to what went in.  Statuses:

``sent`` (Seeka answered 202) · ``already_sent`` (the ledger has it, same payload) ·
``changed`` (sent before with another payload; held back unless ``resend="changed"``) ·
``duplicate`` (kept for compatibility; no longer produced: an order another live run
holds ends ``pending``) · ``invalid`` (held back by an error in the data) · ``excluded``
(held back by a preset rule) · ``rejected`` (Seeka refused the event: 400/413/422,
isolated by bisection) · ``failed`` (gave up after retries, or a non-retryable answer) ·
``pending`` (not attempted or not finished: interrupt, deadline, stall limit, rejected
credentials, a ledger that cannot be written, or another send still holding the order) ·
``dry_run`` (would have been sent).

``ok`` is proven, never assumed: every order that was to be sent is acknowledged and
recorded in the ledger (by this run or an earlier one).  ``unrecorded`` names orders
Seeka accepted whose acceptance the ledger could not record (a full disk): a re-run will
send them again (Seeka de-duplicates on ``activityId``).

A report pickles (and cloudpickles) without the key: ``retry()`` on an unpickled report
needs the credentials again (``report.retry(credentials)``).
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from ..errors import SendError

STATUSES = (
    "sent",
    "already_sent",
    "changed",
    "duplicate",
    "invalid",
    "excluded",
    "rejected",
    "failed",
    "pending",
    "dry_run",
)
NOT_DONE = ("rejected", "failed", "pending")


@dataclass
class SendReport:
    """The outcome of a send (see the module docstring)."""

    frame: pd.DataFrame
    row_frame: pd.DataFrame
    endpoint: str
    dry_run: bool
    elapsed: float
    requests: int
    throttles: int
    run_id: str | None = None
    interrupted: bool = False
    stopped_reason: str | None = None
    bodies: list[dict[str, Any]] = field(default_factory=list)
    unrecorded: list[str] = field(default_factory=list)
    ledger_error: str | None = None
    ledger_used: bool = False
    _again: Callable[..., SendReport] | None = field(default=None, repr=False)

    # --- data ---------------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per order: activity_id, row, status, http_status, attempts, batch, error,
        sent_at."""
        return self.frame.copy()

    def rows(self) -> pd.DataFrame:
        """One row per *input row*, indexed like the input: ``df.join(report.rows())``."""
        return self.row_frame.copy()

    @property
    def counts(self) -> dict[str, int]:
        """Orders per status (every status present, zeros included)."""
        vc = self.frame["status"].value_counts()
        return {s: int(vc.get(s, 0)) for s in STATUSES}

    @property
    def ok(self) -> bool:
        """True only when every order that was to be sent is acknowledged (and, with a
        ledger, recorded there): nothing rejected, failed, pending or unrecorded."""
        c = self.counts
        return not any(c[s] for s in NOT_DONE) and not self.unrecorded

    def raise_for_failures(self) -> SendReport:
        """Raise :class:`~seeka_nb.errors.SendError` unless :attr:`ok` (for scripts)."""
        if not self.ok:
            c = self.counts
            parts = ", ".join(
                [f"{c[s]} {s}" for s in NOT_DONE if c[s]]
                + ([f"{len(self.unrecorded)} accepted but not recorded"] if self.unrecorded else [])
            )
            first = self.frame.loc[self.frame["status"].isin(NOT_DONE), "error"].dropna()
            hint = f" First error: {first.iloc[0]}" if len(first) else ""
            raise SendError(
                f"Not everything was sent: {parts}.{hint} report.retry() sends them again.",
                report=self,
            )
        return self

    def retry(self, credentials: Any = None) -> SendReport:
        """Send the ``failed``, ``pending`` and ``rejected`` orders again (same options;
        ``credentials``: other credentials, needed for a report that was unpickled)."""
        if self._again is None:
            raise SendError("This report cannot be retried (it was not made by a send).")
        todo = self.frame.loc[self.frame["status"].isin(NOT_DONE), "activity_id"]
        return self._again([str(a) for a in todo.dropna()], credentials)

    def save_bodies(self, folder: str | Path) -> list[Path]:
        """Write the dry run's request bodies as ``body_00001.json``... into ``folder``."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for k, body in enumerate(self.bodies, 1):
            path = out / f"body_{k:05d}.json"
            path.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
            paths.append(path)
        return paths

    # --- display ------------------------------------------------------------------------
    def summary(self) -> dict[str, Any]:
        """Counts, requests, time taken and the effective rate."""
        c = self.counts
        rate = self.requests / self.elapsed if self.elapsed > 0 else 0.0
        return {
            "orders": len(self.frame),
            "counts": {k: v for k, v in c.items() if v},
            "ok": self.ok,
            "requests": self.requests,
            "throttled": self.throttles,
            "seconds": round(self.elapsed, 3),
            "requests_per_second": round(rate, 2),
            "endpoint": self.endpoint,
            "dry_run": self.dry_run,
            "interrupted": self.interrupted,
            "stopped": self.stopped_reason,
            "unrecorded": len(self.unrecorded),
            "ledger_error": self.ledger_error,
        }

    def __repr__(self) -> str:
        s = self.summary()
        counts = ", ".join(f"{k} {v}" for k, v in s["counts"].items()) or "nothing"
        head = "dry run" if self.dry_run else ("interrupted" if self.interrupted else "sent")
        stop = f"; stopped: {s['stopped']}" if s["stopped"] else ""
        if self.unrecorded:
            stop += (
                f"; {len(self.unrecorded)} accepted but not recorded in the ledger "
                "(a re-run sends them again)"
            )
        return (
            f"<SendReport ({head}) {s['orders']} orders: {counts}; {s['requests']} "
            f"requests in {s['seconds']:.2f}s ({s['requests_per_second']:.1f}/s, "
            f"{s['throttled']} throttled) to {self.endpoint}{stop}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        esc = html.escape
        colour = {
            "sent": "#1a7f37",
            "already_sent": "#57606a",
            "failed": "#cf222e",
            "rejected": "#cf222e",
            "pending": "#9a6700",
        }
        cells = "".join(
            f"<tr><td style='color:{colour.get(k, 'inherit')}'>{esc(k)}</td><td>{v:,}</td></tr>"
            for k, v in s["counts"].items()
        )
        note = "<p><b>Dry run</b>: nothing was sent.</p>" if self.dry_run else ""
        if s["stopped"]:
            note += f"<p><b>Stopped</b>: {esc(str(s['stopped']))}</p>"
        if self.unrecorded:
            note += (
                f"<p><b>Not recorded</b>: Seeka accepted {len(self.unrecorded):,} orders the "
                "ledger could not record; a re-run sends them again.</p>"
            )
        return (
            f"<div><b>SendReport</b> — {s['orders']:,} orders to {esc(self.endpoint)}{note}"
            f"<table>{cells}</table><p>{s['requests']:,} requests in {s['seconds']:.2f} s "
            f"({s['requests_per_second']:.1f}/s, {s['throttled']} throttled). "
            f"{'All done.' if s['ok'] else 'Some orders are not sent: report.retry().'}"
            "</p></div>"
        )

    def to_json(self) -> str:
        """The summary as JSON (for logs and scripts; no personal data, no key)."""
        return json.dumps(self.summary())
