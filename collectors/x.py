"""Provide :class:`XCollector`: X API v2 recent search, timelines and thread rebuilds via tweepy.

fetch -> transform -> save: :meth:`XCollector.fetch` pages with ``next_token`` and resumes
with ``since_id``; :func:`to_rows` turns one v2 body (``data``/``includes``/``meta``) into
rows; :meth:`XCollector.fetch_thread` rebuilds a conversation with a ``conversation_id:``
search and keeps the author's chain of self-replies in order (replies from others optional).
tweepy is imported lazily; its requests go through :class:`~collectors.http.GuardedAdapter`.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from functools import cached_property
from typing import Any

from collectors.base import Page, Rows
from collectors.http import CollectorError, GuardedAdapter, guarded_session
from collectors.ratelimit import Policy, RateHeaders
from collectors.rowcheck import validated
from collectors.urls import link_rows
from collectors.x_problems import account_problem

PLATFORM = "x"
DEFAULT_BASE_URL = "https://api.x.com"
TWEEPY_HOST = "https://api.twitter.com"  # hard-coded in tweepy's Client.request()
#: X's 15-minute window: what is left, and when it reopens in epoch seconds
RATE_HEADERS = RateHeaders(remaining="x-rate-limit-remaining", reset="x-rate-limit-reset", form="epoch",
                           slack=1.0)
DEFAULT_LIMIT = 1000  # posts per run and source; the next run starts from the newest anyway

EXPANSIONS = [
    "author_id", "referenced_tweets.id", "referenced_tweets.id.author_id",
    "attachments.media_keys", "in_reply_to_user_id",
]
TWEET_FIELDS = [
    "created_at", "conversation_id", "public_metrics", "entities", "in_reply_to_user_id",
    "referenced_tweets", "author_id", "lang", "attachments", "note_tweet",
]
USER_FIELDS = [
    "username", "name", "description", "public_metrics", "verified", "created_at", "url",
]
MEDIA_FIELDS = ["media_key", "type", "url", "preview_image_url", "alt_text"]
FIELDS: dict[str, Any] = {
    "expansions": EXPANSIONS,
    "tweet_fields": TWEET_FIELDS,
    "user_fields": USER_FIELDS,
    "media_fields": MEDIA_FIELDS,
}

_STATUS_URL = re.compile(
    r"^https?://(?:www\.|mobile\.)?(?:x|twitter)\.com/(?:[A-Za-z0-9_]{1,15}|i(?:/web)?)"
    r"/status(?:es)?/(\d{1,20})(?:[/?#].*)?$",
    re.IGNORECASE,
)
_OWN_MEDIA = re.compile(r"^https?://(?:x|twitter)\.com/[^/]+/status/(\d+)/(?:photo|video)/", re.IGNORECASE)


def parse_ref(ref: str) -> str | None:
    """The tweet id in an X status URL (x.com or twitter.com), or None."""
    match = _STATUS_URL.match(ref.strip())
    return match.group(1) if match else None


class RejectedRequest(CollectorError):
    """X answered 400: a parameter (a query, an expired paging token) was refused."""


class XCollector:
    """Harvest X through tweepy's ``Client`` with our timeout, base URL and rate-limit policy."""

    platform = PLATFORM

    def __init__(
        self,
        *,
        bearer_token: str,
        base_url: str | None = DEFAULT_BASE_URL,
        timeout: float = 20.0,
        policy: Policy | None = None,
        page_size: int = 100,
        include_replies: bool = False,
        db: Any = None,
    ) -> None:
        self.db = db  # the store: a thread rebuild reads only the posts it does not hold
        self._bearer_token = bearer_token
        self.base_url = base_url or DEFAULT_BASE_URL
        self.timeout = timeout
        self.policy = policy or Policy()
        self.page_size = max(10, min(100, page_size))
        self.include_replies = include_replies
        self.adapter: GuardedAdapter | None = None
        self._mark = 0

    @cached_property
    def client(self) -> Any:
        import tweepy

        # wait_on_rate_limit stays False: it sleeps without bound; the adapter's policy decides.
        client = tweepy.Client(bearer_token=self._bearer_token, return_type=dict, wait_on_rate_limit=False)
        _, self.adapter = guarded_session(
            platform=PLATFORM, policy=self.policy, rate=RATE_HEADERS, timeout=self.timeout,
            prefixes=(TWEEPY_HOST,), session=client.session, base_url=self.base_url,
        )
        return client

    @property
    def requests(self) -> int:
        return self.adapter.requests if self.adapter else 0

    # -- harvest -----------------------------------------------------------------------
    def fetch(self, source: Any, state: dict[str, Any] | None) -> Iterator[Page]:
        """Pages of ``source`` (search or account) newer than ``state``'s ``since_id``."""
        state = dict(state or {})
        self._mark = self.requests
        limit = int(source.options.get("limit", DEFAULT_LIMIT) or DEFAULT_LIMIT)
        if source.kind == "search":
            call = lambda **kw: self.client.search_recent_tweets(source.target, **kw)
            yield from self._paged(call, state, token_param="next_token", limit=limit, keep={})
        elif source.kind == "account":
            # The user lookup (a user read, first run only: the id is kept in the state) is
            # charged with the first page.
            looked_up = {} if state.get("user_id") else {"users": 1}
            user_id = state.get("user_id") or self._user_id(source.target)
            call = lambda **kw: self.client.get_users_tweets(user_id, **kw)
            keep = {"user_id": user_id}
            yield from self._paged(call, state, token_param="pagination_token", limit=limit, keep=keep,
                                   extra=looked_up)
        else:
            raise CollectorError(f"x: cannot harvest a source of kind {source.kind!r}")

    def _paged(
        self,
        call: Callable[..., dict[str, Any]],
        state: dict[str, Any],
        *,
        token_param: str,
        limit: int,
        keep: dict[str, Any],
        extra: dict[str, int] | None = None,
    ) -> Iterator[Page]:
        # A pass walks from the newest tweet back to since_id. Until it ends, the saved state
        # keeps the old since_id and the next page's token, so a stopped run resumes the pass
        # instead of skipping the pages it never fetched.
        since, token, newest = state.get("since_id"), state.get("next_token"), state.get("newest_id")
        fetched = 0
        while True:
            try:
                body = self._call(call, since_id=since, max_results=self.page_size, **{token_param: token}, **FIELDS)
            except RejectedRequest:
                if token is None:
                    raise
                token, newest = None, None  # an expired resume token: start the pass again
                continue
            meta = body.get("meta") or {}
            newest = newest or meta.get("newest_id")
            if token is not None and meta.get("next_token") == token:
                raise CollectorError("x: the API answered the same next_token twice; stopping")
            token = meta.get("next_token")
            fetched += int(meta.get("result_count") or 0)
            done = not token or (limit and fetched >= limit)
            if done:
                page_state = {**keep, "since_id": newest or since}
            else:
                page_state = {**keep, "since_id": since, "next_token": token, "newest_id": newest}
            yield Page(raw=body, state=page_state, requests=self._spent(), extra_reads=extra or {})
            extra = None
            if done:
                return

    def _spent(self) -> int:
        """Requests made since the last page (retries and lookups included)."""
        spent, self._mark = self.requests - self._mark, self.requests
        return spent

    def _user_id(self, username: str) -> str:
        name = username.lstrip("@")
        body = self._call(self.client.get_user, username=name, user_fields=USER_FIELDS)
        data = body.get("data")
        if not isinstance(data, dict) or not data.get("id"):
            raise CollectorError(f"x: no account @{name} ({_errors(body)})")
        return str(data["id"])

    # -- threads -----------------------------------------------------------------------
    def fetch_thread(self, ref: str) -> Iterator[Page]:
        """One page: the conversation's root and its author's self-replies, in order; the posts
        the database holds are not read again (:mod:`collectors.x_thread`)."""
        from collectors.x_thread import fetch_thread

        yield from fetch_thread(self, ref)

    def to_rows(self, raw: Any) -> Rows:
        return to_rows(raw)

    def _call(self, method: Callable[..., Any], *args: Any, **kwargs: Any) -> dict[str, Any]:
        import tweepy

        try:
            body = method(*args, **kwargs)
        except tweepy.errors.Unauthorized:
            raise CollectorError("x: the API refused the bearer token (401): check X_BEARER_TOKEN") from None
        except tweepy.errors.BadRequest as exc:
            raise RejectedRequest(f"x: {exc}") from None
        except tweepy.errors.HTTPException as exc:
            reason = account_problem(exc)
            if reason:
                raise CollectorError(f"x: {reason}; the source keeps its state") from None
            if isinstance(exc, tweepy.errors.Forbidden):
                raise CollectorError(f"x: forbidden (403), the app's access level may not allow this: {exc}") from None
            raise CollectorError(f"x: {exc}") from None
        if not isinstance(body, dict):
            raise CollectorError(f"x: unexpected answer {type(body).__name__}")
        return body


