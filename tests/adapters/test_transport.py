"""HttpxTransport: what goes on the wire, and the key only while the request is written."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from seeka_nb import Credentials
from seeka_nb.adapters.transport import HttpxTransport, TransportFailure

KEY = "pk_test_transport_key_0001"
URL = "https://ingest.example.test/api/ingest"


def _post(transport: HttpxTransport, body: bytes = b'{"data":[]}'):
    creds = Credentials("org-1", KEY, endpoint=URL)

    async def main():
        try:
            return await transport.post(URL, memoryview(body), creds.request_headers())
        finally:
            await transport.aclose()

    return asyncio.run(main())


def test_request_carries_the_client_headers_the_key_and_the_timeouts() -> None:
    seen: list[tuple[httpx.Request, dict[str, str], bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request, dict(request.headers), request.read()))
        return httpx.Response(
            202,
            content=b'{"ok":true}',
            headers={"Retry-After": "3", "Content-Type": "application/json"},
        )

    answer = _post(HttpxTransport(timeout=7, transport=httpx.MockTransport(handler)))
    assert answer.status == 202 and answer.body == b'{"ok":true}'
    assert answer.headers == {"Retry-After": "3", "Content-Type": "application/json"}
    request, headers, body = seen[0]
    assert body == b'{"data":[]}' and request.method == "POST" and str(request.url) == URL
    assert headers["x-converge-key"] == KEY and headers["x-orgid"] == "org-1"
    assert headers["content-type"].startswith("application/json")
    assert headers["content-length"] == str(len(body)) and headers["host"] == "ingest.example.test"
    assert headers["user-agent"] == f"python-httpx/{httpx.__version__}"  # as AsyncClient sends
    assert headers["accept"] == "*/*" and headers["connection"] == "keep-alive"
    assert request.extensions["timeout"] == {"connect": 7, "read": 7, "write": 7, "pool": 7}
    # once the answer is in, the request object no longer holds the key
    assert "x-converge-key" not in request.headers
    assert KEY not in repr(request.headers)


def test_key_is_taken_off_the_request_when_the_transport_fails() -> None:
    kept: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        kept.append(request)
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(TransportFailure) as failure:
        _post(HttpxTransport(timeout=5, transport=httpx.MockTransport(handler)))
    assert failure.value.kind == "connect"
    assert "x-converge-key" not in kept[0].headers


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (httpx.ReadTimeout, "timeout"),
        (httpx.RemoteProtocolError, "reset"),
        (httpx.ReadError, "reset"),
        (httpx.ProxyError, "proxy"),
        (httpx.UnsupportedProtocol, "network"),
    ],
)
def test_network_failures_are_classified(error: type[httpx.HTTPError], kind: str) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request) if error is not httpx.ProxyError else error("boom")

    with pytest.raises(TransportFailure) as failure:
        _post(HttpxTransport(timeout=5, transport=httpx.MockTransport(handler)))
    assert failure.value.kind == kind


def test_an_answer_body_is_kept_up_to_the_recorded_maximum() -> None:
    from seeka_nb.schema import MAX_RESPONSE_BODY_RECORDED

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, content=b"x" * (3 * MAX_RESPONSE_BODY_RECORDED))

    answer = _post(HttpxTransport(timeout=5, transport=httpx.MockTransport(handler)))
    assert answer.status == 400 and answer.body == b"x" * MAX_RESPONSE_BODY_RECORDED
