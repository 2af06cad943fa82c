"""Provide :class:`QuietHTTPServer`: a threaded loopback server that keeps client hang-ups to itself.

A client that gives up (a timeout test, a killed process, a fetch that closes after a 404)
makes ``socketserver`` print a traceback to ``sys.stderr``, which, during a CliRunner call,
is the command's own captured output: a test of a one-line error would read it as the
command's. Those hang-ups are expected here, so they are not printed.
"""

from __future__ import annotations

from http.server import ThreadingHTTPServer
from typing import Any


class QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass
