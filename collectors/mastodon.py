"""Provide :class:`MastodonCollector`: hashtag timelines, accounts, lists and threads via Mastodon.py.

fetch -> transform -> save: :meth:`MastodonCollector.fetch` pages a timeline by its ``Link``
headers (Mastodon.py's ``fetch_next``/``fetch_previous``): a first run walks back from the
newest status, a later one forward from the newest it saw (``min_id``), so a run repeated at
once asks one page and writes nothing. Each page's raw body is the server's JSON as sent,
read off the session, so ``bot harvest --load`` replays exactly what was harvested.
:meth:`MastodonCollector.fetch_thread` rebuilds ``https://INSTANCE/@user/ID`` from the
status and its context. Requests go through :class:`~collectors.http.GuardedAdapter`: a
timeout, bounded retries, and waits on ``X-RateLimit-Reset`` (an ISO time) within the policy.
Mastodon.py is imported on first use.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests

from collectors.base import Interrupted, Page, RateLimited, Rows
from collectors.http import CollectorError, GuardedAdapter
from collectors.mastodon_rows import PLATFORM, to_rows
from collectors.ratelimit import Policy, RateHeaders

#: Mastodon's window: what is left, and when it reopens as an ISO time
RATE_HEADERS = RateHeaders(remaining="x-ratelimit-remaining", reset="x-ratelimit-reset", form="iso")
PAGE_SIZE = 40  # the API's maximum for timelines
MAX_PAGES = 10

_STATUS_URL = re.compile(r"^(https?://[^/\s?#]+)/(?:@[^/\s?#]+|users/[^/\s?#]+/statuses)/(\d{1,24})/?(?:[?#].*)?$",
                         re.IGNORECASE)


def parse_ref(ref: str) -> tuple[str, str] | None:
    """``(instance origin, local status id)`` of ``https://INSTANCE/@user/ID``, or None."""
    match = _STATUS_URL.match(ref.strip())
    return (match.group(1).lower(), match.group(2)) if match else None


