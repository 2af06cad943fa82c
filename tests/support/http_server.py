"""Provide :class:`LoopbackServer`, a tiny HTTP server on 127.0.0.1 for tests, and its fixture.

Each path gets canned answers: ``(status, headers, body)``, a list of them served in turn (the
last one repeats), or a function of the request. An answer can also never come (``hang``: the
connection stays open and silent until the server stops, so the client's timeout fires) or be
a dropped connection (``close``), or trickle in (``drip``: one byte of the body per ``drip``
seconds, each well within a client's read timeout). Every request is recorded.

    def test_feed(http_server):
        http_server.route("/feed", body=b"<rss>...</rss>", headers={"Content-Type": "text/xml"})
        read_feed(http_server.url("/feed"))
        assert http_server.requests[0].headers["User-Agent"].startswith("ml4sci-bot/")
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import urlsplit

import pytest

from tests.support.quiet import QuietHTTPServer


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str  # with the query string
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Answer:
    """What to do with a request: respond, stay silent (``hang``) or drop the connection (``close``)."""

    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    hang: bool = False
    close: bool = False
    drip: float = 0.0  # seconds between the body's bytes; 0 sends it at once


Responder = Callable[[Request], Answer]


class LoopbackServer:
    """An HTTP/1.1 server on an ephemeral 127.0.0.1 port, serving canned answers per path."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._routes: dict[str, list[Answer] | Responder] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd = QuietHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        # A short poll interval: shutdown() waits up to one interval, at every test's teardown.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="loopback-http",
            daemon=True,
        )

    # -- set-up -------------------------------------------------------------------------

    def route(
        self,
        path: str,
        *,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        body: bytes | str = b"",
        hang: bool = False,
        close: bool = False,
        drip: float = 0.0,
    ) -> None:
        """Answer every request for ``path`` the same way."""
        self.sequence(path, [Answer(status, dict(headers or {}), _bytes(body), hang, close, drip)])

    def sequence(self, path: str, answers: list[Answer]) -> None:
        """Answer successive requests for ``path`` with ``answers`` in turn; the last repeats."""
        if not answers:
            raise ValueError("a sequence needs at least one answer")
        with self._lock:
            self._routes[path] = list(answers)

    def handler(self, path: str, responder: Responder) -> None:
        """Answer requests for ``path`` by calling ``responder(request)``."""
        with self._lock:
            self._routes[path] = responder

    def url(self, path: str = "/") -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}{path}"

    def requests_for(self, path: str) -> list[Request]:
        return [r for r in self.requests if urlsplit(r.path).path == path or r.path == path]

    # -- life cycle ---------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # releases every hanging handler
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- serving ------------------------------------------------------------------------

    def _answer(self, request: Request) -> Answer:
        with self._lock:
            self.requests.append(request)
            route = self._routes.get(request.path) or self._routes.get(urlsplit(request.path).path)
            if route is None:
                return Answer(404, {"Content-Type": "text/plain"}, b"not found")
            if callable(route):
                responder = route
            else:
                return route.pop(0) if len(route) > 1 else route[0]
        return responder(request)

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                answer = server._answer(request)
                if answer.hang:
                    server._stopping.wait()
                    self.close_connection = True
                    return
                if answer.close:
                    self.close_connection = True
                    return  # no status line at all: the client sees the connection drop
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if answer.status not in (204, 304):
                    self.send_header("Content-Length", str(len(answer.body)))
                self.end_headers()
                if self.command != "HEAD" and answer.status not in (204, 304):
                    if not answer.drip:
                        self.wfile.write(answer.body)
                        return
                    for byte in answer.body:  # until the client gives up or the server stops
                        if server._stopping.wait(answer.drip):
                            break
                        try:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                        except OSError:
                            break
                    self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _serve

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler


def _bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


@pytest.fixture
def http_server() -> Iterator[LoopbackServer]:
    """A started :class:`LoopbackServer`, stopped after the test."""
    with LoopbackServer() as server:
        yield server
