"""The sandbox's socket server: accepting, one thread per connection, clean shutdown.

Owns the lifecycle of sockets and threads.  It is a ``ThreadingHTTPServer`` whose accept
loop waits on the listening socket *and* a wake-up socket pair, so :meth:`stop` returns
at once instead of after a poll interval; it tracks every connection and its thread so
:meth:`stop` can unblock them (``shutdown(SHUT_RDWR)``), cut holds short (the ``stopping``
event) and join them: no thread or socket outlives :meth:`stop`.  Connections marked by
:meth:`reset_on_close` are closed with ``SO_LINGER`` 0, which sends a TCP RST.  With an
``ssl.SSLContext`` it serves HTTPS: each connection's TLS handshake runs in that
connection's own thread (a client that never finishes it holds only itself).
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import ssl
import struct
import sys
import threading
from http.server import ThreadingHTTPServer
from typing import Any

from .handler import SandboxHandler
from .ingest import IngestService

__all__ = ["SandboxHTTPServer"]

logger = logging.getLogger("seeka_nb.sandbox")


class SandboxHTTPServer(ThreadingHTTPServer):
    """HTTP/1.1 server with tracked connection threads and an interruptible accept loop."""

    daemon_threads = True  # a backstop only: stop() joins every connection thread
    block_on_close = False
    request_queue_size = 128
    allow_reuse_address = True

    #: Seconds a client has to finish the TLS handshake.
    HANDSHAKE_TIMEOUT = 10.0

    def __init__(
        self, host: str, port: int, service: IngestService, tls: ssl.SSLContext | None = None
    ) -> None:
        self.tls = tls
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host.strip("[]"), port), SandboxHandler)
        self.service = service
        self.stopping = threading.Event()
        self._conn_lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._reset: set[socket.socket] = set()
        self._wake_recv, self._wake_send = socket.socketpair()
        self._accept_thread: threading.Thread | None = None
        self.socket.setblocking(False)

    def server_bind(self) -> None:
        """Bind without ``HTTPServer``'s reverse-DNS lookup (slow on some machines)."""
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = port

    @property
    def base_url(self) -> str:
        """``http://host:port`` (``https://`` with TLS) of the listening socket."""
        host = self.server_name
        if ":" in host:
            host = f"[{host}]"
        return f"{'https' if self.tls else 'http'}://{host}:{self.server_port}"

    # -- accepting ------------------------------------------------------------------------
    def start(self) -> None:
        """Start the accept loop in a background thread."""
        self._accept_thread = threading.Thread(
            target=self._accept_loop, name=f"seeka-sandbox-{self.server_port}", daemon=True
        )
        self._accept_thread.start()

    def _accept_loop(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_recv, selectors.EVENT_READ)
            while not self.stopping.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self._wake_recv or self.stopping.is_set():
                        return
                    self._accept_one()

    def _accept_one(self) -> None:
        try:
            request, client_address = self.socket.accept()
        except (BlockingIOError, InterruptedError, ConnectionAbortedError):
            return
        except OSError:
            if not self.stopping.is_set():
                logger.exception("sandbox: accept failed")
            return
        request.setblocking(True)
        self.process_request(request, client_address)

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve one connection in its own tracked thread."""
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"seeka-sandbox-conn-{client_address[1]}",
            daemon=True,
        )
        with self._conn_lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: socket.socket, client_address: Any) -> None:
        try:
            if self.tls is not None:
                request = self._handshake(request)
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._conn_lock:
                self._connections.pop(request, None)
                self._reset.discard(request)

    def _handshake(self, raw: socket.socket) -> socket.socket:
        """Wrap a connection in TLS (the wrapped socket replaces the raw one in the
        tracking table, so :meth:`stop` can still unblock it)."""
        assert self.tls is not None
        raw.settimeout(self.HANDSHAKE_TIMEOUT)
        with self._conn_lock:
            thread = self._connections.pop(raw, None)
        wrapped = self.tls.wrap_socket(raw, server_side=True)
        wrapped.settimeout(None)
        with self._conn_lock:
            if thread is not None:
                self._connections[wrapped] = thread
        return wrapped

    def reset_on_close(self, request: socket.socket) -> None:
        """Close this connection with a TCP RST instead of a FIN once the handler ends."""
        with contextlib.suppress(OSError):
            request.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        with self._conn_lock:
            self._reset.add(request)

    def shutdown_request(self, request: Any) -> None:
        """Close a connection: FIN after the response, or RST when marked for reset."""
        with self._conn_lock:
            abrupt = request in self._reset
        if abrupt:
            self.close_request(request)  # SO_LINGER 0: the kernel sends RST
        else:
            super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Connection errors (client went away, sandbox stopping) are routine, not noise."""
        exc = sys.exc_info()[1]
        if isinstance(exc, OSError) or self.stopping.is_set():
            logger.debug("sandbox: connection from %s ended: %r", client_address, exc)
        else:
            logger.exception("sandbox: error handling a request from %s", client_address)

    # -- stopping -------------------------------------------------------------------------
    def stop(self, timeout: float = 5.0) -> list[threading.Thread]:
        """Stop accepting, unblock and join every connection; return threads still alive."""
        self.stopping.set()
        with contextlib.suppress(OSError):
            self._wake_send.send(b"x")
        if self._accept_thread is not None:
            self._accept_thread.join(timeout)
        self.server_close()
        with self._conn_lock:
            live = list(self._connections.items())
        for conn, _ in live:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)  # wakes a handler blocked in recv()
        stuck = []
        for _, thread in live:
            thread.join(timeout)
            if thread.is_alive():
                stuck.append(thread)
        if self._accept_thread is not None and self._accept_thread.is_alive():
            stuck.append(self._accept_thread)
        self._wake_recv.close()
        self._wake_send.close()
        return stuck