class MastodonCollector:
    """Harvest one Mastodon instance (and read public threads on others) through Mastodon.py."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        base_url: str,
        access_token: str | None,
        timeout: float = 20.0,
        policy: Policy | None = None,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._token = access_token
        self.timeout = timeout
        self.policy = policy or Policy()
        self.page_size = page_size
        self.max_pages = max_pages
        self._recorders: dict[str, _Recorder] = {}
        self._clients: dict[str, Any] = {}
        self._mark = 0

    def __repr__(self) -> str:  # never the token
        return f"MastodonCollector(base_url={self.base_url!r})"

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self._recorders.values())

    def to_rows(self, raw: Any) -> Rows:
        return to_rows(raw)

    def client(self, origin: str | None = None) -> Any:
        """Mastodon.py on our guarded session; the token goes only to our own instance."""
        origin = (origin or self.base_url).rstrip("/")
        if origin not in self._clients:
            from mastodon import Mastodon

            session = requests.Session()
            recorder = _Recorder(platform=PLATFORM, policy=self.policy, rate=RATE_HEADERS, timeout=self.timeout)
            for prefix in ("https://", "http://"):
                session.mount(prefix, recorder)
            self._recorders[origin] = recorder
            token = self._token if origin.lower() == self.base_url.lower() else None
            self._clients[origin] = Mastodon(
                access_token=token, api_base_url=origin, request_timeout=self.timeout, session=session,
                ratelimit_method="throw", version_check_mode="none",
            )
        return self._clients[origin]

    # -- harvest -----------------------------------------------------------------------------
    def fetch(self, source: Any, state: Mapping[str, Any] | None) -> Iterator[Page]:
        """Pages of a ``hashtag``, ``account`` or ``list`` source newer than ``state``."""
        state = dict(state or {})
        self._mark = self.requests
        api = self.client()
        target = str(source.target).strip()
        if source.kind == "hashtag":
            call: Callable[..., Any] = lambda **kw: api.timeline_hashtag(target.lstrip("#"), **kw)
            keep: dict[str, Any] = {}
        elif source.kind == "account":
            account_id = state.get("account_id") or str(self._read(lambda: api.account_lookup(target.lstrip("@")))["id"])
            call = lambda **kw: api.account_statuses(account_id, exclude_reblogs=True, **kw)
            keep = {"account_id": account_id}
        elif source.kind == "list":
            call = lambda **kw: api.timeline_list(target, **kw)
            keep = {}
        else:
            raise CollectorError(f"mastodon: cannot harvest a source of kind {source.kind!r}")
        yield from self._paged(api, call, state, keep)

    def _paged(self, api: Any, call: Callable[..., Any], state: dict[str, Any], keep: dict[str, Any]
               ) -> Iterator[Page]:
        newest = state.get("newest_id")
        forward = newest is not None  # later runs walk forward from the newest status seen
        page = self._read(lambda: call(limit=self.page_size, **({"min_id": newest} if forward else {})))
        for number in range(1, self.max_pages + 1):
            body = self._body()
            ids = [int(s["id"]) for s in body if isinstance(s, Mapping) and str(s.get("id", "")).isdigit()]
            if ids and (forward or newest is None or max(ids) > int(newest)):
                newest = str(max([*ids, int(newest or 0)]))
            last = not page or number == self.max_pages
            if not last:
                turn = api.fetch_previous if forward else api.fetch_next
                following = self._read(lambda: turn(page))
                last = not following
            # Walking back, the newest id holds only once the whole pass is saved.
            saved = newest if (forward or last) else state.get("newest_id")
            yield Page(raw=body, state={**keep, **({"newest_id": saved} if saved else {})}, requests=self._spent())
            if last:
                return
            page = following

    def _spent(self) -> int:
        spent, self._mark = self.requests - self._mark, self.requests
        return spent

    # -- threads -----------------------------------------------------------------------------
    def fetch_thread(self, ref: str) -> Iterator[Page]:
        """One page: the status's ancestors, the status and its descendants, in thread order."""
        found = parse_ref(ref)
        if found is None:
            raise CollectorError(f"mastodon: not a status URL: {ref}")
        origin, local_id = found
        self._mark = self.requests
        api = self.client(origin)
        self._read(lambda: api.status(local_id))
        status = self._body(origin)
        self._read(lambda: api.status_context(local_id))
        context = self._body(origin)
        yield Page(raw={**context, "status": status}, requests=self._spent())

    # -- requests ----------------------------------------------------------------------------
    def _body(self, origin: str | None = None) -> Any:
        """The JSON body of the last answer from ``origin`` (our instance by default)."""
        response = self._recorders[(origin or self.base_url).rstrip("/")].last
        return json.loads(response.content) if response is not None else None

    def _read(self, call: Callable[[], Any]) -> Any:
        """A Mastodon.py call with its errors as our own: Mastodon.py wraps whatever the session
        raised (a rate limit beyond the policy, a stop) in MastodonNetworkError."""
        from mastodon import MastodonError, MastodonNetworkError

        try:
            return call()
        except MastodonNetworkError as exc:
            cause = exc.__context__
            if isinstance(cause, (RateLimited, Interrupted, CollectorError)):
                raise cause from None
            raise CollectorError(f"mastodon: {api_error(exc)}") from None
        except MastodonError as exc:
            raise CollectorError(f"mastodon: {api_error(exc)}") from None


class _Recorder(GuardedAdapter):
    """The guarded adapter, keeping the last answer so its body is stored as the server sent it."""

    last: requests.Response | None = None

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: bool | str = True, cert: Any = None, proxies: Mapping[str, str] | None = None,
             ) -> requests.Response:
        response = super().send(request, stream=stream, timeout=timeout, verify=verify, cert=cert,
                                proxies=proxies)
        self.last = response
        return response


def api_error(exc: Exception) -> str:
    """Mastodon.py's error on one line: ``404 Not Found: Record not found``."""
    args = [a for a in getattr(exc, "args", ()) if a not in (None, "")]
    if len(args) >= 4 and isinstance(args[1], int):
        text = f"{args[1]} {args[2]}: {args[3]}"
    else:
        text = " ".join(str(a) for a in args) or type(exc).__name__
    return " ".join(text.split())[:300]
