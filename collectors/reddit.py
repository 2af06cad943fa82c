"""Provide :class:`RedditCollector`: subreddit listings and whole comment trees through praw.

Read-only, app-only OAuth (client id, secret and a user agent). ``fetch`` pages a subreddit's
``new``, ``top`` or ``hot`` listing (or a search in it) with ``after``; with ``new`` it stops
at the first item an earlier run saw, so a run over an unchanged subreddit costs one request.
``fetch_thread`` loads a submission and expands its whole tree with
``replace_more(limit=None)``. :func:`to_rows` reads a Listing or the two-element
submission-with-comments array, the bodies ``bot harvest --load`` takes.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from functools import cached_property
from typing import Any

from collectors.base import Page, RateLimited, Rows
from collectors.http import CollectorError, GuardedAdapter, guarded_session
from collectors.ratelimit import Policy
from collectors.urls import domain, extract_urls, link_rows

PLATFORM = "reddit"
SITE = "https://www.reddit.com"
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
            platform=PLATFORM, policy=self.policy, timeout=self.timeout, hide_rate_headers=True
        )
        urls = {"oauth_url": self.base_url, "reddit_url": self.base_url} if self.base_url else {}
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
            times = [float(d["created_utc"]) for d in items if _is_number(d.get("created_utc"))]
            if times:
                self.pending = {"newest_utc": max(times), "seen": [d.get("name") for d in items[:SEEN_KEPT] if d.get("name")]}
        return fresh, stopped

    def _old(self, data: dict[str, Any]) -> bool:
        if data.get("name") in self.seen:
            return True
        created = data.get("created_utc")
        return _is_number(created) and float(created) < float(self.newest or 0)

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


class _errors:
    """Turn praw/prawcore failures into our errors, unwrapping the adapter's own."""

    def __init__(self, what: str) -> None:
        self.what = what

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: Any) -> bool:
        if exc is None:
            return False
        import prawcore

        original = getattr(exc, "original_exception", None)
        if isinstance(original, (RateLimited, CollectorError)):
            raise original from None
        if isinstance(exc, (prawcore.exceptions.NotFound, prawcore.exceptions.Redirect)):
            raise CollectorError(f"reddit: {self.what} not found") from None
        if isinstance(exc, prawcore.exceptions.Forbidden):
            raise CollectorError(f"reddit: {self.what} is private or forbidden (403)") from None
        if isinstance(exc, prawcore.exceptions.OAuthException) or (
            isinstance(exc, prawcore.exceptions.ResponseException) and exc.response.status_code == 401
        ):
            raise CollectorError(
                "reddit: credentials refused: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"
            ) from None
        if isinstance(exc, prawcore.exceptions.PrawcoreException):
            raise CollectorError(f"reddit: {self.what}: {exc}") from None
        return False


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


# -- transform ---------------------------------------------------------------------------
def to_rows(raw: Any) -> Rows:
    """Rows from a Listing, or from the two-element submission-with-comments array."""
    rows = Rows()
    if isinstance(raw, dict) and raw.get("kind") == "Listing":
        listings = [raw]
    elif isinstance(raw, list) and all(isinstance(x, dict) and x.get("kind") == "Listing" for x in raw):
        listings = raw
    else:
        rows.skipped.append("reddit: body is neither a Listing nor a [submission, comments] array")
        return rows
    authors: dict[str, dict[str, Any]] = {}
    for listing in listings:
        children = (listing.get("data") or {}).get("children") or []
        for index, child in enumerate(children, 1):
            _thing(child, rows, authors, where=f"item #{index}")
    rows.authors.extend(authors.values())
    return rows


