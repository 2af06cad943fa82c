"""Provide :class:`RedditCollector`: subreddit listings and whole comment trees through praw.

Read-only, app-only OAuth (client id, secret and a user agent). ``fetch`` pages a subreddit's
``new``, ``top`` or ``hot`` listing (or a search in it) with ``after``; with ``new`` it stops
at the first item an earlier run saw, so a run over an unchanged subreddit costs one request.
``fetch_thread`` loads a submission and expands its whole tree with
``replace_more(limit=None)``. :func:`to_rows` reads a Listing or the two-element
submission-with-comments array, the bodies ``bot harvest --load`` takes.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from collectors.base import Page, RateLimited, Rows
from collectors.http import CollectorError, GuardedAdapter, guarded_session
from collectors.ratelimit import Policy, RateHeaders
from collectors.reddit_rows import PLATFORM, is_number, to_rows

__all__ = ["RedditCollector", "listing_request", "parse_ref", "thread_body", "to_rows"]
SORTS = ("new", "top", "hot")
TIME_FILTERS = ("hour", "day", "week", "month", "year", "all")
MAX_LISTING = 1000  # Reddit's listings end after 1,000 items
SEEN_KEPT = 25  # fullnames remembered from the newest page, to know where the last run stopped

_COMMENTS_URL = re.compile(
    r"^https?://(?:(?:www|old|new|np|m|sh)\.)?reddit\.com/(?:r/[^/]+/)?comments/([a-z0-9]{2,10})(?:[/?#].*)?$",
    re.IGNORECASE,
)
_SHORT_URL = re.compile(r"^https?://redd\.it/([a-z0-9]{2,10})/?$", re.IGNORECASE)
_SKIP_FIELDS = {"comment_limit", "comment_sort", "submission", "replies"}


#: Reddit's window: what is left, and when it reopens in seconds from now
RATE_HEADERS = RateHeaders(remaining="x-ratelimit-remaining", reset="x-ratelimit-reset", form="seconds")

def parse_ref(ref: str) -> str | None:
    """The submission id in a Reddit comments URL (or a redd.it short link), or None."""
    ref = ref.strip()
    match = _COMMENTS_URL.match(ref) or _SHORT_URL.match(ref)
    return match.group(1).lower() if match else None


class RedditCollector:
    """Harvest Reddit through praw, with our session, timeout and rate-limit policy."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        client_id: str,
        client_secret: str,
        user_agent: str,
        base_url: str | None = None,
        timeout: float = 20.0,
        policy: Policy | None = None,
        page_size: int = 100,
    ) -> None:
        self._credentials = (client_id, client_secret)
        self.user_agent = user_agent
        self.base_url = base_url.rstrip("/") if base_url else None
        self.timeout = timeout
        self.policy = policy or Policy()
        self.page_size = max(1, min(100, page_size))
        self.adapter: GuardedAdapter | None = None

    @cached_property
    def reddit(self) -> Any:
        import praw

        # prawcore sleeps on x-ratelimit-* headers and 5xx retries with no bound we control;
        # the adapter applies our policy instead and hides those headers from prawcore.
        session, self.adapter = guarded_session(
            platform=PLATFORM, policy=self.policy, rate=RATE_HEADERS, timeout=self.timeout,
            hide_headers=(RATE_HEADERS.remaining, "x-ratelimit-used", RATE_HEADERS.reset),
        )
        urls: dict[str, Any] = {"oauth_url": self.base_url, "reddit_url": self.base_url} if self.base_url else {}
        client_id, client_secret = self._credentials
        return praw.Reddit(
            client_id=client_id,
            client_secret=client_secret,
            user_agent=self.user_agent,
            check_for_updates=False,
            requestor_kwargs={"session": session, "timeout": self.timeout},
            **urls,
        )

    @property
    def requests(self) -> int:
        return self.adapter.requests if self.adapter else 0

    # -- harvest -----------------------------------------------------------------------
    def fetch(self, source: Any, state: dict[str, Any] | None) -> Iterator[Page]:
        """Pages of a subreddit listing; with ``sort = "new"`` only what the last run did not see."""
        path, params, incremental = listing_request(source)
        limit = min(int(source.options.get("limit", 100) or 100), MAX_LISTING)
        walk = _Walk(dict(state or {}), incremental=incremental)
        fetched = 0
        mark = self.requests
        while True:
            query = {**params, "limit": min(self.page_size, limit - fetched)}
            if walk.after:
                query["after"] = walk.after
            body = self._request(path, query)
            fresh, stopped = walk.take(body)
            fetched += len(fresh)
            done = stopped or not walk.after or fetched >= limit
            listing = {"kind": "Listing", "data": {**body["data"], "children": fresh}}
            spent, mark = self.requests - mark, self.requests  # the OAuth token request included
            yield Page(raw=listing, state=walk.state(done), requests=spent)
            if done:
                return

    def _request(self, path: str, params: dict[str, Any]) -> dict[str, Any]:
        with _errors(path):
            body = self.reddit.request(method="GET", path=path, params=params)
        if not (isinstance(body, dict) and isinstance(body.get("data"), dict)):
            raise CollectorError(f"reddit: {path} did not answer a Listing")
        body["data"].setdefault("children", [])
        return body

    # -- threads -----------------------------------------------------------------------
    def fetch_thread(self, ref: str) -> Iterator[Page]:
        """One page: the submission and its whole comment tree, every "more" expanded."""
        submission_id = parse_ref(ref) or (ref if re.fullmatch(r"[a-z0-9]{2,10}", ref) else None)
        if submission_id is None:
            raise CollectorError(f"reddit: not a comments URL: {ref}")
        before = self.requests
        with _errors(f"comments/{submission_id}"):
            submission = self.reddit.submission(submission_id)
            submission.comments.replace_more(limit=None)
            body = thread_body(submission)
        yield Page(raw=body, state=None, requests=self.requests - before)

    def to_rows(self, raw: Any) -> Rows:
        return to_rows(raw)


