"""HTTP/1.1 request handler of the sandbox: framing, routing, executing decisions.

Owns everything that touches the connection: reading request bodies (``Content-Length``
or chunked, capped at ``MAX_BODY_BYTES``), keep-alive, the routes below, and carrying out
an ingest :class:`~.ingest.Decision` - wait (latency, ``slow``), answer, reset the
connection with a TCP RST, or hold it unanswered (``timeout``; ``stop()`` cuts it short).

Routes (JSON in, JSON out):

=======  =========================  =====================================================
POST     ``/api/ingest``            the Seeka ingest endpoint (see ``ingest.py``)
GET      ``/_sandbox``              index: ingest URL and these routes
GET      ``/_sandbox/events``       unique accepted events with metadata; ``?all=1`` also
                                    the duplicates
GET      ``/_sandbox/requests``     the request log (never the key; at most ``••••`` + 4)
GET      ``/_sandbox/stats``        counters (requests by status, faults, events, ...)
GET      ``/_sandbox/faults``       scripted faults still pending, and the random rates
POST     ``/_sandbox/faults``       ``{"faults": [500, "reset", ...]}`` appends to the script
POST     ``/_sandbox/reset``        forget all recordings and rate-limit state
=======  =========================  =====================================================

The ``/_sandbox`` routes are not rate limited, faulted or logged.
"""

from __future__ import annotations

import json
import logging
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from seeka_nb import schema
from seeka_nb.errors import ConfigurationError

from .faults import parse_fault

if TYPE_CHECKING:
    from .httpserver import SandboxHTTPServer

__all__ = ["MAX_BODY_BYTES", "SandboxHandler"]

logger = logging.getLogger("seeka_nb.sandbox")

