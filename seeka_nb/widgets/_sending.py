"""The sending half of the send panel (layer 5): background thread, Stop, progress, report.

:class:`Sending` is mixed into :class:`~seeka_nb.widgets.SendPanel`; it uses the panel's
widgets and settings.  The send runs ``events.send(...)`` in a background thread (the
kernel stays responsive) with a :class:`~seeka_nb.pipeline.stop.StopSignal` that the Stop
button sets: no new batch is taken, requests in flight finish and are recorded in the
ledger, the rest ends ``pending``.  Progress callbacks come from the send's own thread;
ipywidgets forwards widget updates from any thread.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from ..credentials import Credentials
from ..errors import SeekaError
from ..pipeline.report import SendReport
from ..pipeline.stop import StopSignal
from ..schema import SEEKA_RATE_LIMIT_PER_SECOND
from . import _panel_views as views
from ._common import Level, plural

__all__ = ["Schedule", "Sending", "default_schedule"]

log = logging.getLogger("seeka_nb.widgets")
Schedule = Callable[[float, Callable[[], None]], Any]


class Sending:
    """Send / Stop / wait for :class:`~seeka_nb.widgets.SendPanel` (see the module)."""

    # Set by SendPanel.__init__ (declared for readers and type checkers).
    events: Any
    report: SendReport | None
    error: BaseException | None
    _thread: threading.Thread | None
    _signal: StopSignal | None
    _started: float
    _clock: Callable[[], float]
    _ledger: Any
    _send_options: dict[str, Any]
    _max_rows: int
    send_button: Any
    stop_button: Any
    dry_run: Any
    rate: Any
    progress: Any
    progress_text: Any
    report_html: Any
    details: Any

    def _resolve_credentials(self) -> Credentials:
        raise NotImplementedError

    def _show(self, level: Level, text: str) -> None:
        raise NotImplementedError

    # -- sending ------------------------------------------------------------------------------
    def start(self) -> threading.Thread:
        """Start sending in a background thread (what Send does after any confirmation)."""
        self._refuse_while_running()
        creds = self._resolve_credentials()
        rate = self._check_rate(creds)
        self._begin()
        self._thread = threading.Thread(
            target=self._run, args=(creds, rate), name="seeka-nb-panel-send", daemon=True
        )
        self._thread.start()
        return self._thread

    def send(self) -> SendReport:
        """Send in the calling thread (no confirmation: the call is the confirmation) and
        return the report; errors are raised after being shown."""
        self._refuse_while_running()
        creds = self._resolve_credentials()
        rate = self._check_rate(creds)
        self._begin()
        self._run(creds, rate)
        if self.error is not None:
            raise self.error
        assert self.report is not None
        return self.report

    def stop(self) -> None:
        """What Stop does: no new batch; what is in flight finishes; the rest ``pending``."""
        if self._signal is None or self._signal.stopped:
            return
        self._signal.stop("stopped with the Stop button")
        self.stop_button.disabled = True
        self._show("warning", "Stopping: requests in flight finish, the rest stays pending…")

    def wait(self, timeout: float | None = None) -> SendReport | None:
        """Wait for a background send to end; returns the report (None if it failed)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.report

    def _refuse_while_running(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            raise SeekaError("A send is already running: wait for it, or click Stop.")

    def _check_rate(self, creds: Credentials) -> float | None:
        rate: float | None = float(self.rate.value) or None
        if rate is None and not creds.is_loopback:
            raise SeekaError(
                "Requests/s is 0 (unpaced), which is only for the local sandbox: set a rate "
                f"of at most {SEEKA_RATE_LIMIT_PER_SECOND} for {creds.endpoint}."
            )
        return rate

    def _begin(self) -> None:
        self._signal = StopSignal()
        self.error = None
        self._started = self._clock()
        self.send_button.disabled = True
        self.stop_button.disabled = bool(self.dry_run.value)
        self.progress.value = 0
        self.progress.bar_style = ""
        self.progress_text.value = views.progress_text(
            0, len(self.events), 0.0, dry_run=bool(self.dry_run.value)
        )
        what = "Dry run: building request bodies" if self.dry_run.value else "Sending"
        self._show("dry" if self.dry_run.value else "info", f"{what}…")

    def _run(self, creds: Credentials, rate: float | None) -> None:
        dry_run = bool(self.dry_run.value)
        try:
            report = self.events.send(
                creds,
                dry_run=dry_run,
                rate=rate,
                ledger=self._ledger,
                progress=self._advance,
                stop=self._signal,
                **self._send_options,
            )
        except SeekaError as exc:
            self.error = exc
            report = getattr(exc, "report", None)
            if isinstance(report, SendReport):
                self._done(report)
            else:
                self._show("error", str(exc))
        except BaseException as exc:  # a bug: say so where the user looks, keep the trace
            self.error = exc
            log.exception("seeka_nb send panel: the send failed")
            self._show("error", f"Unexpected error ({type(exc).__name__}): {exc}")
        else:
            self._done(report)
        finally:
            self.send_button.disabled = False
            self.stop_button.disabled = True

    def _advance(self, done: int, total: int) -> None:
        self.progress.max = max(total, 1)
        self.progress.value = done
        self.progress_text.value = views.progress_text(
            done, total, self._clock() - self._started, dry_run=bool(self.dry_run.value)
        )

    def _done(self, report: SendReport) -> None:
        self.report = report
        c = report.counts
        to_send = len(report.frame) - c["invalid"] - c["excluded"]
        settled = to_send - c["pending"]
        self.progress.max = max(to_send, 1)
        self.progress.value = settled
        self.progress.bar_style = (
            "info" if report.dry_run else ("success" if report.ok else "warning")
        )
        self.progress_text.value = views.progress_text(
            settled,
            to_send,
            report.elapsed,
            dry_run=report.dry_run,
            final=True,
            stopped=bool(c["pending"] and report.stopped_reason),
        )
        self.report_html.value = views.report_html(report, max_rows=max(self._max_rows, 50))
        self.details.set_title(3, f"Report ({plural(len(report.frame), 'order')})")
        level, text = views.attention(report)
        self._show(level, text)


def default_schedule(seconds: float, callback: Callable[[], None]) -> Any:
    """Run ``callback`` after ``seconds``: on the kernel's event loop when there is one (no
    thread), else on a daemon timer."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        timer = threading.Timer(seconds, callback)
        timer.daemon = True
        timer.start()
        return timer
    return loop.call_later(seconds, callback)
