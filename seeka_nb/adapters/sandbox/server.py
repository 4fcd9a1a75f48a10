"""``Sandbox``: the public face of the local Seeka-compatible ingest server.

Owns argument validation, the start/stop lifecycle and the Python inspection API; the
wire behaviour lives in ``ingest.py`` (decisions), ``handler.py`` (HTTP) and
``httpserver.py`` (sockets and threads).
"""

from __future__ import annotations

import logging
import math
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, get_args

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

from .faults import FaultKind, FaultPlan, RateLimiter
from .httpserver import SandboxHTTPServer
from .ingest import IngestConfig, IngestService, RetryAfterMode
from .store import Recorder

__all__ = ["Sandbox"]

logger = logging.getLogger("seeka_nb.sandbox")

#: ``accepted_credentials``: a ``seeka_nb.Credentials`` (or a list of them), ``(org_id, key)``
#: pairs, or ``{org_id: key}``.  Credentials objects are read by their ``org_id`` and
#: ``public_key`` attributes: the sandbox imports nothing above layer 1.
Credentials = Any
#: ``reject``: activity IDs, or a predicate on the event dict, that the sandbox refuses.
Reject = Iterable[str] | Callable[[dict[str, Any]], bool] | None


class Sandbox:
    """A local server that behaves like Seeka's ingest endpoint, records what it receives
    and can misbehave on purpose.

    >>> with Sandbox() as sb:                       # doctest: +SKIP
    ...     httpx.post(sb.ingest_url, json=body, headers=headers).status_code
    202

    ``start()`` (or ``with``) listens on ``host:port`` (port 0: a free port) with a
    ``ThreadingHTTPServer`` (HTTP/1.1, keep-alive) in background threads; ``stop()`` (or
    leaving the ``with``) closes every socket and joins every thread.  A sandbox can be
    started again; recordings survive a restart (``reset()`` clears them).

    **What ``POST /api/ingest`` answers** (judged by ``SEEKA_CONTRACT.md`` alone, in this
    order): scripted/random fault if any; 429 over the rate limit; 401 without
    ``X-OrgId``/``X-Converge-Key``; 403 for a pair not in ``accepted_credentials``; 400 for a
    wrong ``Content-Type``, invalid JSON (``NaN``/``Infinity`` included) or a body that is
    not ``{"data": [...]}`` or has an empty ``data``; **413 for more than 20 events** (the
    request is well-formed but larger than Seeka accepts, and 413 "Content Too Large" says
    exactly that; our sender treats 413 like 400, as a rejected batch); 400 when any event
    breaks the contract, naming the event index and field path (the whole request is
    rejected); else 202 and the events are stored.  Error bodies are JSON
    ``{"error": code, "message": ..., "problems": [...]}``.  Unknown keys are accepted and
    counted as warnings.  ``accepted_credentials`` takes a ``seeka_nb.Credentials`` (or
    several), ``(org_id, key)`` pairs or ``{org_id: key}``.

    **Rejecting chosen events.**  ``reject`` refuses events that are otherwise valid, the
    way Seeka refuses a request with one bad event: activity IDs (``reject=["R0007"]``) or
    a function of the event dict returning ``True``.  The whole request is answered 400
    naming the event's index (``code: "rejected_by_sandbox"``), so a sender's bisection
    can be seen at work.

    **De-duplication** follows Seeka's word that it de-duplicates on ``activityId``: the key
    is (``X-OrgId``, ``activityId``), the window is the sandbox's lifetime (until
    ``reset()``), the first event wins; a repeat - in a later request or the same one - is
    still answered 202, kept in the "all events" view marked ``duplicate`` and counted in
    ``stats()["duplicates"]``.

    **Faults.**  ``faults`` is a script used one item per ingest request, in order: a status
    code (``500``, ``429``, ... answered with a JSON error, events *not* stored; ``202``
    means "no fault, handle normally"), ``"reset"`` (TCP RST, no answer), ``"timeout"``
    (hold the connection unanswered for ``timeout_hold`` seconds - ``stop()`` cuts it short
    - then close it), ``"slow"`` (wait ``slow_delay`` seconds, then handle normally) or
    ``"reset_after_accept"`` (store the events, then reset: a lost response).  When the
    script is empty, ``fault_rates`` (``{500: 0.1, 429: 0.05, "reset": 0.05}``) draw a
    fault per request from ``random.Random(seed)``: deterministic for a seed and a request
    order.  ``latency`` seconds are added before every ingest answer.  A faulted request
    takes no rate-limit token.  There is no "accept but drop silently": the sandbox answers
    202 only when it stored the events, as Seeka does.

    **Rate limit.**  ``rate_limit`` requests/s per client address (token bucket of ``burst``
    tokens, default ``rate_limit``; ``None`` turns limiting off).  A refused request opens
    a ``penalty`` of further 429s.  ``retry_after`` chooses the hint headers sent with 429s:
    ``"none"`` (what Seeka documents today), ``"seconds"`` (``Retry-After``), ``"ms"``
    (``Retry-After-Ms``) or ``"both"``.  ``clock`` (default ``time.monotonic``) drives the
    bucket, so tests can move time by hand.

    **Inspection**, from Python (``events``, ``all_events``, ``event_records()``,
    ``requests``, ``stats()``, ``reset()``, ``inject()``, ``pending_faults``) and over HTTP:
    ``GET /_sandbox/events[?all=1]``, ``/_sandbox/requests``, ``/_sandbox/stats``,
    ``/_sandbox/faults``, ``POST /_sandbox/faults`` (``{"faults": [...]}``),
    ``POST /_sandbox/reset``.  ``tls`` (an ``ssl.SSLContext`` with a certificate loaded,
    e.g. from ``trustme`` in tests) serves HTTPS instead of HTTP.  The request log never
    holds ``X-Converge-Key``: at most
    ``"••••"`` and its last 4 characters (keys shorter than 12 characters: ``"••••"``).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: float | None = schema.SEEKA_RATE_LIMIT_PER_SECOND,
        faults: Iterable[FaultKind] | None = None,
        fault_rates: Mapping[FaultKind, float] | None = None,
        latency: float = 0.0,
        accepted_credentials: Credentials | None = None,
        reject: Reject = None,
        seed: int | None = None,
        burst: float | None = None,
        penalty: float = 1.0,
        retry_after: RetryAfterMode = "none",
        timeout_hold: float = 5.0,
        slow_delay: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        if tls is not None and not isinstance(tls, ssl.SSLContext):
            raise ConfigurationError(
                f"tls must be an ssl.SSLContext with the server's certificate loaded, got {tls!r}"
            )
        if not isinstance(host, str) or not host.strip():
            raise ConfigurationError(f"host must be a non-empty string, got {host!r}")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigurationError(f"port must be 0-65535 (0 = any free port), got {port!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ConfigurationError(f"seed must be an int or None, got {seed!r}")
        if retry_after not in get_args(RetryAfterMode):
            raise ConfigurationError(
                f"retry_after must be one of {get_args(RetryAfterMode)}, got {retry_after!r}"
            )
        if not callable(clock):
            raise ConfigurationError("clock must be a callable returning seconds (a float)")
        self.host = host.strip()
        self.requested_port = port
        self.tls = tls
        self._config = IngestConfig(
            accepted_credentials=_credentials(accepted_credentials),
            reject=_reject_rule(reject),
            retry_after=retry_after,
            penalty=_seconds("penalty", penalty),
            latency=_seconds("latency", latency),
            slow_delay=_seconds("slow_delay", slow_delay),
            timeout_hold=_seconds("timeout_hold", timeout_hold),
        )
        limiter = None
        if rate_limit is not None:
            limiter = RateLimiter(rate_limit, burst=burst, penalty=penalty, clock=clock)
        self._service = IngestService(
            self._config, Recorder(), FaultPlan(faults, fault_rates, seed), limiter
        )
        self._lifecycle = threading.Lock()
        self._server: SandboxHTTPServer | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Sandbox:
        """Listen and serve in background threads (no-op when running); returns ``self``."""
        with self._lifecycle:
            if self._server is not None:
                return self
            try:
                server = SandboxHTTPServer(self.host, self.requested_port, self._service, self.tls)
            except OSError as exc:
                raise ConfigurationError(
                    f"The sandbox cannot listen on {self.host}:{self.requested_port} "
                    f"({exc.strerror or exc}); choose another port, or port=0 for a free one"
                ) from exc
            server.start()
            self._server = server
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: close every socket, cut holds short and join every thread."""
        with self._lifecycle:
            server, self._server = self._server, None
        if server is None:
            return
        stuck = server.stop(timeout)
        if stuck:  # pragma: no cover - only if a handler ignores the stop signal
            logger.warning("sandbox: %d thread(s) did not stop within %ss", len(stuck), timeout)

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the sandbox is listening."""
        return self._server is not None

    @property
    def rate_limit(self) -> float | None:
        """Requests/s allowed per client address (``None``: no limit)."""
        limiter = self._service.limiter
        return None if limiter is None else limiter.rate

    @property
    def port(self) -> int:
        """The port it listens on (the real one when started with port 0)."""
        return self._running_server().server_port

    @property
    def url(self) -> str:
        """Base URL, e.g. ``http://127.0.0.1:53127``."""
        return self._running_server().base_url

    @property
    def ingest_url(self) -> str:
        """``{url}/api/ingest``: where a sender posts."""
        return self.url + schema.INGEST_PATH

    def _running_server(self) -> SandboxHTTPServer:
        server = self._server
        if server is None:
            raise ConfigurationError(
                "The sandbox is not running: call start() or use `with Sandbox() as sb:`"
            )
        return server

    # -- inspection -------------------------------------------------------------------------
    @property
    def events(self) -> list[dict[str, Any]]:
        """Accepted, de-duplicated event bodies (``{"ev": ...}``) in arrival order (a copy)."""
        return self._service.recorder.events()

    @property
    def all_events(self) -> list[dict[str, Any]]:
        """Every accepted event body, duplicates included, in arrival order (a copy)."""
        return self._service.recorder.events(include_duplicates=True)

    def event_records(self, *, all: bool = False) -> list[dict[str, Any]]:
        """Accepted events with ``request``, ``received_at``, ``org_id``, ``activity_id``,
        ``duplicate`` and ``event``; ``all=True`` includes the duplicates."""
        return self._service.recorder.event_records(include_duplicates=all)

    @property
    def requests(self) -> list[dict[str, Any]]:
        """The ingest request log, by request number: ``status``, ``error``, ``fault``,
        ``events``, ``accepted``, ``duplicates``, ``warnings``, ``problems``, ``org_id``,
        ``key`` (masked), ``client_type``, ``client_version``, ``client``, ``received_at``."""
        return self._service.recorder.requests()

    def stats(self) -> dict[str, Any]:
        """Counters: ``requests``, ``by_status`` ({202: n, ...}), ``faults``,
        ``rate_limited``, ``events_received``, ``events_accepted`` (unique),
        ``duplicates``, ``warnings``."""
        return self._service.recorder.stats()

    def reset(self) -> None:
        """Forget recorded events, requests, counters and rate-limit state."""
        self._service.reset()

    def inject(self, *faults: FaultKind) -> None:
        """Append faults to the script for the next ingest requests."""
        self._service.plan.inject(faults)

    @property
    def pending_faults(self) -> list[FaultKind]:
        """Scripted faults not used yet."""
        return self._service.plan.pending()

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"Sandbox({where})"


