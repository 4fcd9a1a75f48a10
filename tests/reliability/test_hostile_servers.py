"""Malicious and broken servers on loopback: the client stays within its timeouts and memory
and reports every batch correctly.

Each server (``raw_server.py``) reads one request per connection, then misbehaves in one
scripted way: huge bodies, invalid JSON, wrong content types, redirects to another host,
slowloris trickles, closing mid-response.
"""

from __future__ import annotations

import socket
import struct
import time
import tracemalloc

import pytest
from raw_server import Handler, answer, serving
from rel_support import KEY, Wrapper, make_orders

import seeka_nb
from seeka_nb import Credentials
from seeka_nb.adapters.transport import HttpxTransport, Response
from seeka_nb.pipeline.messages import MAX_ERROR_CHARS
from seeka_nb.pipeline.runner import Seams
from seeka_nb.schema import MAX_RESPONSE_BODY_RECORDED

TIMEOUT = 0.3  # the client's timeout in these tests


def _other_host() -> str:
    """Another loopback address (Linux routes all of 127/8); else another port of this one."""
    try:
        with socket.socket() as probe:
            probe.bind(("127.0.0.2", 0))
    except OSError:
        return "127.0.0.1"
    return "127.0.0.2"


OTHER_HOST = _other_host()
LINGER_RST = struct.pack("ii", 1, 0)  # SO_LINGER on, 0 s: close() sends a TCP RST


class Keeping(Wrapper):
    """Records every answer the transport returned (to check what it kept of bodies)."""

    def __init__(self) -> None:
        super().__init__(HttpxTransport(timeout=TIMEOUT))
        self.answers: list[Response] = []

    async def post(self, url: str, content: bytes, headers: dict[str, str]) -> Response:
        reply = await self.inner.post(url, content, headers)
        self.answers.append(reply)
        return reply


def send(
    server_url: str, fake_time, n: int = 20, **options
) -> tuple[seeka_nb.SendReport, Keeping, float]:
    events = make_orders(0, n).seeka.to_events()
    keeping = Keeping()
    seams = Seams(
        transport=lambda _: keeping,
        clock=fake_time.clock,
        sleep=fake_time.sleep,
        now=fake_time.wall,
    )
    creds = Credentials("org-hostile", KEY, endpoint=server_url)
    options = {"ledger": False, "rate": None, "timeout": TIMEOUT, "max_retries": 1, **options}
    started = time.perf_counter()
    report = events.send(creds, _seams=seams, **options)
    return report, keeping, time.perf_counter() - started


def assert_kept_little(keeping: Keeping) -> None:
    assert all(len(a.body) <= MAX_RESPONSE_BODY_RECORDED for a in keeping.answers)


def assert_short_errors(report: seeka_nb.SendReport) -> None:
    """The server's message is cut to MAX_ERROR_CHARS; "(after n attempts)" may follow."""
    for error in report.to_frame()["error"].dropna():
        assert len(error) <= MAX_ERROR_CHARS + len(" (after 99 attempts)")


# --- huge bodies -------------------------------------------------------------------------
HUGE = 512 * 1024 * 1024  # announced; the client must stop reading long before


@pytest.mark.parametrize(
    ("status", "expected"), [("202 Accepted", "sent"), ("500 Internal Server Error", "failed")]
)
def test_huge_body_is_cut_at_2kb(fake_time, caplog, status: str, expected: str) -> None:
    def huge(h: Handler) -> None:
        h.write(f"HTTP/1.1 {status}\r\nContent-Length: {HUGE}\r\n\r\n".encode())
        h.stream(HUGE)

    with serving(huge) as server:
        tracemalloc.start()
        try:
            report, keeping, _ = send(server.url, fake_time)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.counts[expected] == 20
    assert_kept_little(keeping)
    assert peak < 16 * 1024 * 1024  # the client never held the body
    assert server.written < 64 * 1024 * 1024  # it stopped reading early
    # the half-read body was closed, not left for a loop that is gone
    assert not [r for r in caplog.records if r.levelname == "ERROR"], caplog.text
    assert_short_errors(report)


def test_endless_chunked_body_is_cut(fake_time) -> None:
    def endless(h: Handler) -> None:
        h.write(b"HTTP/1.1 500 Oops\r\nTransfer-Encoding: chunked\r\n\r\n")
        while not h.server.stopping.is_set():
            h.write(b"10000\r\n" + b"y" * 0x10000 + b"\r\n")

    with serving(endless) as server:
        report, keeping, _ = send(server.url, fake_time)
    assert report.counts["failed"] == 20
    assert_kept_little(keeping)
    assert report.to_frame()["http_status"].eq(500).all()


def test_endless_headers_are_refused(fake_time) -> None:
    def endless(h: Handler) -> None:
        h.write(b"HTTP/1.1 202 Accepted\r\n")
        while not h.server.stopping.is_set():
            h.write(b"X-Filler: " + b"f" * 8000 + b"\r\n")

    with serving(endless) as server:
        tracemalloc.start()
        try:
            report, _, _ = send(server.url, fake_time)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
    assert report.counts["failed"] == 20  # never an answer: reset, retried, given up
    assert report.to_frame()["error"].str.startswith("reset").all()
    assert peak < 16 * 1024 * 1024


