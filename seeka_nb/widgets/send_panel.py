"""``SendPanel``: look at events, then send them, from one notebook widget (layer 5).

The panel shows the events' summary, their issues and duplicates (first rows), the first
request body (a dry-run preview, built locally), options (rate, dry run), a Send button with
a progress bar, and the :class:`~seeka_nb.SendReport` when the send is done.  Sending calls
the same ``events.send(credentials, ...)`` as a script, synchronously: the kernel is busy
until the send ends (Ctrl-C / "Interrupt kernel" stops it as in a script).

The progress bar counts settled orders as the send goes (``send(progress=callback)``,
called from the sending thread; ipywidgets forwards the updates to the page).
"""

from __future__ import annotations

import os
from typing import Any

import ipywidgets as w

from ..adapters.ledger import Ledger
from ..api import Events
from ..credentials import Credentials
from ..errors import SeekaError, SendInterrupted
from ..pipeline.report import SendReport
from ..schema import DEFAULT_RATE_PER_SECOND, SEEKA_RATE_LIMIT_PER_SECOND
from ._common import Level, frame_html, guarded, status_html
from .credentials_form import CredentialsForm
from .static_view import mimebundle

__all__ = ["SendPanel"]


class SendPanel:
    """Inspect and send ``events`` (``df.seeka.to_events()``) from a notebook.

    ``credentials``: :class:`~seeka_nb.Credentials`, a :class:`CredentialsForm` (read when
    Send is clicked, so it can be filled after the panel is shown), or ``None`` to use
    :meth:`Credentials.from_env` at send time.  ``rate`` (requests/s; ``0`` means unpaced,
    for the local sandbox only: it is refused for other endpoints) and ``dry_run`` are the
    initial values of the panel's options; ``ledger`` and ``send_options`` (``resend``,
    ``timeout``, ``deadline``...) are passed to ``events.send``.  ``max_rows`` limits the
    issues and duplicates tables.

    Widgets: ``summary``, ``issues``, ``duplicates``, ``preview`` (HTML, in ``details``, an
    Accordion), ``rate`` (BoundedFloatText), ``dry_run`` (Checkbox), ``send_button``,
    ``progress`` (IntProgress), ``status`` and ``report_html`` (HTML).  After a send,
    ``panel.report`` is the :class:`~seeka_nb.SendReport`; :meth:`send` does what the
    button does and returns it.
    """

    def __init__(
        self,
        events: Events,
        credentials: Credentials | CredentialsForm | None = None,
        *,
        rate: float | None = DEFAULT_RATE_PER_SECOND,
        dry_run: bool = False,
        ledger: str | os.PathLike[str] | Ledger | bool | None = None,
        max_rows: int = 10,
        **send_options: Any,
    ) -> None:
        if not callable(getattr(events, "send", None)):
            raise SeekaError(
                f"SendPanel needs the events of df.seeka.to_events(), got {type(events).__name__}."
            )
        self.events = events
        self.report: SendReport | None = None
        self._credentials = credentials
        self._ledger = ledger
        self._send_options = send_options

        issues = events.issues
        duplicates = events.duplicates()
        self.summary = w.HTML(events._repr_html_())
        self.issues = w.HTML(frame_html(issues, max_rows=max_rows, empty="No issues."))
        self.duplicates = w.HTML(
            frame_html(duplicates, max_rows=max_rows, empty="No duplicated activity IDs.")
        )
        self.preview = w.HTML(
            "<p>The first request body, exactly as it will be sent:</p>"
            + events.preview(1)._repr_html_()
        )
        self.details = w.Accordion(
            children=[self.issues, self.duplicates, self.preview],
            titles=(
                f"Issues ({len(issues):,})",
                f"Duplicates ({len(duplicates):,})",
                "Preview of the first request",
            ),
        )
        self.rate = w.BoundedFloatText(
            value=0.0 if rate is None else float(rate),
            min=0.0,
            max=float(SEEKA_RATE_LIMIT_PER_SECOND),
            step=1.0,
            description="Requests/s",
            tooltip="0: unpaced (local sandbox only)",
            layout=w.Layout(width="14em"),
        )
        self.dry_run = w.Checkbox(value=dry_run, description="Dry run (send nothing)", indent=False)
        self.send_button = w.Button(description="Send", button_style="primary", icon="paper-plane")
        self.progress = w.IntProgress(
            value=0, min=0, max=max(len(events), 1), description="Orders", bar_style="info"
        )
        self.status = w.HTML()
        self.report_html = w.HTML()
        self.widget = w.VBox(
            [
                self.summary,
                self.details,
                w.HBox([self.rate, self.dry_run, self.send_button]),
                self.progress,
                self.status,
                self.report_html,
            ]
        )
        self.widget.add_class("seeka-send-panel")
        self.send_button.on_click(guarded(lambda _b: self.send(), self._show))
        self._show("info", f"{len(events):,} orders ready. Send, or tick 'Dry run' first.")

    # -- sending ------------------------------------------------------------------------------
    def send(self) -> SendReport:
        """What the Send button does: ``events.send(credentials, ...)``, then show the report."""
        creds = self._resolve_credentials()
        rate: float | None = float(self.rate.value) or None
        if rate is None and not creds.is_loopback:
            raise SeekaError(
                "Requests/s is 0 (unpaced), which is only for the local sandbox: set a rate "
                f"of at most {SEEKA_RATE_LIMIT_PER_SECOND} for {creds.endpoint}."
            )
        dry_run = bool(self.dry_run.value)
        what = "Building request bodies (dry run)" if dry_run else f"Sending to {creds.endpoint}"
        self._busy(True)
        self.progress.value = 0
        self.progress.bar_style = "info"
        self.report_html.value = ""
        self._show("info", f"{what}…")
        try:
            report = self.events.send(
                creds,
                dry_run=dry_run,
                rate=rate,
                ledger=self._ledger,
                progress=self._advance,
                **self._send_options,
            )
        except SendInterrupted as exc:
            if isinstance(exc.report, SendReport):
                self._done(exc.report)
            self._show("warning", str(exc))
            raise
        finally:
            self._busy(False)
        self._done(report)
        return report

    def _advance(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done

    def _resolve_credentials(self) -> Credentials:
        given = self._credentials
        if isinstance(given, CredentialsForm):
            return given.credentials
        if isinstance(given, Credentials):
            return given
        return Credentials.from_env()

    def _done(self, report: SendReport) -> None:
        self.report = report
        counts = report.counts
        self.progress.max = max(len(report.frame), 1)
        self.progress.value = len(report.frame) - counts["pending"]
        self.progress.bar_style = "success" if report.ok else "danger"
        self.report_html.value = report._repr_html_()
        done = ", ".join(f"{n:,} {status}" for status, n in counts.items() if n) or "nothing"
        if report.dry_run:
            self._show("ok", f"Dry run done: {done}. Nothing was sent.")
        elif report.ok:
            self._show("ok", f"Done: {done}.")
        elif self._ledger is False:
            self._show("error", f"Not everything was sent: {done}. panel.report.retry() retries.")
        else:
            self._show(
                "error",
                f"Not everything was sent: {done}. Send again to send only what Seeka has not "
                "acknowledged (the ledger skips the rest).",
            )

    def _busy(self, busy: bool) -> None:
        self.send_button.disabled = busy
        self.send_button.description = "Sending…" if busy else "Send"

    # -- display ------------------------------------------------------------------------------
    def _show(self, level: Level, text: str) -> None:
        self.status.value = status_html(level, text)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self, self.widget, **kwargs)

    def __repr__(self) -> str:
        state = "no report yet" if self.report is None else repr(self.report)
        return f"SendPanel({len(self.events):,} orders; {state})"
