"""What the send panel shows, as HTML fragments built from data (layer 5).

Kept apart from the widget wiring in :mod:`.send_panel` so each piece is a plain function
of events, a report or counts: the one-line summary, the consent state, the issues,
duplicates and preview tabs (identity values masked, see :mod:`._mask`), the progress
line (count, rate, time left), plain-language outcome names and the final line that says
what needs attention.
"""

from __future__ import annotations

import html
import math
from typing import Any

import numpy as np
import pandas as pd

from ..core.display import money_by_currency
from ..core.values import is_present
from ..pipeline.report import SendReport
from ._common import SEVERITY_LEVEL, Level, badge, frame_html, plural, status_html
from ._mask import json_html, mask_body, mask_frame

__all__ = [
    "OUTCOMES",
    "attention",
    "consent_state",
    "duplicates_html",
    "issues_html",
    "preview_html",
    "progress_text",
    "report_html",
    "summary_line",
]

#: Report status -> (plain-language name, badge level).
OUTCOMES: dict[str, tuple[str, Level]] = {
    "sent": ("sent", "ok"),
    "already_sent": ("already sent before (skipped)", "ok"),
    "dry_run": ("would be sent (dry run)", "dry"),
    "changed": ("changed since it was sent (held back)", "warning"),
    "duplicate": ("being sent by another run (skipped)", "warning"),
    "invalid": ("held back: errors in the data", "error"),
    "excluded": ("excluded by the preset", "warning"),
    "rejected": ("rejected by Seeka", "error"),
    "failed": ("failed after retries", "error"),
    "pending": ("not sent yet (pending)", "warning"),
}
#: Statuses that went through (or were rightly skipped).
_THROUGH = ("sent", "already_sent", "dry_run")
_ISSUE_LABELS = {
    "row": "Row",
    "activity_id": "Activity ID",
    "field": "Seeka field",
    "column": "Column",
    "severity": "Severity",
    "code": "Code",
    "message": "What is wrong",
}


def summary_line(summary: dict[str, Any]) -> str:
    """One line: orders to send, revenue per currency, what is held back, problems."""
    parts = [f"<b>{plural(summary['to_send'], 'order')} to send</b>"]
    revenue = html.escape(money_by_currency(summary["revenue"]))  # JPY 7,960, EUR 55.00
    if revenue:
        parts.append(revenue)
    held = summary["held_back_error"] + summary["held_back_excluded"] + summary["rows_without_id"]
    if held:
        parts.append(badge("error", f"{held:,} held back"))
    issues = summary["issues"]
    if issues["error"]:
        parts.append(badge("error", plural(issues["error"], "error")))
    if issues["warning"]:
        parts.append(badge("info", plural(issues["warning"], "warning")))
    if summary["duplicates"]:
        parts.append(badge("warning", plural(summary["duplicates"], "duplicate finding")))
    if not (held or issues["error"] or issues["warning"] or summary["duplicates"]):
        parts.append(badge("ok", "no problems found"))
    return f"<div class='seeka-summary'>{' · '.join(parts)}</div>"


def consent_state(events: Any, *, pending_form: bool = False) -> tuple[Level, str]:
    """How many events carry a TC string, and the verdict of the consent checks."""
    table = events._table
    ok = table.status == "ok"
    n = int(ok.sum())
    values = table.text.get("tcfConsentString")
    if values is None:
        carried = np.zeros(n, dtype=bool)
        distinct = 0
    else:
        sel = np.asarray(values, dtype=object)[ok]
        carried = np.asarray(is_present(sel), dtype=bool)
        distinct = len(pd.unique(pd.Series(sel[carried], dtype=object)))
    k = int(carried.sum())
    issues = events.issues
    consent = issues[issues["field"].astype(object) == "tcfConsentString"]
    n_err = int((consent["severity"] == "error").sum())
    n_warn = int((consent["severity"] == "warning").sum())
    head = f"Consent: {k:,} of {plural(n, 'order')} carry a TC string"
    head += f" ({plural(distinct, 'distinct string')})" if k else ""
    if n_err:
        level: Level = "error"
        verdict = f"{plural(n_err, 'consent error')}: those orders are held back (see Issues)"
    elif k and n_warn:
        level, verdict = "warning", f"usable, with {plural(n_warn, 'warning')} (see Issues)"
    elif k:
        level, verdict = "ok", "the strings pass the TCF v2.2 checks"
    else:
        level = "info"
        verdict = "Seeka keeps whatever consent it already holds for these customers"
    text = f"{head}; {verdict}."
    if pending_form:
        level = "warning"
        text += " The consent form holds a string not applied yet: click 'Apply to events'."
    return level, text


def issues_html(issues: pd.DataFrame, *, max_rows: int) -> str:
    """The issues table: severity badges, no ``None``, messages masked."""
    shown = mask_frame(issues, ("message",))
    return frame_html(
        shown,
        max_rows=max_rows,
        empty="No issues.",
        badges={"severity": SEVERITY_LEVEL},
        labels=_ISSUE_LABELS,
    )


