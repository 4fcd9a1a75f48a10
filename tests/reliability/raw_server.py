"""Small loopback servers that misbehave on purpose (hostile-server and hygiene tests).

Each :class:`RawServer` is a ``socketserver`` thread pool that reads one request per
connection, records it in ``seen`` and then runs a scripted ``behaviour``; ``serving()``
starts one and stops it cleanly (wakes every trickling handler, joins every thread).
"""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Behaviour = Callable[["Handler"], None]


class Handler(socketserver.BaseRequestHandler):
    server: RawServer

    def handle(self) -> None:
        self.request.settimeout(10)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            head += chunk
        head, _, body = head.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        length = int(headers.get("content-length", "0"))
        while len(body) < length:
            chunk = self.request.recv(65536)
            if not chunk:
                return
            body += chunk
        with self.server.lock:
            self.server.seen.append({"line": lines[0], "headers": headers, "body": body})
        with contextlib.suppress(OSError):  # the client went away: the point of some behaviours
            self.server.behaviour(self)

    # --- helpers for behaviours --------------------------------------------------------
    def write(self, data: bytes) -> None:
        self.request.sendall(data)
        self.server.written += len(data)

    def trickle(self, data: bytes, every: float = 0.05) -> None:
        """One byte at a time until done, the client leaves, or the server stops."""
        for i in range(len(data)):
            if self.server.stopping.wait(every):
                return
            self.write(data[i : i + 1])

    def stream(self, total: int) -> None:
        """``total`` bytes of filler as fast as the client takes them."""
        block = b"x" * 65536
        sent = 0
        while sent < total and not self.server.stopping.is_set():
            self.write(block)
            sent += len(block)


class RawServer(socketserver.ThreadingTCPServer):
    daemon_threads = False
    block_on_close = True  # server_close() joins every handler thread
    allow_reuse_address = True

    def __init__(self, behaviour: Behaviour, host: str = "127.0.0.1") -> None:
        super().__init__((host, 0), Handler)
        self.behaviour = behaviour
        self.seen: list[dict] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.written = 0
        self.thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/api/ingest"


@contextmanager
def serving(behaviour: Behaviour, host: str = "127.0.0.1") -> Iterator[RawServer]:
    server = RawServer(behaviour, host)
    server.thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        server.thread.join(10)
        assert not server.thread.is_alive()


def answer(status: str, body: bytes, content_type: str = "application/json", **extra: str) -> bytes:
    head = [f"HTTP/1.1 {status}", f"Content-Type: {content_type}", f"Content-Length: {len(body)}"]
    head += [f"{k.replace('_', '-')}: {v}" for k, v in extra.items()]
    head.append("Connection: close")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body