@validated  # every row checked against the row shapes (collectors.rowcheck)
def to_rows(raw: Any) -> Rows:
    """Rows from one X API v2 body (search, timeline, tweet lookup or a merged thread)."""
    rows = Rows()
    if not isinstance(raw, dict):
        rows.skipped.append(f"x: body is a {type(raw).__name__}, not a JSON object")
        return rows
    includes: dict[str, Any] = raw["includes"] if isinstance(raw.get("includes"), dict) else {}
    users = {str(u["id"]): u for u in includes.get("users", []) if isinstance(u, dict) and u.get("id") is not None}
    data = raw.get("data")
    items = data if isinstance(data, list) else [data] if data is not None else []
    seen: set[str] = set()
    for index, tweet in enumerate([*items, *includes.get("tweets", [])], 1):
        try:
            post, thread, links = _tweet_rows(tweet, users)
        except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
            rows.skipped.append(f"x: skipped tweet #{index} ({_describe(tweet)}): {exc}")
            continue
        if post["id"] in seen:
            continue
        seen.add(post["id"])
        rows.posts.append(post)
        rows.links.extend(links)
        if thread:
            rows.threads.append(thread)
    _inherit_threads(rows.posts)
    for user_id, user in users.items():
        try:
            rows.authors.append(_author_row(user_id, user))
        except (AttributeError, TypeError, ValueError) as exc:
            rows.skipped.append(f"x: skipped user {user_id}: {exc}")
    return rows


