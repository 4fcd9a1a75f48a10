"""HTTP transport to Seeka's ingest endpoint (layer 3): one seam for every request.

``HttpxTransport`` posts encoded bodies with an ``httpx.AsyncClient`` (TLS verification on,
redirects never followed, so the key never goes to another host), reads at most
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
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import Generator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import httpx

from ..schema import HEADER_RETRY_AFTER, HEADER_RETRY_AFTER_MS, MAX_RESPONSE_BODY_RECORDED

_KEPT_HEADERS = (HEADER_RETRY_AFTER, HEADER_RETRY_AFTER_MS, "Content-Type", "Location")


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


class _RevealAtSend(httpx.Auth):
    """Adds the secret headers (values with a ``reveal()``, e.g. the key) to the request
    as it is written, and takes them off again once the answer is in: no frame of ours
    holds the key in clear while a request is in flight."""

    def __init__(self, hidden: Mapping[str, object]) -> None:
        self._hidden = hidden

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        for name, secret in self._hidden.items():
            request.headers[name] = secret.reveal()  # type: ignore[attr-defined]
        yield request
        for name in self._hidden:
            request.headers.pop(name, None)


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
    """:class:`Transport` over ``httpx.AsyncClient`` (see the module docstring)."""

    def __init__(
        self,
        *,
        timeout: float = 30.0,
        max_connections: int = 16,
        transport: httpx.AsyncBaseTransport | None = None,
        proxy: str | None = None,
        verify: ssl.SSLContext | bool = True,
    ) -> None:
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout),
            follow_redirects=False,
            verify=verify,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            transport=transport,
            proxy=proxy,
            trust_env=False,
        )
        self._timeout = timeout

    async def post(
        self, url: str, content: bytes | memoryview, headers: Mapping[str, object]
    ) -> Response:
        deadline = asyncio.get_running_loop().time() + self._timeout
        plain, hidden = split_headers(headers)
        request = self._client.build_request("POST", url, content=bytes(content), headers=plain)
        try:
            async with asyncio.timeout_at(deadline):
                answer = await self._client.send(request, stream=True, auth=_RevealAtSend(hidden))
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

    async def aclose(self) -> None:
        await self._client.aclose()