def _thing(child: Any, rows: Rows, authors: dict[str, Any], *, where: str) -> None:
    kind = child.get("kind") if isinstance(child, dict) else None
    data = child.get("data") if isinstance(child, dict) else None
    if kind == "more":
        return  # an unexpanded "load more comments" stub: fetch_thread expands them
    try:
        if kind not in ("t3", "t1") or not isinstance(data, dict):
            raise ValueError(f"unexpected kind {kind!r}")
        post = _submission_row(data, rows) if kind == "t3" else _comment_row(data)
    except (KeyError, TypeError, ValueError) as exc:
        rows.skipped.append(f"reddit: skipped {where} ({_describe(data)}): {exc}")
        return
    rows.posts.append(post)
    rows.links.extend(link_rows(post["id"], _urls(data, kind)))
    author = _author(data)
    if author:
        authors[author["id"]] = author
    replies = data.get("replies")
    if isinstance(replies, dict):
        for index, reply in enumerate((replies.get("data") or {}).get("children") or [], 1):
            _thing(reply, rows, authors, where=f"reply #{index} of {post['id']}")


def _submission_row(data: dict[str, Any], rows: Rows) -> dict[str, Any]:
    post_id = f"reddit:t3_{_id(data)}"
    title = str(data["title"])
    selftext = data.get("selftext") or ""
    url = SITE + data["permalink"] if data.get("permalink") else f"{SITE}/comments/{_id(data)}/"
    post = _base_row(data, post_id, thread_id=post_id, parent_id=None, url=url)
    post.update(
        text=f"{title}\n\n{selftext}" if selftext else title,
        reply_count=data.get("num_comments"),
        repost_count=data.get("num_crossposts"),
    )
    rows.threads.append(
        {"id": post_id, "platform": PLATFORM, "root_post_id": post_id,
         "author_id": post["author_id"], "title": title, "url": url}
    )
    return post


def _comment_row(data: dict[str, Any]) -> dict[str, Any]:
    comment_id = _id(data)
    link_id = str(data["link_id"])
    if not link_id.startswith("t3_"):
        raise ValueError(f"link_id {link_id!r} is not a submission")
    parent = str(data["parent_id"])
    url = SITE + data["permalink"] if data.get("permalink") else f"{SITE}/comments/{link_id[3:]}/_/{comment_id}/"
    post = _base_row(data, f"reddit:t1_{comment_id}", thread_id=f"reddit:{link_id}", parent_id=f"reddit:{parent}", url=url)
    body = data["body"]
    if not isinstance(body, str):
        raise TypeError("body is not text")
    post["text"] = body
    return post


def _base_row(data: dict[str, Any], post_id: str, *, thread_id: str, parent_id: str | None, url: str) -> dict[str, Any]:
    created = data["created_utc"]
    if not _is_number(created):
        raise ValueError(f"created_utc {created!r} is not a number")
    author = _author_name(data)
    return {
        "id": post_id,
        "platform": PLATFORM,
        "thread_id": thread_id,
        "parent_id": parent_id,
        "author_id": f"reddit:u/{author}" if author else None,
        "text": None,
        "created_at": _utc(float(created)),
        "url": url,
        "like_count": data.get("score"),
        "repost_count": None,
        "reply_count": None,
        "quote_count": None,
        "raw": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    }


def _author(data: dict[str, Any]) -> dict[str, Any] | None:
    name = _author_name(data)
    if not name:
        return None
    raw = {"name": name, "author_fullname": data.get("author_fullname")}
    return {
        "id": f"reddit:u/{name}", "platform": PLATFORM, "handle": name, "display_name": None,
        "description": None, "followers_count": None, "url": f"{SITE}/user/{name}",
        "raw": json.dumps(raw, separators=(",", ":")),
    }


def _author_name(data: dict[str, Any]) -> str | None:
    name = data.get("author")
    return name if isinstance(name, str) and name and name != "[deleted]" else None


def _urls(data: dict[str, Any], kind: str) -> list[str]:
    if kind == "t1":
        return extract_urls(data.get("body"))
    urls = []
    link = data.get("url")
    if isinstance(link, str) and not data.get("is_self") and domain(link) not in ("reddit.com", "redd.it"):
        urls.append(link)
    return urls + extract_urls(data.get("selftext"))


def _id(data: dict[str, Any]) -> str:
    value = data["id"]
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+", value):
        raise ValueError(f"id {value!r} is not a Reddit id")
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _utc(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(data: Any) -> str:
    if isinstance(data, dict) and data.get("id"):
        return f"id {data['id']}"
    return "no id"
