"""The user-facing ``Events`` (layer 5): the pure core's events plus ``send``/``asend``.

``df.seeka.to_events()`` returns this class; everything except sending is inherited from
:class:`seeka_nb.core.events.Events`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .adapters.ledger import Ledger
from .core import events as core_events
from .credentials import Credentials
from .pipeline import runner
from .pipeline.options import Resend, SendOptions
from .pipeline.report import SendReport
from .pipeline.retry import Retrier, send_options
from .pipeline.stop import StopSignal


class Events(core_events.Events):
    """Seeka ``Order`` events built by ``df.seeka.to_events()``, ready to inspect and send."""

    def send(
        self,
        credentials: Credentials | None = None,
        *,
        dry_run: bool = False,
        ledger: str | os.PathLike[str] | Ledger | bool | None = None,
        resend: Resend = "none",
        rate: float | None = SendOptions.rate,
        concurrency: int | None = None,
        timeout: float = 30.0,
        max_retries: int = 8,
        deadline: float | None = None,
        stall_limit: float | None = SendOptions.stall_limit,
        progress: bool | Callable[[int, int], None] | None = None,
        proxy: str | None = None,
        truststore: bool = False,
        stop: StopSignal | None = None,
        _seams: runner.Seams | None = None,
    ) -> SendReport:
        """Send the events to Seeka; returns a :class:`~seeka_nb.SendReport`.

        ``credentials=None`` reads ``Credentials.from_env()``.  At most 20 events per
        request, at most ``rate`` requests/s (default 20; Seeka allows 30), transient
        failures retried with backoff, 400s bisected to the bad events, 401/403 stop the
        run.  The ledger (``.seeka/ledger.sqlite`` by default; a path, a ``Ledger`` or
        ``False``) makes a re-run send only what is not acknowledged yet; ``resend``:
        ``"none"``, ``"changed"`` (orders whose payload changed) or ``"all"``.
        ``dry_run=True`` builds every body and sends nothing (``report.bodies``).
        ``deadline``: total seconds; what is not sent by then ends ``pending``.
        ``truststore=True`` trusts the operating system's certificate store (the
        ``truststore`` package) instead of certifi's bundle.
        ``stall_limit``: seconds without any batch acknowledged before the send stops
        (default 600, i.e. 10 minutes; ``None``: no limit); the rest ends ``pending``.
        ``proxy``: an HTTP(S) proxy URL (default: ``HTTPS_PROXY``, ``NO_PROXY``... from
        the environment; ``SSL_CERT_FILE``/``SSL_CERT_DIR`` name extra trusted CAs).
        Ctrl-C raises :class:`~seeka_nb.SendInterrupted` with the report; ``stop``, a
        :class:`~seeka_nb.pipeline.stop.StopSignal`, ends the send from another thread
        without an exception (the rest ``pending``, see ``report.stopped_reason``).
        """
        creds, options = self._prepare(credentials, locals())
        return self._send_sync(creds, options, _seams, None)

    async def asend(
        self,
        credentials: Credentials | None = None,
        *,
        dry_run: bool = False,
        ledger: str | os.PathLike[str] | Ledger | bool | None = None,
        resend: Resend = "none",
        rate: float | None = SendOptions.rate,
        concurrency: int | None = None,
        timeout: float = 30.0,
        max_retries: int = 8,
        deadline: float | None = None,
        stall_limit: float | None = SendOptions.stall_limit,
        progress: bool | Callable[[int, int], None] | None = None,
        proxy: str | None = None,
        truststore: bool = False,
        stop: StopSignal | None = None,
        _seams: runner.Seams | None = None,
    ) -> SendReport:
        """The awaitable variant of :meth:`send` (runs in the caller's event loop)."""
        creds, options = self._prepare(credentials, locals())
        report = await runner.asend(self, creds, options, seams=_seams)
        report._again = self._retrier(creds, options, _seams)
        return report

    def _prepare(
        self, credentials: Credentials | None, given: dict[str, Any]
    ) -> tuple[Credentials, SendOptions]:
        creds = credentials if credentials is not None else Credentials.from_env()
        return creds, send_options(given)

    def _send_sync(
        self,
        creds: Credentials,
        options: SendOptions,
        seams: runner.Seams | None,
        only: set[str] | None,
    ) -> SendReport:
        report = runner.send(self, creds, options, seams=seams, only=only)
        report._again = self._retrier(creds, options, seams)
        return report

    def _retrier(
        self, creds: Credentials, options: SendOptions, seams: runner.Seams | None
    ) -> Retrier:
        return Retrier(self._send_sync, creds, options, seams)