MAX_BODY_BYTES = 5 * 1024 * 1024  # 20 events never need more; larger -> 413 and close
IDLE_TIMEOUT = 30.0  # seconds an idle keep-alive connection is kept open
CONTROL_PREFIX = "/_sandbox"
GET_ROUTES = ("", "/", "/events", "/requests", "/stats", "/faults")
POST_ROUTES = ("/reset", "/faults")
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class _BodyError(Exception):
    """The request body cannot be read; answer ``status`` and close the connection."""

    def __init__(self, status: int | None, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SandboxHandler(BaseHTTPRequestHandler):
    """One connection; handles requests on it until the client or the sandbox closes it."""

    protocol_version = "HTTP/1.1"
    server_version = "SeekaSandbox/1"
    sys_version = ""
    disable_nagle_algorithm = True
    wbufsize = 64 * 1024  # headers and body leave in one write
    timeout = IDLE_TIMEOUT
    server: SandboxHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("%s %s", self.address_string(), format % args)

    def handle_expect_100(self) -> bool:
        """Answer ``Expect: 100-continue`` at once (the write buffer would hold it back)."""
        proceed = super().handle_expect_100()
        self.wfile.flush()
        return proceed

    # -- routing ------------------------------------------------------------------------
    def do_POST(self) -> None:
        path, _ = self._split_path()
        try:
            body = self._read_body()
        except _BodyError as exc:
            self.close_connection = True
            if path == schema.INGEST_PATH and exc.status is not None:
                service = self.server.service
                decision = service.refuse(
                    self.client_address[:2],
                    self._lower_headers(),
                    exc.status,
                    exc.code,
                    exc.message,
                )
                self._send_json(decision.status or exc.status, decision.body or {})
            elif exc.status is not None:
                self._send_json(exc.status, {"error": exc.code, "message": exc.message})
            return
        if path == schema.INGEST_PATH:
            self._ingest(body)
        elif path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :] in POST_ROUTES:
            self._control_post(path[len(CONTROL_PREFIX) :], body)
        elif path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :] in GET_ROUTES:
            self._not_allowed("GET")
        else:
            self._not_found(path)

    def do_GET(self) -> None:
        path, query = self._split_path()
        self._discard_body()
        if path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :] in GET_ROUTES:
            self._control_get(path[len(CONTROL_PREFIX) :], query)
        elif path == schema.INGEST_PATH or (
            path.startswith(CONTROL_PREFIX) and path[len(CONTROL_PREFIX) :] in POST_ROUTES
        ):
            self._not_allowed("POST")
        else:
            self._not_found(path)

    def _other_method(self) -> None:
        path, _ = self._split_path()
        self._discard_body()
        if path == schema.INGEST_PATH:
            self._not_allowed("POST")
        else:
            self._not_found(path)

    do_PUT = do_DELETE = do_PATCH = _other_method

    # -- ingest ---------------------------------------------------------------------------
    def _ingest(self, body: bytes) -> None:
        service = self.server.service
        headers = self._lower_headers()
        ticket = service.begin(self.client_address[0], self.client_address[1])
        delay = service.delay_for(ticket)
        if delay > 0 and self.server.stopping.wait(delay):
            service.abort(ticket, headers, "sandbox_stopped")
            self.close_connection = True
            return
        decision = service.decide(ticket, headers, body)
        if decision.action == "reset":
            self.close_connection = True
            self.server.reset_on_close(self.connection)
        elif decision.action == "timeout":
            self.server.stopping.wait(decision.hold)
            self.close_connection = True  # close without ever answering
        else:
            assert decision.status is not None
            self._send_json(decision.status, decision.body or {}, decision.headers)

    # -- control endpoints ------------------------------------------------------------------
    def _control_get(self, route: str, query: dict[str, list[str]]) -> None:
        service = self.server.service
        if route in ("", "/"):
            base = self.server.base_url
            self._send_json(
                200,
                {
                    "ingest_url": base + schema.INGEST_PATH,
                    "routes": {
                        "POST /api/ingest": "Seeka ingest endpoint",
                        "GET /_sandbox/events": "unique accepted events (?all=1: with duplicates)",
                        "GET /_sandbox/requests": "request log",
                        "GET /_sandbox/stats": "counters",
                        "GET /_sandbox/faults": "pending scripted faults and random rates",
                        "POST /_sandbox/faults": '{"faults": [...]}: append to the script',
                        "POST /_sandbox/reset": "forget recordings and rate-limit state",
                    },
                },
            )
        elif route == "/events":
            everything = (query.get("all") or ["0"])[-1].lower() in TRUE_WORDS
            records = service.recorder.event_records(include_duplicates=everything)
            self._send_json(200, {"all": everything, "count": len(records), "events": records})
        elif route == "/requests":
            entries = service.recorder.requests()
            self._send_json(200, {"count": len(entries), "requests": entries})
        elif route == "/stats":
            self._send_json(200, service.recorder.stats())
        else:  # /faults
            self._send_json(200, self._faults_state())

    def _control_post(self, route: str, body: bytes) -> None:
        service = self.server.service
        if route == "/reset":
            service.reset()
            self._send_json(200, {"status": "reset"})
            return
        try:
            parsed = json.loads(body.decode("utf-8") or "null")
            items = parsed.get("faults") if isinstance(parsed, dict) else None
            if not isinstance(items, list):
                raise ConfigurationError('send {"faults": [500, "reset", ...]}')
            service.plan.inject(parse_fault(x) for x in items)
        except (ValueError, ConfigurationError) as exc:  # JSONDecodeError is a ValueError
            self._send_json(400, {"error": "invalid_faults", "message": str(exc)})
            return
        self._send_json(200, self._faults_state())

    def _faults_state(self) -> dict[str, Any]:
        plan = self.server.service.plan
        return {"pending": plan.pending(), "rates": {str(k): p for k, p in plan.rates.items()}}

    # -- framing ----------------------------------------------------------------------------
    def _split_path(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path, parse_qs(parts.query)

    def _lower_headers(self) -> dict[str, str]:
        return {name.lower(): value for name, value in self.headers.items()}

    def _read_body(self) -> bytes:
        encoding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if encoding:
            if encoding != "chunked":
                raise _BodyError(
                    400,
                    "unsupported_transfer_encoding",
                    f"Transfer-Encoding {encoding!r} is not supported",
                )
            return self._read_chunked()
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            return b""  # a request without Content-Length or chunking has no body
        try:
            length = int(length_text)
        except ValueError:
            length = -1
        if length < 0:
            raise _BodyError(400, "invalid_content_length", "Content-Length is not a number")
        if length > MAX_BODY_BYTES:
            raise _BodyError(
                413, "body_too_large", f"body of {length} bytes exceeds {MAX_BODY_BYTES}"
            )
        data = self.rfile.read(length)
        if len(data) < length:
            raise _BodyError(None, "client_gone", "connection closed mid-body")
        return data

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            if not line:
                raise _BodyError(None, "client_gone", "connection closed mid-body")
            try:
                size = int(line.split(b";", 1)[0].strip(), 16)
            except ValueError:
                raise _BodyError(400, "invalid_chunk", "malformed chunk size") from None
            if size == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # skip trailers
                return b"".join(parts)
            total += size
            if total > MAX_BODY_BYTES:
                raise _BodyError(413, "body_too_large", f"body exceeds {MAX_BODY_BYTES} bytes")
            chunk = self.rfile.read(size)
            self.rfile.readline(1024)  # the CRLF after the chunk
            if len(chunk) < size:
                raise _BodyError(None, "client_gone", "connection closed mid-body")
            parts.append(chunk)

    def _discard_body(self) -> None:
        try:
            self._read_body()
        except _BodyError:
            self.close_connection = True

    def _send_json(
        self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection or self.server.stopping.is_set():
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def _not_found(self, path: str) -> None:
        self._send_json(
            404,
            {
                "error": "not_found",
                "message": f"no route {path[:100]!r}; POST {schema.INGEST_PATH}",
            },
        )

    def _not_allowed(self, allowed: str) -> None:
        self._send_json(
            405, {"error": "method_not_allowed", "message": f"use {allowed}"}, {"Allow": allowed}
        )
