"""HTTP transport to Seeka's ingest endpoint (layer 3): one seam for every request.

``HttpxTransport`` posts encoded bodies through an ``httpx`` transport (TLS verification
on, redirects never followed, so the key never goes to another host), reads at most
``MAX_RESPONSE_BODY_RECORDED`` bytes of any answer, and turns network failures into a
:class:`TransportFailure` with a kind the send pipeline classifies (``timeout``,
``connect``, ``reset``, ``network``, ``proxy``; ``tls`` when the server's certificate is not
trusted; proxy and CA bundle come from :mod:`seeka_nb.adapters.network`). ``timeout`` bounds
the *whole* request, not only each read (httpx's timeouts are per operation, so a server
trickling a byte at a time would otherwise hold a request for ever). Once the status line
and headers are in, the status is the answer: a body cut short by the deadline or a dropped
connection is kept as far as it was read (a 202 whose body never finished is still an
acceptance; retrying it would only send the events twice). Tests inject their own ``httpx``
transport (or a whole :class:`Transport`) to reach the local sandbox or to script failures.

Requests go straight to the transport (``handle_async_request``, httpx's public transport
API), not through ``AsyncClient.send``: a send posts thousands of requests, and the
client's layers (URL merging, cookies, the auth and redirect machinery, event hooks) cost
about a third of httpx's time per request, for features this endpoint never uses.  What
the client would add is added here: its default headers, the per-operation timeouts, the
proxy and TLS settings of its transport.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ..schema import HEADER_RETRY_AFTER, HEADER_RETRY_AFTER_MS, MAX_RESPONSE_BODY_RECORDED

_KEPT_HEADERS = (HEADER_RETRY_AFTER, HEADER_RETRY_AFTER_MS, "Content-Type", "Location")
#: The headers ``httpx.AsyncClient`` sends by default (the request's own ones come after).
_CLIENT_HEADERS = {
    "Accept": "*/*",
    "Accept-Encoding": "gzip, deflate",
    "Connection": "keep-alive",
    "User-Agent": f"python-httpx/{httpx.__version__}",
}


@dataclass(frozen=True)
class Response:
    """What the pipeline keeps of an answer: status, a few headers, the start of the body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = field(default=b"", repr=False)  # may quote personal data back


class TransportFailure(Exception):
    """No HTTP answer: ``kind`` is ``timeout``, ``connect``, ``reset`` or ``network``.

    Internal to the send pipeline (it becomes a retry or an order's ``error``), so it is
    not a :class:`~seeka_nb.errors.SeekaError`.  Messages never include headers.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Transport(Protocol):
    """The seam the send pipeline talks to."""

    async def post(
        self, url: str, content: bytes | memoryview, headers: Mapping[str, object]
    ) -> Response:
        """POST ``content``; return the answer or raise :class:`TransportFailure`."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


def _tls_failure(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def split_headers(headers: Mapping[str, object]) -> tuple[dict[str, str], dict[str, object]]:
    """Plain header values, and the secret ones (kept wrapped until the request is sent)."""
    plain = {k: v for k, v in headers.items() if isinstance(v, str)}
    return plain, {k: v for k, v in headers.items() if not isinstance(v, str)}


def _classify(exc: httpx.HTTPError) -> TransportFailure:
    tls = _tls_failure(exc)
    if tls is not None:
        return TransportFailure(
            "tls",
            f"the server's TLS certificate was not accepted ({tls.verify_message}). If your "
            "network inspects TLS, set SSL_CERT_FILE to your organisation's CA bundle or "
            "use the system trust store (truststore=True, --truststore).",
        )
    if isinstance(exc, httpx.ProxyError):
        return TransportFailure("proxy", f"the proxy refused or failed the request ({exc})")
    if isinstance(exc, httpx.TimeoutException):
        return TransportFailure("timeout", f"no answer in time ({type(exc).__name__})")
    if isinstance(exc, httpx.ConnectError):
        return TransportFailure("connect", "could not connect to the endpoint")
    if isinstance(exc, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError):
        return TransportFailure("reset", f"connection closed or reset ({type(exc).__name__})")
    return TransportFailure("network", f"network error ({type(exc).__name__})")


class HttpxTransport:
    """:class:`Transport` over an ``httpx`` transport (see the module docstring)."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_connections: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        if transport is None:
            transport = httpx.AsyncHTTPTransport(
                verify=verify,
                limits=httpx.Limits(
                    max_connections=max_connections, max_keepalive_connections=max_connections
                ),
                proxy=proxy,
                trust_env=False,
            )
        self._transport = transport
        self._timeout = timeout
        self._timeouts = httpx.Timeout(timeout).as_dict()
        self._urls: dict[str, httpx.URL] = {}  # parsed once per endpoint

    def _url(self, url: str) -> httpx.URL:
        parsed = self._urls.get(url)
        if parsed is None:
            parsed = self._urls[url] = httpx.URL(url)
        return parsed

    async def post(
        self, url: str, content: bytes | memoryview, headers: Mapping[str, object]
    ) -> Response:
        deadline = asyncio.get_running_loop().time() + self._timeout
        plain, hidden = split_headers(headers)
        try:
            request = httpx.Request(
                "POST",
                self._url(url),
                headers={**_CLIENT_HEADERS, **plain},
                content=bytes(content),
                extensions={"timeout": self._timeouts},
            )
        except httpx.HTTPError as exc:  # an URL httpx cannot send to
            raise _classify(exc) from None
        try:
            async with asyncio.timeout_at(deadline):
                answer = await self._send(request, hidden)
        except TimeoutError:
            raise TransportFailure(
                "timeout", f"no complete answer within {self._timeout:g}s"
            ) from None
        except httpx.HTTPError as exc:
            raise _classify(exc) from None
        kept = {h: answer.headers[h] for h in _KEPT_HEADERS if h in answer.headers}
        body = bytearray()
        try:
            async with asyncio.timeout_at(deadline):
                async for chunk in answer.aiter_bytes():
                    body += chunk
                    if len(body) >= MAX_RESPONSE_BODY_RECORDED:
                        break
        except (TimeoutError, httpx.HTTPError):
            pass  # the status is in; a body cut short by time or the network is kept as read
        finally:
            with contextlib.suppress(httpx.HTTPError, OSError):
                await answer.aclose()
        return Response(answer.status_code, kept, bytes(body[:MAX_RESPONSE_BODY_RECORDED]))

    async def _send(self, request: httpx.Request, hidden: Mapping[str, object]) -> httpx.Response:
        """Send ``request`` with the secret headers (values with a ``reveal()``, e.g. the
        key) added as it is written and taken off again once the answer is in: no frame of
        ours holds the key in clear while a request is in flight."""
        for name, secret in hidden.items():
            request.headers[name] = secret.reveal()  # type: ignore[attr-defined]
        try:
            return await self._transport.handle_async_request(request)
        finally:
            for name in hidden:
                request.headers.pop(name, None)

    async def aclose(self) -> None:
        await self._transport.aclose()
