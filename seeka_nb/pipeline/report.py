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

from ..core.display import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    RED,
    YELLOW,
    box,
    plural,
    svg_stacked_bar,
    table_html,
)
from ..credentials import Credentials
from ..errors import SendError
from .bodies import EncodedBodies

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
AUTH_STATUSES = (401, 403)
#: Colour of each status in the displays (failures red).
STATUS_COLOUR = {
    "sent": GREEN,
    "already_sent": GREY,
    "changed": AMBER,
    "duplicate": GREY,
    "invalid": AMBER,
    "excluded": "#8c959f",
    "rejected": RED,
    "failed": "#a40e26",
    "pending": YELLOW,
    "dry_run": BLUE,
}


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
    bodies: EncodedBodies = field(default_factory=EncodedBodies)
    unrecorded: list[str] = field(default_factory=list)
    ledger_error: str | None = None
    ledger_used: bool = False
    #: A streamed send that stopped before reading its whole input: orders it never read
    #: are in no row of the report, so the report is never ``ok``.
    incomplete: bool = False
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
        return self._status_counts()

    # What the properties below read; a streamed report answers them without building its
    # frames (see :mod:`seeka_nb.pipeline.stream_report`).
    def _status_counts(self) -> dict[str, int]:
        vc = self.frame["status"].value_counts()
        return {s: int(vc.get(s, 0)) for s in STATUSES}

    def _n_orders(self) -> int:
        return len(self.frame)

    def _rows_with(self, statuses: tuple[str, ...]) -> pd.DataFrame:
        """The per-order rows whose status is one of ``statuses``."""
        return self.frame[self.frame["status"].isin(statuses)]

    def _http_seen(self, codes: tuple[int, ...]) -> bool:
        return bool(self.frame["http_status"].isin(codes).any())

    @property
    def ok(self) -> bool:
        """True only when every order that was to be sent is acknowledged (and, with a
        ledger, recorded there): nothing rejected, failed, pending or unrecorded."""
        c = self.counts
        return not any(c[s] for s in NOT_DONE) and not self.unrecorded and not self.incomplete

    def raise_for_failures(self) -> SendReport:
        """Raise :class:`~seeka_nb.errors.SendError` unless :attr:`ok` (for scripts)."""
        if not self.ok:
            c = self.counts
            parts = ", ".join(
                [f"{c[s]} {s}" for s in NOT_DONE if c[s]]
                + ([f"{len(self.unrecorded)} accepted but not recorded"] if self.unrecorded else [])
                + (["the rest of the stream was not read"] if self.incomplete else [])
            )
            first = self._rows_with(NOT_DONE)["error"].dropna()
            hint = f" First error: {first.iloc[0]}" if len(first) else ""
            raise SendError(
                f"Not everything was sent: {parts}.{hint} "
                + (
                    "report.retry(credentials=...) sends them with corrected credentials."
                    if self.auth_failed
                    else "report.retry() sends them again."
                ),
                report=self,
            )
        return self

    def retry(self, credentials: Credentials | None = None) -> SendReport:
        """Send the ``failed``, ``pending`` and ``rejected`` orders again (same options).

        ``credentials`` replaces the ones this send used: after a 401/403, pass corrected
        ones (``report.retry(credentials=Credentials.from_env())``); without them the
        rejected credentials would be sent again.  A report that was unpickled holds no key:
        pass the credentials.
        """
        if self._again is None:
            raise SendError("This report cannot be retried (it was not made by a send).")
        if credentials is None and self.auth_failed:
            raise SendError(
                "Seeka rejected this send's credentials (HTTP 401/403), so retrying with them "
                "would fail again. Pass corrected ones: "
                "report.retry(credentials=seeka_nb.Credentials.from_env())."
            )
        todo = self._rows_with(NOT_DONE)["activity_id"]
        return self._again([str(a) for a in todo.dropna()], credentials)

    @property
    def auth_failed(self) -> bool:
        """True when Seeka refused the credentials (401/403) and the send stopped."""
        return self._http_seen(AUTH_STATUSES)

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
            "orders": self._n_orders(),
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
            **({"incomplete": True} if self.incomplete else {}),
        }

    def _headline(self) -> str:
        c = self.counts
        if self.dry_run:
            return "dry run"
        if self.auth_failed:
            return "stopped: credentials rejected"
        if self.interrupted:
            return "interrupted"
        if self.stopped_reason:
            return "stopped"
        if not c["sent"]:
            return "nothing sent"
        return "sent" if self.ok else "partly sent"

    def next_step(self) -> str | None:
        """What to do now, in one sentence (``None`` when everything is done)."""
        c = self.counts
        if self.dry_run:
            return "Nothing was sent: send again without dry_run=True to send."
        if self.auth_failed:
            return (
                "Check the org ID and public key, then "
                "report.retry(credentials=seeka_nb.Credentials(...)) sends what is pending."
            )
        if self.ok:
            return None
        if self.unrecorded and not any(c[k] for k in NOT_DONE):
            return (
                "Seeka accepted every order, but the ledger could not record "
                f"{len(self.unrecorded)} of them (report.ledger_error): fix the ledger; a "
                "re-run sends those again and Seeka de-duplicates them."
            )
        if self.incomplete and not any(c[k] for k in NOT_DONE):
            return (
                "The send stopped before reading the whole input: run the same send again "
                "(the ledger skips what was sent)."
            )
        if c["rejected"] and not (c["failed"] or c["pending"]):
            return (
                "Seeka refused the rejected orders' data: see report.to_frame() 'error', fix "
                "the data, convert and send again."
            )
        return "report.retry() sends the failed and pending orders again."

    def __repr__(self) -> str:
        s = self.summary()
        counts = ", ".join(f"{k} {v}" for k, v in s["counts"].items()) or "nothing"
        stop = f"; stopped: {s['stopped']}" if s["stopped"] else ""
        if self.unrecorded:
            stop += (
                f"; {len(self.unrecorded)} accepted but not recorded in the ledger "
                "(a re-run sends them again)"
            )
        step = self.next_step()
        return (
            f"<SendReport ({self._headline()}) {plural(s['orders'], 'order')}: {counts}; "
            f"{plural(s['requests'], 'request')} in {s['seconds']:.2f}s "
            f"({s['requests_per_second']:.1f}/s, {s['throttled']} throttled) to "
            f"{self.endpoint}{stop}{f'. Next: {step}' if step else ''}>"
        )

    def _repr_html_(self) -> str:
        s = self.summary()
        esc = html.escape
        parts = []
        if self.dry_run:
            parts.append(
                box(
                    "<b>Dry run</b>: nothing was sent; <code>report.bodies</code> holds every "
                    "request body.",
                    colour=BLUE,
                )
            )
        if s["stopped"]:
            parts.append(box(f"<b>Stopped</b>: {esc(str(s['stopped']))}", colour=RED))
        if self.unrecorded:
            parts.append(
                box(
                    f"<b>Not recorded</b>: Seeka accepted {len(self.unrecorded):,} orders the "
                    "ledger could not record; a re-run sends them again.",
                    colour=RED,
                )
            )
        parts.append(
            f"<b>SendReport</b> ({esc(self._headline())}): {plural(s['orders'], 'order')} to "
            f"<code>{esc(self.endpoint)}</code>"
        )
        c = self.counts
        parts.append(svg_stacked_bar([(k, c[k], STATUS_COLOUR[k]) for k in STATUSES]))
        rows = "".join(
            f"<tr><td style='color:{STATUS_COLOUR[k]};padding-right:12px'>{esc(k)}</td>"
            f"<td>{v:,}</td></tr>"
            for k, v in s["counts"].items()
        )
        parts.append(f"<table style='border-collapse:collapse'>{rows}</table>")
        failed = self._rows_with(("rejected", "failed"))
        if len(failed):
            shown = failed[["activity_id", "status", "http_status", "error"]]
            parts.append(f"<b style='color:{RED}'>Not accepted</b>")
            parts.append(table_html(shown, tints=["#ffebe9"] * len(shown), max_rows=10))
        parts.append(
            f"<p>{plural(s['requests'], 'request')} in {s['seconds']:.2f} s "
            f"({s['requests_per_second']:.1f}/s, {s['throttled']} throttled).</p>"
        )
        step = self.next_step()
        parts.append(
            f"<p><b>Next</b>: {esc(step)}</p>"
            if step
            else "<p>All done: every order that could be sent is sent.</p>"
        )
        colour = GREEN if self.ok and not self.dry_run else (BLUE if self.dry_run else RED)
        return box("".join(parts), colour=colour)

    def to_json(self) -> str:
        """The summary as JSON (for logs and scripts; no personal data, no key)."""
        return json.dumps(self.summary())
