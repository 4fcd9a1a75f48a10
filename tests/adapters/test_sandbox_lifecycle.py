"""Start/stop cycles, clean shutdown with open connections, and concurrent clients."""

from __future__ import annotations

import socket
import threading
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from seeka_nb.adapters.sandbox import Sandbox
from seeka_nb.errors import ConfigurationError

pytestmark = pytest.mark.timeout(60)


def test_context_manager_serves_then_closes_the_port(headers, body_factory, port_closed, http):
    before = set(threading.enumerate())
    with Sandbox() as sb:
        assert sb.running and sb.url == f"http://127.0.0.1:{sb.port}"
        assert sb.ingest_url == f"{sb.url}/api/ingest"
        assert http.post(sb.ingest_url, json=body_factory("a"), headers=headers).status_code == 202
        port = sb.port
    assert not sb.running
    assert port_closed(port)
    assert set(threading.enumerate()) == before
    assert len(sb.events) == 1  # recordings outlive the server


def test_many_start_stop_cycles_leave_nothing_behind(headers, body_factory, port_closed):
    before = set(threading.enumerate())
    with httpx.Client(headers=headers) as client:
        for i in range(25):
            sb = Sandbox(rate_limit=None).start()
            assert sb.start() is sb  # starting twice is a no-op
            assert client.post(sb.ingest_url, json=body_factory(f"o{i}")).status_code == 202
            port = sb.port
            sb.stop()  # the client still holds an idle keep-alive connection to it
            sb.stop()  # stopping twice is a no-op
            assert port_closed(port)
            assert set(threading.enumerate()) == before


def test_a_sandbox_can_be_restarted_and_keeps_its_recordings(headers, body_factory, http):
    sb = Sandbox(rate_limit=None)
    for name in ("first", "second"):
        with sb:
            assert (
                http.post(sb.ingest_url, json=body_factory(name), headers=headers).status_code
                == 202
            )
    assert [e["ev"]["payload"]["activityId"] for e in sb.events] == ["first", "second"]


def test_restart_on_the_same_fixed_port(headers, body_factory, port_closed, http):
    with Sandbox() as probe:
        port = probe.port
    for _ in range(3):
        with Sandbox(port=port) as sb:
            assert sb.port == port
            assert (
                http.post(sb.ingest_url, json=body_factory("a"), headers=headers).status_code == 202
            )
    assert port_closed(port)


def test_a_busy_port_is_a_configuration_error():
    with Sandbox() as sb, pytest.raises(ConfigurationError, match="choose another port"):
        Sandbox(port=sb.port).start()


def test_url_of_a_stopped_sandbox_says_how_to_start_it():
    sb = Sandbox()
    with pytest.raises(ConfigurationError, match=r"call start\(\)"):
        _ = sb.url
    assert repr(sb) == "Sandbox(stopped)"


def test_stop_closes_idle_and_half_sent_connections(sb, port_closed):
    idle = socket.create_connection(("127.0.0.1", sb.port))
    partial = socket.create_connection(("127.0.0.1", sb.port))
    partial.sendall(b"POST /api/ingest HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
    with httpx.Client() as client:  # both connections are being served by now
        assert client.get(f"{sb.url}/_sandbox/stats").status_code == 200
    port = sb.port
    sb.stop()
    for conn in (idle, partial):
        conn.settimeout(5)
        assert conn.recv(1) == b""
        conn.close()
    assert port_closed(port)


def test_concurrent_clients_lose_and_double_count_nothing(sb, headers, body_factory):
    threads, per_thread, per_request = 8, 15, 10

    def worker(t: int) -> list[int]:
        codes = []
        with httpx.Client(headers=headers) as client:
            for r in range(per_thread):
                ids = [f"t{t}-r{r}-e{e}" for e in range(per_request)]
                ids[-1] = f"shared-{r}"  # the same ID sent by every thread: duplicates
                codes.append(client.post(sb.ingest_url, json=body_factory(*ids)).status_code)
        return codes

    with ThreadPoolExecutor(max_workers=threads) as pool:
        results = list(pool.map(worker, range(threads)))
    assert all(code == 202 for codes in results for code in codes)
    total = threads * per_thread * per_request
    unique = threads * per_thread * (per_request - 1) + per_thread
    stats = sb.stats()
    assert stats["requests"] == threads * per_thread
    assert stats["by_status"] == {202: threads * per_thread}
    assert stats["events_received"] == total == len(sb.all_events)
    assert stats["events_accepted"] == unique == len(sb.events)
    assert stats["duplicates"] == total - unique
    ids = [e["ev"]["payload"]["activityId"] for e in sb.events]
    assert len(ids) == len(set(ids))
    assert sorted(r["request"] for r in sb.requests) == list(range(1, threads * per_thread + 1))


def test_concurrent_clients_share_the_rate_limit_of_their_address(
    sandbox_factory, headers, body_factory, clock
):
    sb = sandbox_factory(rate_limit=10, clock=clock)

    def worker(_: int) -> list[int]:
        with httpx.Client(headers=headers) as client:
            return [client.post(sb.ingest_url, json=body_factory("a")).status_code
                    for _ in range(5)]  # fmt: skip

    with ThreadPoolExecutor(max_workers=4) as pool:
        codes = [c for chunk in pool.map(worker, range(4)) for c in chunk]
    assert codes.count(202) == 10 and codes.count(429) == 10


def test_ipv6_loopback(headers, body_factory, http):
    if not socket.has_ipv6:
        pytest.skip("no IPv6 in this Python")
    try:
        sb = Sandbox(host="::1").start()
    except ConfigurationError:
        pytest.skip("::1 is not available here")
    try:
        assert sb.url == f"http://[::1]:{sb.port}"
        assert http.post(sb.ingest_url, json=body_factory("a"), headers=headers).status_code == 202
    finally:
        sb.stop()
