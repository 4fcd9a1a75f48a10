"""Options of a send, checked once before anything is sent (layer 4)."""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from ..adapters.ledger import Ledger, mask_url
from ..adapters.ledger.postgres import is_postgres_url, strip_password
from ..adapters.network import validate_proxy
from ..errors import ConfigurationError
from ..schema import DEFAULT_RATE_PER_SECOND, SEEKA_RATE_LIMIT_PER_SECOND
from .answers import DEFAULT_STALL_LIMIT
from .stop import StopSignal

Resend = Literal["none", "changed", "all"]
DEFAULT_LEDGER_PATH = os.path.join(".seeka", "ledger.sqlite")
MAX_CONCURRENCY = 16


@dataclass(frozen=True)
class SendOptions:
    """How to send (see ``Events.send``).

    ``rate``: requests per second for the whole run (``None``: unpaced, for the local
    sandbox); ``concurrency``: requests in flight (``None``: automatic, enough to keep
    ``rate`` with the observed latency, 2 to 16); ``timeout``: seconds per request;
    ``max_retries``: retries of one request after transient failures; ``deadline``: total
    seconds for the send (what is not sent by then ends ``pending``); ``stall_limit``:
    seconds without any batch acknowledged (or rejected) before the send stops, default
    600 (10 minutes; ``None``: no limit) - what is left ends ``pending`` and the reason
    says what the server kept answering; ``proxy``: URL of
    an HTTP(S) proxy for every request (``None``: the ``HTTPS_PROXY``/``NO_PROXY``...
    environment variables decide, as in other Python HTTP tools; see
    :mod:`seeka_nb.adapters.network`); ``truststore``: trust the operating system's
    certificate store instead of certifi's bundle; ``stop``: a
    :class:`~seeka_nb.pipeline.stop.StopSignal` another thread may use to end the send
    (what is not sent by then ends ``pending``).
    """

    dry_run: bool = False
    ledger: str | os.PathLike[str] | Ledger | bool | None = None
    resend: Resend = "none"
    rate: float | None = DEFAULT_RATE_PER_SECOND
    concurrency: int | None = None
    timeout: float = 30.0
    max_retries: int = 8
    deadline: float | None = None
    stall_limit: float | None = DEFAULT_STALL_LIMIT
    progress: bool | Callable[[int, int], None] | None = None
    proxy: str | None = None
    truststore: bool = False
    stop: StopSignal | None = None

    def __repr__(self) -> str:
        """The dataclass repr, with a PostgreSQL ledger URL's password masked."""
        shown = []
        for name in self.__dataclass_fields__:
            value = getattr(self, name)
            if name == "ledger" and is_postgres_url(value):
                value = mask_url(str(value))
            shown.append(f"{name}={value!r}")
        return f"SendOptions({', '.join(shown)})"

    def __post_init__(self) -> None:
        if self.resend not in ("none", "changed", "all"):
            raise ConfigurationError(
                f"resend={self.resend!r}: use 'none' (default), 'changed' (send orders whose "
                "payload changed since they were sent) or 'all'."
            )
        if self.rate is not None and not (math.isfinite(self.rate) and self.rate > 0):
            raise ConfigurationError(f"rate={self.rate!r}: a positive number of requests/s.")
        if self.rate is not None and self.rate > SEEKA_RATE_LIMIT_PER_SECOND:
            raise ConfigurationError(
                f"rate={self.rate!r} is above Seeka's limit of {SEEKA_RATE_LIMIT_PER_SECOND} "
                "requests/s per client; it would only earn 429s. Use at most that (or "
                "rate=None for the local sandbox)."
            )
        if self.concurrency is not None and not 1 <= int(self.concurrency) <= MAX_CONCURRENCY:
            raise ConfigurationError(
                f"concurrency={self.concurrency!r}: between 1 and {MAX_CONCURRENCY}."
            )
        if not (math.isfinite(self.timeout) and self.timeout > 0):
            raise ConfigurationError(f"timeout={self.timeout!r}: positive seconds.")
        if int(self.max_retries) < 0:
            raise ConfigurationError(f"max_retries={self.max_retries!r}: 0 or more.")
        if self.deadline is not None and not self.deadline > 0:
            raise ConfigurationError(f"deadline={self.deadline!r}: positive seconds or None.")
        if self.proxy is not None:
            validate_proxy(self.proxy)
        if self.stall_limit is not None and not self.stall_limit > 0:
            raise ConfigurationError(
                f"stall_limit={self.stall_limit!r}: positive seconds, or None for no limit."
            )


def portable_ledger(
    option: str | os.PathLike[str] | Ledger | bool | None,
) -> str | os.PathLike[str] | bool | None:
    """The ledger option as it may travel to another process (a pickled report): an open
    :class:`Ledger` becomes what opens it again, a PostgreSQL URL loses its password (the
    other process gives it through ``PGPASSWORD`` or ``~/.pgpass``)."""
    if isinstance(option, Ledger):
        option = option.portable_target
    if is_postgres_url(option):
        option = strip_password(str(option))
    return option


def open_ledger(
    option: str | os.PathLike[str] | Ledger | bool | None,
) -> tuple[Ledger | None, bool]:
    """The ledger a send uses, and whether the send opened it (and must close it)."""
    if option is False:
        return None, False
    if isinstance(option, Ledger):
        return option, False
    path = DEFAULT_LEDGER_PATH if option in (None, True) else option
    return Ledger(path), True  # type: ignore[arg-type]
