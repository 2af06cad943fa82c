"""Provide :class:`FakeServer`: a threaded loopback HTTP server that replays scripted replies.

Routes match on method, path and (optionally) query or form parameters; each holds a queue of
:class:`Reply` objects, the last of which repeats. A reply can be a recorded body, a fault
(429 with reset headers, 5xx, a dropped connection) or a held answer that waits for the test
(to kill a client mid-request). Every request is logged, and :meth:`FakeServer.check` fails
a test that asked for something unscripted or never used a recording it registered.
"""

from __future__ import annotations

import gzip
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from tests.support.quiet import QuietHTTPServer

RECORDED = Path(__file__).resolve().parent.parent / "fixtures" / "recorded"
ABSENT = object()  # a match value: the parameter must not be sent


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    body: str = ""  # the raw request body, as text

    @property
    def params(self) -> dict[str, str]:
        return {**self.query, **self.form}

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None when there is none)."""
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """One scripted answer."""

    body: Any = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    name: str = ""  # a recording's name: check() fails if it was never served
    gzip: bool = False  # send the body gzip-encoded, as the recording was
    drop: bool = False  # close the connection without answering
    hold: threading.Event | None = None  # answer only once the test sets this
    served: int = 0

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            data = self.body
        elif isinstance(self.body, str):
            data = self.body.encode("utf-8")
        else:
            data = json.dumps(self.body).encode("utf-8")
        return gzip.compress(data) if self.gzip else data


@dataclass
class Route:
    method: str
    path: str | re.Pattern[str]
    match: dict[str, Any]
    replies: list[Reply]
    handler: Callable[[Request], Reply] | None = None
    once: bool = False  # a fault: used up after its replies, never repeats

    def fits(self, request: Request) -> bool:
        if request.method != self.method:
            return False
        if isinstance(self.path, re.Pattern):
            if not self.path.fullmatch(request.path):
                return False
        elif request.path.rstrip("/") != self.path.rstrip("/"):
            return False
        params = request.params
        for key, wanted in self.match.items():
            if wanted is ABSENT:
                if key in params:
                    return False
            elif params.get(key) != wanted:
                return False
        return bool(self.replies) or self.handler is not None

    def take(self, request: Request) -> Reply:
        if self.handler is not None:
            return self.handler(request)
        if len(self.replies) > 1 or self.once:
            return self.replies.pop(0)
        return self.replies[0]


class FakeServer:
    """A loopback HTTP server on a free port; subclasses add each platform's headers."""

    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.routes: list[Route] = []
        self.requests: list[Request] = []
        self.unmatched: list[str] = []
        self.registered: list[Reply] = []
        self.arrived = threading.Event()  # set when a held reply's request comes in
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None

    # -- scripting -------------------------------------------------------------------
    def route(
        self,
        method: str,
        path: str | re.Pattern[str],
        *replies: Reply,
        match: dict[str, Any] | None = None,
        handler: Callable[[Request], Reply] | None = None,
    ) -> Route:
        route = Route(method, path, dict(match or {}), list(replies), handler)
        self.routes.append(route)
        self.registered.extend(r for r in replies if r.name)
        return route

    def fault(self, method: str, path: str, *replies: Reply, match: dict[str, Any] | None = None) -> Route:
        """Answer the next matching requests with ``replies`` (checked before other routes)."""
        route = Route(method, path, dict(match or {}), list(replies), once=True)
        self.routes.insert(0, route)
        return route

    # -- inspection ------------------------------------------------------------------
    def count(self, path: str | None = None, method: str | None = None) -> int:
        return sum(
            1
            for r in self.requests
            if (path is None or r.path.rstrip("/") == path.rstrip("/"))
            and (method is None or r.method == method)
        )

    def check(self) -> None:
        """Fail if a request was unscripted or a registered recording was never served."""
        assert not self.unmatched, f"unscripted requests: {self.unmatched}"
        unused = [r.name for r in self.registered if not r.served]
        assert not unused, f"recordings never served: {unused}"

    # -- headers a platform adds to every answer ---------------------------------------
    def extra_headers(self, request: Request, reply: Reply) -> dict[str, str]:
        return {}

    # -- life cycle --------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> Self:
        self._httpd = QuietHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
        return self

    def stop(self) -> None:
        for route in self.routes:  # never leave a handler thread waiting
            for reply in route.replies:
                if reply.hold is not None:
                    reply.hold.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _dispatch(self, request: Request) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            for route in self.routes:
                if route.fits(request):
                    reply = route.take(request)
                    reply.served += 1
                    return reply
            self.unmatched.append(f"{request.method} {request.path} {request.params}")
            return None


def _handler_for(server: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            self._answer()

        def do_POST(self) -> None:
            self._answer()

        def do_DELETE(self) -> None:
            self._answer()

        def _answer(self) -> None:
            request = self._request()
            reply = server._dispatch(request)
            if reply is None:
                self._send(404, b'{"error": "unscripted"}', {"content-type": "application/json"})
                return
            if reply.hold is not None:
                server.arrived.set()
                reply.hold.wait(30)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            headers = {"content-type": "application/json; charset=utf-8", **reply.headers}
            headers.update(server.extra_headers(request, reply))
            if reply.gzip:
                headers["content-encoding"] = "gzip"
            if request.headers.get("connection", "").lower() == "close":
                # Say so, as a real server does: prawcore's token request asks for it, and a
                # client that is not told would reuse the socket we are about to close.
                headers["connection"] = "close"
            self._send(reply.status, reply.payload(), headers)

        def _request(self) -> Request:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length).decode("utf-8") if length else ""
            form = dict(parse_qsl(body)) if "form" in (self.headers.get("content-type") or "") else {}
            return Request(
                method=self.command,
                path=parts.path,
                query=dict(parse_qsl(parts.query)),
                form=form,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )

        def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


class CreateFaults:
    """Scripted faults on the n-th create request of a posting fake; held answers wait for
    :meth:`release`. A subclass names its faults in ``CREATE_FAULTS``."""

    CREATE_FAULTS: tuple[str, ...] = ()

    def _init_faults(self) -> None:
        self.release_event = threading.Event()
        self._faults: dict[int, str] = {}

    def fault_on_create(self, number: int, kind: str) -> None:
        """Make the ``number``-th create request (1-based, counted from the start) misbehave."""
        if kind not in self.CREATE_FAULTS:
            raise ValueError(f"unknown fault {kind!r} (use {', '.join(self.CREATE_FAULTS)})")
        self._faults[number] = kind

    def release(self) -> None:
        """Let held answers go (to a client that is gone or gave up)."""
        self.release_event.set()


class FakeClock:
    """A clock the policy reads and a sleeper that only moves it: tests never sleep."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