def duplicates_html(duplicates: pd.DataFrame, *, max_rows: int) -> str:
    """The duplicates table, details masked."""
    return frame_html(
        mask_frame(duplicates, ("detail",)),
        max_rows=max_rows,
        empty="No duplicated activity IDs.",
    )


def preview_html(events: Any, *, reveal: bool) -> str:
    """The first request body, highlighted, in a scroll box; identity values masked
    unless ``reveal``."""
    body = next(iter(events.batches()), None)
    if body is None:
        return "<p class='seeka-muted'>No events to send.</p>"
    shown = body if reveal else mask_body(body)
    note = (
        "Personal data shown: it is hidden again shortly and never kept in the notebook."
        if reveal
        else "Personal data masked (j•••@example.com); 'Show personal data' reveals it briefly."
    )
    return (
        f"<p class='seeka-muted'>The first request ({plural(len(body['data']), 'event')}), "
        f"exactly as it will be sent. {html.escape(note)}</p>"
        f"<div class='seeka-scroll'>{json_html(shown)}</div>"
    )


def report_html(report: SendReport, *, max_rows: int) -> str:
    """Counts by outcome (badges) and one row per order that did not go through."""
    counts = {s: n for s, n in report.counts.items() if n}
    chips = " ".join(badge(OUTCOMES[s][1], f"{n:,} {OUTCOMES[s][0]}") for s, n in counts.items())
    frame = report.frame
    left = frame[~frame["status"].isin(_THROUGH)]
    table = pd.DataFrame(
        {
            "activity_id": left["activity_id"],
            "row": left["row"],
            "outcome": left["status"].map(lambda s: OUTCOMES.get(s, (s,))[0]),
            "http_status": left["http_status"],
            "error": left["error"],
        }
    )
    rows = frame_html(
        mask_frame(table, ("error",)),
        max_rows=max_rows,
        empty="Every order went through.",
        labels={
            "activity_id": "Activity ID",
            "row": "Row",
            "outcome": "Outcome",
            "http_status": "HTTP",
            "error": "Why",
        },
    )
    took = f"{plural(report.requests, 'request')} in {report.elapsed:.1f} s"
    return f"<div>{chips or 'No orders.'}</div><p class='seeka-muted'>{took}</p>{rows}"


def attention(report: SendReport) -> tuple[Level, str]:
    """The final line: what happened and exactly what needs attention."""
    c = report.counts
    done = c["dry_run"] if report.dry_run else c["sent"]
    head = (
        f"Dry run: {plural(done, 'order')} would be sent; nothing was sent."
        if report.dry_run
        else f"{plural(done, 'order')} sent to {report.endpoint}."
    )
    if c["already_sent"]:
        head += f" {plural(c['already_sent'], 'order')} already sent before (skipped)."
    todo = []
    held = c["invalid"] + c["excluded"]
    if held:
        todo.append(f"{plural(held, 'order')} held back: see Issues")
    if c["changed"]:
        todo.append(f"{plural(c['changed'], 'order')} changed since sent: see Report")
    if c["rejected"]:
        todo.append(f"{plural(c['rejected'], 'order')} rejected by Seeka: see Report")
    if c["failed"]:
        todo.append(f"{plural(c['failed'], 'order')} failed: see Report, then Send again")
    if c["pending"]:
        why = f" ({report.stopped_reason})" if report.stopped_reason else ""
        todo.append(f"{plural(c['pending'], 'order')} not sent yet{why}: Send again")
    if c["duplicate"]:
        todo.append(f"{plural(c['duplicate'], 'order')} being sent by another run: check later")
    if not todo:
        return ("dry" if report.dry_run else "ok"), f"{head} Nothing needs attention."
    level: Level = "error" if c["rejected"] or c["failed"] else "warning"
    if report.dry_run:
        level = "dry"  # a dry run always looks like one
    return level, f"{head} Needs attention: {'; '.join(todo)}."


def progress_text(
    done: int,
    total: int,
    elapsed: float,
    *,
    dry_run: bool,
    final: bool = False,
    stopped: bool = False,
) -> str:
    """``37 / 120 orders · 18.2 orders/s · about 5 s left`` (as tqdm shows); ``final``:
    the line once the send has ended (time taken instead of time left)."""
    text = f"{done:,} / {plural(total, 'order')}"
    if elapsed > 0 and done > 0:
        rate = done / elapsed
        text += f" · {rate:,.1f} orders/s"
        if final:
            text += f" · took {elapsed:.1f} s" if elapsed < 60 else f" · took {_duration(elapsed)}"
        elif total > done:
            text += f" · about {_duration((total - done) / rate)} left"
    if final:
        prefix = "Dry run done" if dry_run else ("Stopped" if stopped else "Finished")
    else:
        prefix = "Dry run" if dry_run else "Sending"
    return status_html(
        "dry" if dry_run else "info", f"{prefix}: {text}", css_class="seeka-progress"
    )


def _duration(seconds: float) -> str:
    s = max(1, math.ceil(seconds))
    if s < 60:
        return f"{s} s"
    minutes, s = divmod(s, 60)
    if minutes < 60:
        return f"{minutes} min {s:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