def _inherit_threads(posts: list[dict[str, Any]]) -> None:
    """Give a reply without ``conversation_id`` its parent's thread, when the body holds it."""
    by_id = {p["id"]: p for p in posts}
    for post in posts:
        seen: set[str] = set()
        node = post
        while node["thread_id"] is None and node["parent_id"] in by_id and node["id"] not in seen:
            seen.add(node["id"])
            node = by_id[node["parent_id"]]
        post["thread_id"] = node["thread_id"]


def _tweet_rows(tweet: Any, users: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None, list[dict[str, str]]]:
    if not isinstance(tweet, dict):
        raise TypeError(f"not an object but {type(tweet).__name__}")
    tweet_id = str(tweet["id"])  # ids may arrive as int; they exceed 2**53, so keep text
    if not tweet_id.isdigit():
        raise ValueError(f"id {tweet_id!r} is not numeric")
    text = (tweet.get("note_tweet") or {}).get("text") or tweet["text"]
    if not isinstance(text, str):
        raise TypeError("text is not a string")
    author = str(tweet["author_id"]) if tweet.get("author_id") is not None else None
    username = (users.get(author) or {}).get("username") if author else None
    parent = _parent(tweet)
    conversation = tweet.get("conversation_id") or (tweet_id if parent is None else None)
    metrics = tweet.get("public_metrics") or {}
    url = f"https://x.com/{username}/status/{tweet_id}" if username else f"https://x.com/i/web/status/{tweet_id}"
    post = {
        "id": f"x:{tweet_id}",
        "platform": PLATFORM,
        "thread_id": f"x:{conversation}" if conversation else None,
        "parent_id": f"x:{parent}" if parent else None,
        "author_id": f"x:{author}" if author else None,
        "text": text,
        "created_at": _time(tweet.get("created_at")),
        "url": url,
        "like_count": metrics.get("like_count"),
        "repost_count": metrics.get("retweet_count"),
        "reply_count": metrics.get("reply_count"),
        "quote_count": metrics.get("quote_count"),
        "raw": json.dumps(tweet, ensure_ascii=False, separators=(",", ":")),
    }
    thread = None
    if str(conversation) == tweet_id:
        thread = {
            "id": post["thread_id"], "platform": PLATFORM, "root_post_id": post["id"],
            "author_id": post["author_id"], "title": _first_line(text), "url": url,
        }
    return post, thread, link_rows(f"x:{tweet_id}", _expanded_urls(tweet, tweet_id))


def _author_row(user_id: str, user: dict[str, Any]) -> dict[str, Any]:
    username = user.get("username")
    return {
        "id": f"x:{user_id}",
        "platform": PLATFORM,
        "handle": username,
        "display_name": user.get("name"),
        "description": user.get("description"),
        "followers_count": (user.get("public_metrics") or {}).get("followers_count"),
        "url": f"https://x.com/{username}" if username else None,
        "raw": json.dumps(user, ensure_ascii=False, separators=(",", ":")),
    }


def _expanded_urls(tweet: dict[str, Any], tweet_id: str) -> list[str]:
    urls = []
    for entity in (tweet.get("entities") or {}).get("urls") or []:
        if not isinstance(entity, dict):
            continue
        url = entity.get("unwound_url") or entity.get("expanded_url") or entity.get("url")
        own_media = _OWN_MEDIA.match(url or "")
        if url and not (own_media and own_media.group(1) == tweet_id):
            urls.append(url)
    return urls


def _parent(tweet: dict[str, Any]) -> str | None:
    for ref in tweet.get("referenced_tweets") or []:
        if isinstance(ref, dict) and ref.get("type") == "replied_to" and ref.get("id") is not None:
            return str(ref["id"])
    return None


def _time(value: Any) -> str | None:
    if not value:
        return None
    moment = dt.datetime.fromisoformat(str(value))  # 3.11 reads the "Z" suffix
    return moment.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _first_line(text: str, limit: int = 200) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _describe(tweet: Any) -> str:
    if isinstance(tweet, dict) and tweet.get("id") is not None:
        return f"id {tweet['id']}"
    return "no id"


def _errors(body: dict[str, Any]) -> str:
    errors = body.get("errors") or []
    details = [e.get("detail") or e.get("title") or "" for e in errors if isinstance(e, dict)]
    return "; ".join(d for d in details if d) or "no data in the answer"
