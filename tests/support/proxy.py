"""Provide :class:`HoldingProxy`: a loopback HTTP proxy that can hold a request in flight.

It forwards every request to a target base URL and passes the answer back. ``hold(path,
when=...)`` makes it stop on the next request whose path starts with ``path``: ``"before"``
holds it before it reaches the target (nothing happens there), ``"after"`` forwards it and
holds the answer (the work is done, the client never hears of it). A test waits for
``held`` and then kills the client process: a crash at exactly that moment.
"""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from tests.support.quiet import QuietHTTPServer

_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class HoldingProxy:
    def __init__(self, target: str) -> None:
        parts = urlsplit(target)
        self.target_host, self.target_port = parts.hostname or "127.0.0.1", parts.port or 80
        self.held = threading.Event()
        self.forwarded: list[tuple[str, str]] = []
        self._hold: tuple[str, str] | None = None
        self._release = threading.Event()
        self._lock = threading.Lock()
        self._httpd = QuietHTTPServer(("127.0.0.1", 0), self._handler())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02},
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def hold(self, path: str, *, when: str) -> None:
        if when not in ("before", "after"):
            raise ValueError(when)
        with self._lock:
            self._hold = (path, when)
            self.held.clear()
            self._release.clear()

    def release(self) -> None:
        with self._lock:
            self._hold = None
        self._release.set()

    def start(self) -> HoldingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release()
        self._httpd.shutdown()
        self._httpd.server_close()

    def _take_hold(self, path: str) -> str | None:
        with self._lock:
            if self._hold and path.startswith(self._hold[0]) and not self.held.is_set():
                self.held.set()
                return self._hold[1]
        return None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                when = proxy._take_hold(self.path)
                if when == "before":
                    proxy._release.wait()
                    self.close_connection = True
                    return
                conn = http.client.HTTPConnection(proxy.target_host, proxy.target_port, timeout=60)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP}
                conn.request(self.command, self.path, body=body, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                proxy.forwarded.append((self.command, self.path))
                if when == "after":
                    proxy._release.wait()
                    self.close_connection = True
                    return
                self.send_response(answer.status, answer.reason)
                for key, value in answer.getheaders():
                    if key.lower() not in _HOP:
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                conn.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

            def log_message(self, format: str, *args: object) -> None:
                pass

        return Handler


@pytest.fixture
def pds_proxy(bsky_network) -> Iterator[HoldingProxy]:
    proxy = HoldingProxy(bsky_network.pds_url).start()
    yield proxy
    proxy.stop()
