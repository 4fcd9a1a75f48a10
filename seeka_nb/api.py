"""The user-facing ``Events`` (layer 5): the pure core's events plus ``send``/``asend``.

``df.seeka.to_events()`` returns this class; everything except sending is inherited from
:class:`seeka_nb.core.events.Events`.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from .adapters.ledger import Ledger
from .core import events as core_events
from .credentials import Credentials
from .errors import ConfigurationError
from .pipeline import runner
from .pipeline.options import Resend, SendOptions, portable_ledger
from .pipeline.report import SendReport
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
        names = (
            "dry_run",
            "ledger",
            "resend",
            "rate",
            "concurrency",
            "timeout",
            "max_retries",
            "deadline",
            "stall_limit",
            "progress",
            "proxy",
            "truststore",
            "stop",
        )
        return creds, SendOptions(**{k: given[k] for k in names})

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
        return Retrier(self, creds, options, seams)


class Retrier:
    """What ``report.retry()`` calls: the same send again, for some activity IDs.

    Pickles (and cloudpickles) without the key - the credentials' key comes back withheld -
    and without the test seams; retrying then needs credentials: ``report.retry(creds)``.
    """

    def __init__(
        self,
        events: Events,
        creds: Credentials,
        options: SendOptions,
        seams: runner.Seams | None,
    ) -> None:
        self.events, self.creds, self.options, self.seams = events, creds, options, seams

    def __call__(
        self, activity_ids: list[str], credentials: Credentials | None = None
    ) -> SendReport:
        creds = credentials if credentials is not None else self.creds
        if creds.secret_key.withheld:
            raise ConfigurationError(
                "This report came from a pickle (or another process), which never holds the "
                "public key: pass the credentials to retry, report.retry(credentials)."
            )
        return self.events._send_sync(creds, self.options, self.seams, set(activity_ids))

    def __getstate__(self) -> dict[str, Any]:
        options = self.options
        # an open connection does not travel, nor a PostgreSQL URL's password
        options = replace(options, ledger=portable_ledger(options.ledger))
        if callable(options.progress):
            options = replace(options, progress=None)
        return {"events": self.events, "creds": self.creds, "options": options, "seams": None}
