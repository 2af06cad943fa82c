"""Provide :class:`GuardedAdapter`: a ``requests`` transport with a timeout, a base URL and a policy.

Both SDKs talk through a public ``requests.Session`` (tweepy's ``client.session``, praw's
``requestor_kwargs={"session": ...}``), so this adapter is where our rules apply, without
touching either library's internals:

* every request gets a timeout (tweepy sets none);
* the host can be rewritten to a base URL (tweepy hard-codes ``https://api.twitter.com``);
* 429 answers wait as the platform says, within the :class:`~collectors.ratelimit.Policy`'s
  bounds, or raise :class:`~collectors.base.RateLimited`;
* 5xx answers, dropped connections and timeouts get a few retries with backoff, then
  :class:`TransientError`;
* ``hide_headers`` removes headers once the policy has read them (Reddit's ``x-ratelimit-*``:
  prawcore's own limiter would otherwise sleep on them with no upper bound).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

from collectors.base import RateLimited
from collectors.ratelimit import Policy, RateHeaders, utc_iso

_RETRY_EXCEPTIONS = (
    requests.exceptions.ConnectionError,
    requests.exceptions.Timeout,
    requests.exceptions.ChunkedEncodingError,
)


class CollectorError(Exception):
    """A platform refused or could not answer a request in a way retrying will not fix."""


class TransientError(CollectorError):
    """A request kept failing (5xx, dropped connection, timeout) after every retry."""

    def __init__(self, platform: str, detail: str) -> None:
        self.platform = platform
        super().__init__(f"{platform}: {detail}")


class GuardedAdapter(HTTPAdapter):
    """Send requests with a timeout, an optional base URL and bounded waits and retries."""

    def __init__(
        self,
        *,
        platform: str,
        policy: Policy,
        rate: RateHeaders,
        timeout: float = 20.0,
        base_url: str | None = None,
        hide_headers: tuple[str, ...] = (),
    ) -> None:
        super().__init__(max_retries=0)
        self.platform = platform
        self.policy = policy
        self.rate = rate
        self.timeout = timeout
        self.base_url = base_url.rstrip("/") if base_url else None
        self.hide_headers = hide_headers
        #: every HTTP exchange attempted, retries included
        self.requests = 0

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: bool | str = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,  # as HTTPAdapter.send
    ) -> requests.Response:
        if self.base_url:
            request.url = rebase(request.url or "", self.base_url)
        timeout = self.timeout if timeout is None else timeout
        failures = too_many = 0
        while True:
            self.policy.before_request(self.platform)
            try:
                response = super().send(
                    request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
                )
                if not stream:
                    response.content  # noqa: B018 -- read now, so a body cut short is retried here
            except _RETRY_EXCEPTIONS as exc:
                self.requests += 1
                failures = self._retry_or_raise(failures, request, type(exc).__name__)
                continue
            self.requests += 1
            self.policy.observe(self.platform, response.headers, self.rate)
            if response.status_code == 429:
                response.close()
                too_many += 1
                self._wait_for_window(too_many, response)
                continue
            if response.status_code >= 500:
                response.close()
                failures = self._retry_or_raise(failures, request, f"HTTP {response.status_code}")
                continue
            for name in self.hide_headers:
                response.headers.pop(name, None)
            return response

    def _retry_or_raise(self, failures: int, request: requests.PreparedRequest, what: str) -> int:
        if failures >= self.policy.retries:
            path = urlsplit(request.url or "").path
            raise TransientError(
                self.platform, f"{what} on {request.method} {path}, {failures + 1} attempts"
            )
        self.policy.sleep_backoff(failures, platform=self.platform, reason=what)
        return failures + 1

    def _wait_for_window(self, too_many: int, response: requests.Response) -> None:
        if too_many > self.policy.retries:
            # Waited as told and still refused: stop rather than loop.
            delay = self.rate.delay(response.headers, now=self.policy.clock())
            retry_at = utc_iso(self.policy.clock() + delay) if delay is not None else None
            raise RateLimited(self.platform, retry_at, f"HTTP 429 {too_many} times in a row")
        self.policy.on_too_many(self.platform, response.headers, self.rate)


def rebase(url: str, base_url: str) -> str:
    """Move ``url``'s path and query onto ``base_url`` (which may carry a path prefix)."""
    parts = urlsplit(url)
    tail = parts.path + (f"?{parts.query}" if parts.query else "")
    return base_url.rstrip("/") + tail


def guarded_session(
    *,
    platform: str,
    policy: Policy,
    rate: RateHeaders,
    timeout: float,
    prefixes: tuple[str, ...] = ("https://", "http://"),
    session: requests.Session | None = None,
    base_url: str | None = None,
    hide_headers: tuple[str, ...] = (),
) -> tuple[requests.Session, GuardedAdapter]:
    """Mount one :class:`GuardedAdapter` on ``session`` (or a new one) for ``prefixes``."""
    session = session or requests.Session()
    adapter = GuardedAdapter(
        platform=platform,
        policy=policy,
        rate=rate,
        timeout=timeout,
        base_url=base_url,
        hide_headers=hide_headers,
    )
    for prefix in prefixes:
        session.mount(prefix, adapter)
    return session, adapter