def _seconds(name: str, value: object) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not (math.isfinite(value) and value >= 0)
    ):
        raise ConfigurationError(f"{name} must be a number of seconds >= 0, got {value!r}")
    return float(value)


def _credentials(value: Credentials | None) -> frozenset[tuple[str, str]] | None:
    if value is None:
        return None
    if _is_credentials(value):
        value = [value]
    pairs = value.items() if isinstance(value, Mapping) else value
    if isinstance(pairs, str) or not isinstance(pairs, Iterable):
        raise ConfigurationError(
            "accepted_credentials must be a Credentials object, a list of them, "
            f"(org_id, key) pairs or {{org_id: key}}; got a {type(value).__name__}"
        )
    out = set()
    for pair in pairs:
        if _is_credentials(pair):
            pair = (pair.org_id, _key_text(pair.public_key))  # type: ignore[union-attr]
        if (
            not isinstance(pair, tuple | list)
            or len(pair) != 2
            or not all(isinstance(x, str) and x.strip() for x in pair)
        ):
            raise ConfigurationError(
                "accepted_credentials must hold Credentials or (org_id, key) pairs of "
                "non-empty strings"
            )
        out.add((pair[0].strip(), pair[1].strip()))
    return frozenset(out)


def _is_credentials(value: object) -> bool:
    key = getattr(value, "public_key", None)
    return isinstance(getattr(value, "org_id", None), str) and (
        isinstance(key, str) or callable(getattr(key, "reveal", None))
    )


def _key_text(key: object) -> object:
    """A key as text: a Credentials' SecretKey is revealed (the sandbox must compare it)."""
    reveal = getattr(key, "reveal", None)
    return reveal() if callable(reveal) else key


def _reject_rule(value: Reject) -> Callable[[dict[str, Any]], bool] | None:
    """``reject=`` as a predicate on one event (activity IDs become a set lookup)."""
    if value is None:
        return None
    if callable(value):
        return value
    if isinstance(value, str) or not isinstance(value, Iterable):
        raise ConfigurationError(
            "reject must be activity IDs (e.g. reject=['1007']) or a function of the event "
            f"dict returning True to refuse it; got {value!r}"
        )
    ids = frozenset(str(v) for v in value)

    def by_id(event: dict[str, Any]) -> bool:
        return str(event.get("ev", {}).get("payload", {}).get("activityId")) in ids

    return by_id