def listing_request(source: Any) -> tuple[str, dict[str, Any], bool]:
    """The API path and parameters for a subreddit source, and whether it is time-ordered."""
    options = source.options
    sort = str(options.get("sort", "new")).lower()
    if sort not in SORTS:
        raise CollectorError(f"reddit: source {source.name!r}: sort must be one of {', '.join(SORTS)}, not {sort!r}")
    time_filter = str(options.get("time_filter", "week" if sort == "top" else "all")).lower()
    if time_filter not in TIME_FILTERS:
        raise CollectorError(
            f"reddit: source {source.name!r}: time_filter must be one of {', '.join(TIME_FILTERS)}"
        )
    subreddit = source.target.strip().removeprefix("r/").strip("/")
    if not re.fullmatch(r"[A-Za-z0-9_+]{2,100}", subreddit):
        raise CollectorError(f"reddit: source {source.name!r}: {source.target!r} is not a subreddit name")
    if options.get("search"):
        params = {"q": str(options["search"]), "restrict_sr": "on", "sort": sort, "t": time_filter}
        return f"r/{subreddit}/search", params, sort == "new"
    params = {"t": time_filter} if sort == "top" else {}
    return f"r/{subreddit}/{sort}", params, sort == "new"


class _Walk:
    """Where a listing pass stands: its cursor, and what the previous pass had already seen."""

    def __init__(self, state: dict[str, Any], *, incremental: bool) -> None:
        self.incremental = incremental
        self.after: str | None = state.get("after")
        self.newest: float | None = state.get("newest_utc")
        self.seen: set[str] = set(state.get("seen") or [])
        self.pending: dict[str, Any] | None = state.get("pending")

    def take(self, body: dict[str, Any]) -> tuple[list[Any], bool]:
        fresh: list[Any] = []
        stopped = False
        for child in body["data"]["children"]:
            data = child.get("data") if isinstance(child, dict) else None
            if self.incremental and self.newest is not None and isinstance(data, dict) and self._old(data):
                stopped = True
                break
            fresh.append(child)
        self.after = body["data"].get("after")
        if self.incremental and self.pending is None and fresh:
            items = [c["data"] for c in fresh if isinstance(c, dict) and isinstance(c.get("data"), dict)]
            times = [float(d["created_utc"]) for d in items if is_number(d.get("created_utc"))]
            if times:
                self.pending = {"newest_utc": max(times), "seen": [d.get("name") for d in items[:SEEN_KEPT] if d.get("name")]}
        return fresh, stopped

    def _old(self, data: dict[str, Any]) -> bool:
        if data.get("name") in self.seen:
            return True
        created = data.get("created_utc")
        return created is not None and is_number(created) and float(created) < float(self.newest or 0)

    def state(self, done: bool) -> dict[str, Any]:
        if not self.incremental:
            return {} if done else {"after": self.after}
        settled = {"newest_utc": self.newest, "seen": sorted(self.seen)}
        if done:
            if self.pending:
                settled = {"newest_utc": self.pending["newest_utc"], "seen": sorted(self.pending["seen"])}
            return settled
        # Mid-pass: keep the old mark, so a stop here resumes this pass instead of skipping it.
        return {**settled, "after": self.after, "pending": self.pending}


@contextlib.contextmanager
def _errors(what: str) -> Iterator[None]:
    """Turn praw/prawcore failures into our errors, unwrapping the adapter's own."""
    import prawcore

    try:
        yield
    except prawcore.exceptions.PrawcoreException as exc:
        original = getattr(exc, "original_exception", None)
        if isinstance(original, (RateLimited, CollectorError)):
            raise original from None
        if isinstance(exc, (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect)):
            raise CollectorError(f"reddit: {what} not found") from None
        if isinstance(exc, prawcore.exceptions.Forbidden):
            raise CollectorError(f"reddit: {what} is private or forbidden (403)") from None
        if isinstance(exc, prawcore.exceptions.OAuthException) or (
            isinstance(exc, prawcore.exceptions.ResponseException) and exc.response.status_code == 401
        ):
            raise CollectorError(
                "reddit: credentials refused: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
            ) from None
        raise CollectorError(f"reddit: {what}: {exc}") from None


def thread_body(submission: Any) -> list[dict[str, Any]]:
    """The two-element submission-with-comments array Reddit sends, rebuilt from praw objects."""
    return [
        _listing([{"kind": "t3", "data": _plain_data(submission)}]),
        _listing([_comment_thing(c) for c in submission.comments]),
    ]


def _comment_thing(comment: Any) -> dict[str, Any]:
    data = _plain_data(comment)
    replies = [_comment_thing(c) for c in comment.replies]
    data["replies"] = _listing(replies) if replies else ""
    return {"kind": "t1", "data": data}


def _listing(children: list[Any]) -> dict[str, Any]:
    return {"kind": "Listing", "data": {"children": children, "after": None, "before": None}}


def _plain_data(thing: Any) -> dict[str, Any]:
    return {k: _plain(v) for k, v in vars(thing).items() if not k.startswith("_") and k not in _SKIP_FIELDS}


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)  # praw models (Redditor, Subreddit) print as their names