# --- bodies that are not what the contract promises ----------------------------------------
@pytest.mark.parametrize(
    ("reply", "expected", "http"),
    [
        (answer("202 Accepted", b"{not json", "application/json"), "sent", 202),
        (answer("202 Accepted", b"<html>ok</html>", "text/html"), "sent", 202),
        (answer("202 Accepted", b"\xff\xfe\x00garbage", "application/octet-stream"), "sent", 202),
        (answer("400 Bad Request", b"\x00\xff{{{", "text/plain"), "rejected", 400),
        (answer("503 Busy", b"<html>" + b"z" * 5000, "text/html"), "failed", 503),
        (answer("200 OK", b'{"ok": true}'), "failed", 200),
    ],
    ids=["bad-json", "html", "binary", "400-garbage", "503-html", "200-not-202"],
)
def test_odd_bodies_and_content_types(fake_time, reply: bytes, expected: str, http: int) -> None:
    with serving(lambda h: h.write(reply)) as server:
        report, keeping, _ = send(server.url, fake_time, n=8)
    assert report.counts[expected] == 8, report
    assert report.to_frame()["http_status"].eq(http).all()
    assert_kept_little(keeping)
    for error in report.to_frame()["error"].dropna():
        assert error.startswith(f"HTTP {http}")
    assert_short_errors(report)


# --- redirects ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "code", ["301 Moved", "302 Found", "303 See Other", "307 Temporary", "308 Permanent"]
)
def test_redirect_to_another_host_is_never_followed(fake_time, code: str) -> None:
    with serving(lambda h: h.write(answer("202 Accepted", b"{}")), host=OTHER_HOST) as elsewhere:
        moved = answer(code, b"", Location=elsewhere.url)
        with serving(lambda h: h.write(moved)) as server:
            report, _, _ = send(server.url, fake_time)
        assert elsewhere.seen == []  # the key never went to the other host
    assert len(server.seen) == 1  # and the redirect was not retried either
    assert report.counts["failed"] == 20
    assert report.to_frame()["http_status"].eq(int(code[:3])).all()


# --- slowloris -------------------------------------------------------------------------------
def test_trickled_status_line_is_bounded_by_the_timeout(fake_time) -> None:
    """Bytes keep coming (each within the per-read timeout) but never a whole answer."""
    slow = answer("202 Accepted", b"{}")

    with serving(lambda h: h.trickle(slow * 50)) as server:
        report, _, elapsed = send(server.url, fake_time)
    assert report.counts["failed"] == 20
    assert report.to_frame()["error"].str.contains("timeout").all()
    assert len(server.seen) == 2  # max_retries=1: two attempts
    assert elapsed < 2 * TIMEOUT + 3.0  # unbounded, the trickle would take minutes


@pytest.mark.parametrize(("status", "expected"), [("202 Accepted", "sent"), ("503 Busy", "failed")])
def test_trickled_body_after_the_status(fake_time, status: str, expected: str) -> None:
    """The status arrived; the body trickles.  The wait is bounded and the status counts."""

    def slow_body(h: Handler) -> None:
        h.write(f"HTTP/1.1 {status}\r\nContent-Length: 100000\r\n\r\n".encode())
        h.trickle(b"x" * 100000)

    with serving(slow_body) as server:
        report, keeping, elapsed = send(server.url, fake_time)
    assert report.counts[expected] == 20, report
    assert report.to_frame()["http_status"].eq(int(status[:3])).all()
    assert_kept_little(keeping)
    assert elapsed < 2 * TIMEOUT + 3.0
    assert len(server.seen) == (1 if expected == "sent" else 2)


# --- closing mid-response ----------------------------------------------------------------------
def test_close_mid_body_after_202_counts_as_sent(fake_time) -> None:
    """Seeka said 202 before the connection dropped: the events are accepted; resending
    them would only make duplicates."""

    def cut(h: Handler) -> None:
        h.write(b'HTTP/1.1 202 Accepted\r\nContent-Length: 500\r\n\r\n{"status": "acc')

    with serving(cut) as server:
        report, _, _ = send(server.url, fake_time)
    assert report.counts["sent"] == 20 and len(server.seen) == 1


@pytest.mark.parametrize(
    "reply",
    [b"", b"HTTP/1.1 20", b"HTTP/1.1 202 Accepted\r\nContent-Le"],
    ids=["nothing", "status", "headers"],
)
def test_close_before_the_answer_is_a_retried_reset(fake_time, reply: bytes) -> None:
    with serving(lambda h: h.write(reply)) as server:
        report, _, _ = send(server.url, fake_time)
    assert report.counts["failed"] == 20
    assert report.to_frame()["error"].str.startswith("reset").all()
    assert report.to_frame()["http_status"].isna().all()
    assert len(server.seen) == 2


def test_close_then_recover(fake_time) -> None:
    calls = []

    def flaky(h: Handler) -> None:
        calls.append(1)
        if len(calls) == 1:
            h.request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, LINGER_RST)
            return  # RST: no answer at all
        h.write(answer("202 Accepted", b"{}"))

    with serving(flaky) as server:
        report, _, _ = send(server.url, fake_time)
    assert report.counts["sent"] == 20
    assert report.to_frame()["attempts"].eq(2).all()
    assert len(server.seen) == 2
