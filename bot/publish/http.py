"""Provide :func:`plain_session`: the transport every posting client uses.

Posting mounts a plain adapter, not the harvest's guarded one: it sets a timeout, counts
requests and keeps the last answer (its rate-limit headers say when to resume), and does
nothing else. No retries: a POST that timed out may have been created, and only
reconciliation may decide that. No waiting on 429s: they are reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from requests.adapters import HTTPAdapter


class PlainAdapter(HTTPAdapter):
    """A timeout, a request count and the last response; never a retry."""

    def __init__(self, *, timeout: float) -> None:
        super().__init__(max_retries=0)
        self.timeout = timeout
        self.requests = 0
        self.last: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Mapping[str, str] | None = None,
             ) -> requests.Response:
        self.requests += 1
        self.last = None
        response = super().send(request, stream=stream, timeout=timeout or self.timeout, verify=verify,
                                cert=cert, proxies=proxies)
        self.last = response
        return response


def plain_session(*, timeout: float, session: requests.Session | None = None
                  ) -> tuple[requests.Session, PlainAdapter]:
    """``session`` (or a new one) with a :class:`PlainAdapter` mounted for http and https."""
    session = session or requests.Session()
    adapter = PlainAdapter(timeout=timeout)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter
