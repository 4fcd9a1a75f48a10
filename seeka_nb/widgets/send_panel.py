"""``SendPanel``: look at events, then send them, from one compact notebook card (layer 5).

The card: a one-line summary (orders, revenue per currency, problems), where the send goes
(live from a linked :class:`CredentialsForm`), the consent the events carry (live from a
linked :class:`ConsentForm`, whose "Apply" replaces the panel's events: what the panel
shows is what it sends), tabs for Issues, Duplicates, Preview (masked) and Report, the
options, Send / Stop, a progress line (count, rate, time left) and one final line saying
what needs attention.

The Send button sends in a background thread (:meth:`SendPanel.start`), so the kernel stays
responsive and Stop ends the send cleanly (``send(stop=StopSignal)``: no new batch, what
is in flight finishes and is recorded, the rest ``pending``).  A send to a real endpoint
(Seeka production, or any non-loopback URL) asks for confirmation once per org and key,
showing them masked and the number of orders.  Personal data stays masked in every output
(see :mod:`._mask`); "Show personal data" reveals the preview for ``reveal_seconds`` only,
so it is not in the widget state when the notebook is saved later.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

import ipywidgets as w

from ..adapters.ledger import Ledger
from ..api import Events
from ..credentials import Credentials
from ..errors import ConfigurationError, SeekaError
from ..schema import DEFAULT_RATE_PER_SECOND, INGEST_URL, SEEKA_RATE_LIMIT_PER_SECOND
from . import _panel_views as views
from ._common import Level, guarded, plural, status_html
from ._sending import Schedule, Sending, default_schedule
from ._theme import stylesheet
from .consent_form import ConsentForm
from .credentials_form import CredentialsForm
from .static_view import mimebundle

__all__ = ["SendPanel"]


class SendPanel(Sending):
    """Inspect and send ``events`` (``df.seeka.to_events()``) from a notebook.

    ``credentials``: :class:`~seeka_nb.Credentials`, a :class:`CredentialsForm` (read when
    Send is clicked; its state shows live in the panel), or ``None`` for
    :meth:`Credentials.from_env` at send time.  ``consent``: a :class:`ConsentForm` to link:
    it applies to the panel's events and the panel sends what it applied.  ``rate``
    (requests/s; ``0`` means unpaced, for the local sandbox only) and ``dry_run`` are the
    options' initial values; ``ledger`` and ``send_options`` (``resend``, ``timeout``,
    ``deadline``...) go to ``events.send``.  ``max_rows`` limits the tables.

    Widgets: ``summary``, ``target``, ``consent_state``, ``issues``, ``duplicates``,
    ``preview``, ``report_html`` (HTML; the last four in the ``details`` tabs), ``reveal``
    (ToggleButton), ``rate``, ``dry_run``, ``send_button``, ``stop_button``, ``confirm``
    (box with ``confirm_text``, ``confirm_button``, ``cancel_button``), ``progress``,
    ``progress_text`` and ``status``.  ``panel.report`` is the last
    :class:`~seeka_nb.SendReport`; :meth:`send` sends in the calling thread and returns it,
    :meth:`start` / :meth:`stop` / :meth:`wait` are what the buttons use.
    """

    def __init__(
        self,
        events: Events,
        credentials: Credentials | CredentialsForm | None = None,
        *,
        consent: ConsentForm | None = None,
        rate: float | None = DEFAULT_RATE_PER_SECOND,
        dry_run: bool = False,
        ledger: str | os.PathLike[str] | Ledger | bool | None = None,
        max_rows: int = 10,
        reveal_seconds: float = 20.0,
        _clock: Callable[[], float] = time.monotonic,
        _schedule: Schedule | None = None,
        **send_options: Any,
    ) -> None:
        if not callable(getattr(events, "send", None)):
            raise SeekaError(
                f"SendPanel needs the events of df.seeka.to_events(), got {type(events).__name__}."
            )
        self.events = events
        self.report = None
        self._credentials = credentials
        self._consent = consent
        self._ledger = ledger
        self._send_options = send_options
        self._max_rows = max_rows
        self._reveal_seconds = reveal_seconds
        self._clock = _clock
        self._schedule = _schedule or default_schedule
        self._confirmed: set[tuple[str, str, str]] = set()
        self._signal = None
        self._thread = None
        self._started = 0.0
        self.error = None

        self.summary = w.HTML()
        self.target = w.HTML()
        self.consent_state = w.HTML()
        self.issues = w.HTML()
        self.duplicates = w.HTML()
        self.preview = w.HTML()
        self.reveal = w.ToggleButton(
            description="Show personal data",
            icon="eye",
            tooltip=f"Unmasked for {reveal_seconds:g} s, then masked again (never saved)",
            layout=w.Layout(width="auto"),
        )
        self.report_html = w.HTML("<p class='seeka-muted'>No send yet.</p>")
        self.details = w.Tab(
            children=[
                self.issues,
                self.duplicates,
                w.VBox([self.reveal, self.preview]),
                self.report_html,
            ]
        )
        self.rate = w.BoundedFloatText(
            value=0.0 if rate is None else float(rate),
            min=0.0,
            max=float(SEEKA_RATE_LIMIT_PER_SECOND),
            step=1.0,
            description="Requests/s",
            tooltip="0: unpaced (local sandbox only)",
            layout=w.Layout(width="13em"),
        )
        self.dry_run = w.Checkbox(
            value=dry_run,
            description="Dry run (send nothing)",
            indent=False,
            layout=w.Layout(width="auto"),
        )
        self.send_button = w.Button(button_style="primary", icon="paper-plane")
        self.send_button.add_class("seeka-send-button")
        self.stop_button = w.Button(
            description="Stop",
            icon="stop",
            button_style="danger",
            disabled=True,
            tooltip="Finish what is in flight, then stop",
        )
        self.confirm_text = w.HTML()
        self.confirm_button = w.Button(
            description="Send to production",
            button_style="danger",
            icon="paper-plane",
            layout=w.Layout(width="auto"),
        )
        self.cancel_button = w.Button(description="Cancel")
        self.confirm = w.VBox(
            [self.confirm_text, w.HBox([self.confirm_button, self.cancel_button])],
            layout=w.Layout(display="none"),
        )
        self.confirm.add_class("seeka-confirm")
        self.progress = w.IntProgress(
            value=0, min=0, max=max(len(events), 1), layout=w.Layout(width="auto")
        )
        self.progress_text = w.HTML()
        self.status = w.HTML()
        self.widget = w.VBox(
            [
                stylesheet(),
                w.HTML("<div class='seeka-title'>Send to Seeka</div>"),
                self.summary,
                self.target,
                self.consent_state,
                self.details,
                w.HBox([self.rate, self.dry_run, self.send_button, self.stop_button]),
                self.confirm,
                self.progress,
                self.progress_text,
                self.status,
            ]
        )
        self.widget.add_class("seeka-send-panel")
        self.widget.add_class("seeka-card")

        self.send_button.on_click(guarded(lambda _b: self._on_send(), self._show))
        self.stop_button.on_click(guarded(lambda _b: self.stop(), self._show))
        self.confirm_button.on_click(guarded(lambda _b: self._on_confirm(), self._show))
        self.cancel_button.on_click(guarded(lambda _b: self._hide_confirm("Not sent."), self._show))
        self.dry_run.observe(lambda _c: self._on_mode(), names="value")
        self.reveal.observe(guarded(self._on_reveal, self._show), names="value")
        if isinstance(credentials, CredentialsForm):  # live: every field that changes them
            f = credentials
            for field in (f.org_id, f.key_hint, f.endpoint, f.endpoint_url, f.status):
                field.observe(lambda _c: self._refresh_target(), names="value")
        if consent is not None:
            consent.set_events(events)
            consent.on_apply(self._take_events)
            consent.tc_string.observe(lambda _c: self._refresh_consent(), names="value")
        self._render_events()
        self._refresh_target()
        self._on_mode()

    # -- what is sent -------------------------------------------------------------------------
    def _take_events(self, events: Events) -> None:
        """A linked ConsentForm applied its string: these events are what is sent now."""
        self.events = events
        self._render_events()
        self._show("info", f"Consent applied: {plural(len(events), 'order')} ready.")

    def _render_events(self) -> None:
        events = self.events
        issues, duplicates = events.issues, events.duplicates()
        self.summary.value = views.summary_line(events.summary())
        self.issues.value = views.issues_html(issues, max_rows=self._max_rows)
        self.duplicates.value = views.duplicates_html(duplicates, max_rows=self._max_rows)
        self.preview.value = views.preview_html(events, reveal=bool(self.reveal.value))
        for k, title in enumerate(
            (f"Issues ({len(issues):,})", f"Duplicates ({len(duplicates):,})", "Preview", "Report")
        ):
            self.details.set_title(k, title)
        self.progress.max = max(len(events), 1)
        self._refresh_consent()
        self._show("info", f"{plural(len(events), 'order')} ready: Send, or tick 'Dry run' first.")

    def _refresh_consent(self) -> None:
        pending = self._consent is not None and self._consent.unapplied
        level, text = views.consent_state(self.events, pending_form=pending)
        self.consent_state.value = status_html(level, text, css_class="seeka-consent-state")

    def _refresh_target(self) -> None:
        try:
            creds = self._resolve_credentials()
        except ConfigurationError as exc:
            self.target.value = status_html("warning", f"Send to: {exc}", css_class="seeka-target")
            return
        where = "Seeka production" if creds.endpoint == INGEST_URL else creds.endpoint
        level: Level = "ok" if creds.is_loopback else "warning"
        self.target.value = status_html(
            level,
            f"Send to: {where} · org {creds.org_id} · key {creds.masked_key}",
            css_class="seeka-target",
        )

    def _resolve_credentials(self) -> Credentials:
        given = self._credentials
        if isinstance(given, CredentialsForm):
            return given.credentials
        if isinstance(given, Credentials):
            return given
        return Credentials.from_env()

    # -- the buttons --------------------------------------------------------------------------
    def _on_send(self) -> None:
        creds = self._resolve_credentials()
        self._check_rate(creds)
        if self._needs_confirmation(creds):
            self._ask(creds)
            return
        self.start()

    def _needs_confirmation(self, creds: Credentials) -> bool:
        if self.dry_run.value or creds.is_loopback:
            return False
        return (creds.endpoint, creds.org_id, creds.key_fingerprint) not in self._confirmed

    def _ask(self, creds: Credentials) -> None:
        where = "Seeka production" if creds.endpoint == INGEST_URL else creds.endpoint
        self.confirm_text.value = status_html(
            "warning",
            f"Send {plural(len(self.events), 'order')} to {where} ({creds.endpoint}) for org "
            f"{creds.org_id} with key {creds.masked_key}? Seeka passes them on to your ad "
            "platforms; this cannot be undone.",
            css_class="seeka-confirm-text",
        )
        self.confirm_button.description = (
            "Send to production" if creds.endpoint == INGEST_URL else "Send"
        )
        self.confirm.layout.display = ""
        self.send_button.disabled = True
        self._show("warning", "Confirm below to send.")

    def _on_confirm(self) -> None:
        creds = self._resolve_credentials()
        self._confirmed.add((creds.endpoint, creds.org_id, creds.key_fingerprint))
        self._hide_confirm(None)
        self.start()

    def _hide_confirm(self, message: str | None) -> None:
        self.confirm.layout.display = "none"
        self.confirm_text.value = ""
        self.send_button.disabled = False
        if message:
            self._show("info", message)

    def _on_mode(self) -> None:
        dry = bool(self.dry_run.value)
        self.send_button.description = "Dry run" if dry else "Send"
        self.send_button.icon = "eye" if dry else "paper-plane"
        self.send_button.button_style = "info" if dry else "primary"
        self.send_button.tooltip = "Build every request, send nothing" if dry else "Send to Seeka"
        if dry:
            self.widget.add_class("seeka-dryrun")
        else:
            self.widget.remove_class("seeka-dryrun")

    def _on_reveal(self, change: dict[str, Any]) -> None:
        self.preview.value = views.preview_html(self.events, reveal=bool(change["new"]))
        if change["new"]:
            self._schedule(self._reveal_seconds, self._unreveal)

    def _unreveal(self) -> None:
        self.reveal.value = False

    # -- display ------------------------------------------------------------------------------
    def _show(self, level: Level, text: str) -> None:
        self.status.value = status_html(level, text)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return mimebundle(self, self.widget, **kwargs)

    def __repr__(self) -> str:
        state = "no report yet" if self.report is None else repr(self.report)
        return f"SendPanel({len(self.events):,} orders; {state})"
