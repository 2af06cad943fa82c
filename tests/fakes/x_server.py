"""Provide :class:`XServer`: a fake X API v2 that replays tweepy's recordings and synthetic pages.

Recorded bodies come from ``tests/fixtures/recorded/tweepy`` (vcrpy YAML, gzip bodies served
gzip as recorded) and ``x_v2_examples`` (bodies with ``includes``). Synthetic pages reuse the
recorded tweet shape with varied ids and texts (see SOURCE.txt), for paging and benchmarks.
Every answer carries X's rate-limit headers: ``x-rate-limit-limit``, ``-remaining`` (counting
down per endpoint) and ``-reset`` (epoch seconds of the window's end, on the server's clock).
"""

from __future__ import annotations

import bisect
import copy
import gzip
import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import yaml

from tests.fakes.common import ABSENT, RECORDED, FakeServer, Reply, Request

WINDOW = 900  # X's 15-minute rate-limit window
#: X's read prices (``pricing.mdx``, effective 2026-04-20): per post and per user returned
PRICE_POST_READ, PRICE_USER_READ = 0.005, 0.010
LIMITS = {"/2/tweets/search/recent": 450, "/2/users": 1500, "/2/tweets": 300}
ARTICLE_URLS = (
    "https://arxiv.org/abs/2401.{n:05d}",
    "https://github.com/ml4sci/project-{n}",
    "https://doi.org/10.1038/s41586-024-{n:05d}",
)


class XServer(FakeServer):
    """A fake ``api.x.com`` with per-endpoint rate-limit windows."""

    def __init__(self, *, limits: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limits = {**LIMITS, **(limits or {})}
        self.used: dict[str, int] = {}
        #: what each answered read returned, as X bills it: (path, posts, users)
        self.reads: list[tuple[str, int, int]] = []

    def extra_headers(self, request: Request, reply: Reply) -> dict[str, str]:
        family = _family(request.path)
        limit = self.limits[family]
        self.used[family] = self.used.get(family, 0) + 1
        window_end = (int(self.clock()) // WINDOW + 1) * WINDOW
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(max(0, limit - self.used[family])),
            "x-rate-limit-reset": str(window_end),
        }
        headers.update(reply.headers)  # a scripted 429 keeps its own values
        if 200 <= reply.status < 300:
            self.reads.append((request.path, *_resources(request.path, reply)))
        return headers

    def billed(self) -> tuple[int, int, float]:
        """Posts and users returned so far, and what X charges for them (pay-per-use reads)."""
        posts = sum(p for _, p, _ in self.reads)
        users = sum(u for _, _, u in self.reads)
        return posts, users, round(posts * PRICE_POST_READ + users * PRICE_USER_READ, 6)

    # -- recordings --------------------------------------------------------------------
    def serve_recording(self, cassette: str, *, match: dict[str, Any] | None = None) -> list[Reply]:
        """Serve each interaction of a tweepy cassette at its recorded path and query.

        A recording answers the first page only (no paging token), unless ``match`` says more.
        """
        replies = []
        for interaction in load_cassette(cassette):
            wanted = {"next_token": ABSENT, "pagination_token": ABSENT, **interaction["query"], **(match or {})}
            reply = Reply(
                body=interaction["raw_body"],
                status=interaction["status"],
                gzip=False,
                headers=({"content-encoding": "gzip"} if interaction["gzipped"] else {}),
                name=f"{cassette}:{interaction['path']}",
            )
            self.route(interaction["method"], interaction["path"], reply, match=wanted)
            replies.append(reply)
        return replies

    def serve_body(
        self, path: str, body: Any, *, name: str = "", match: dict[str, Any] | None = None
    ) -> Reply:
        reply = Reply(body=body, name=name)
        self.route("GET", path, reply, match=match)
        return reply

    def serve_tweets(
        self, path: str, tweets: list[dict[str, Any]], *, users: list[dict[str, Any]] = (),
        match: dict[str, Any] | None = None,
    ) -> Callable[[Request], Reply]:
        """Answer ``path`` like X does from a newest-first list: since_id, max_results, next_token."""
        handler = _paginator(tweets, list(users))
        self.route("GET", path, match=match, handler=handler)
        return handler


def load_cassette(name: str) -> list[dict[str, Any]]:
    """A tweepy vcrpy cassette's interactions: method, path, query, status, bodies."""
    with (RECORDED / "tweepy" / name).open(encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    out = []
    for interaction in data["interactions"]:
        request, response = interaction["request"], interaction["response"]
        raw = response["body"]["string"]
        raw = raw if isinstance(raw, bytes) else raw.encode("utf-8")
        gzipped = "gzip" in (response["headers"].get("content-encoding") or [""])[0]
        parts = urlsplit(request["uri"])
        out.append(
            {
                "method": request["method"],
                "path": parts.path,
                "query": dict(parse_qsl(parts.query)),
                "status": response["status"]["code"],
                "raw_body": raw,
                "gzipped": gzipped,
                "json": json.loads(gzip.decompress(raw) if gzipped else raw),
            }
        )
    return out


def load_example(name: str) -> dict[str, Any]:
    """An X API v2 example body from ``x_v2_examples``."""
    return json.loads((RECORDED / "x_v2_examples" / name).read_text(encoding="utf-8"))


def synthetic_tweets(count: int, *, start_id: int = 1800000000000000000, authors: int = 50) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """``count`` tweets (newest first) and their authors, shaped like the recorded examples."""
    template = load_example("search_tweets_query.json")
    tweet_shape = template["data"][0]
    user_shape = template["includes"]["users"][0]
    users = []
    for n in range(authors):
        user = copy.deepcopy(user_shape)
        user.update(
            id=str(900000 + n), username=f"scientist{n}", name=f"Scientist {n}",
            public_metrics={"followers_count": 100 * n, "following_count": 10,
                            "tweet_count": 1000, "listed_count": 1},
        )
        users.append(user)
    tweets = []
    for n in range(count):
        tweet_id = str(start_id + count - n)  # newest first, like the API
        url = ARTICLE_URLS[n % len(ARTICLE_URLS)].format(n=n)
        text = f"Paper {n}: machine learning for materials science https://t.co/x{n:07d}"
        tweet = {
            "id": tweet_id,
            "text": text,
            "author_id": users[n % authors]["id"],
            "conversation_id": tweet_id,
            "created_at": f"2024-01-{1 + n % 28:02d}T{n % 24:02d}:00:00.000Z",
            "lang": tweet_shape["lang"],
            "edit_history_tweet_ids": [tweet_id],
            "public_metrics": {"retweet_count": n % 7, "reply_count": n % 5,
                               "like_count": n % 50, "quote_count": n % 3},
            "entities": {"urls": [{"start": text.index("https"), "end": len(text),
                                   "url": f"https://t.co/x{n:07d}", "expanded_url": url,
                                   "display_url": url.split("//", 1)[1][:20]}]},
        }
        tweets.append(tweet)
    return tweets, users


def _paginator(tweets: list[dict[str, Any]], users: list[dict[str, Any]]) -> Callable[[Request], Reply]:
    users_by_id = {u["id"]: u for u in users}
    cache: dict[str, Any] = {}

    def answer(request: Request) -> Reply:
        since = int(request.query.get("since_id", 0))
        size = int(request.query.get("max_results", 10))
        offset = int(request.query.get("next_token", "p0")[1:])
        # newest first: the tweets newer than since_id are a prefix (tests may prepend new ones)
        key = (len(tweets), tweets[0]["id"] if tweets else None)
        if cache.get("key") != key:
            cache.update(key=key, ids=[-int(t["id"]) for t in tweets])
        ids = cache["ids"]
        fresh_count = bisect.bisect_left(ids, -since) if since else len(tweets)
        page = tweets[offset:min(offset + size, fresh_count)]
        if not page:
            return Reply(body={"meta": {"result_count": 0}})
        meta: dict[str, Any] = {
            "newest_id": page[0]["id"], "oldest_id": page[-1]["id"], "result_count": len(page),
        }
        if offset + size < fresh_count:
            meta["next_token"] = f"p{offset + size}"
        body: dict[str, Any] = {"data": page, "meta": meta}
        authors = {t["author_id"] for t in page}
        if users_by_id:
            body["includes"] = {"users": [users_by_id[a] for a in sorted(authors) if a in users_by_id]}
        return Reply(body=body)

    return answer


def _resources(path: str, reply: Reply) -> tuple[int, int]:
    """(posts, users) in an answer: a user lookup's ``data`` is a user, else posts; expansions
    (``includes.tweets``, ``includes.users``) count as well, each resource once."""
    try:
        raw = reply.payload()
        body = json.loads(gzip.decompress(raw) if reply.gzip or raw[:2] == b"\x1f\x8b" else raw)
    except (ValueError, OSError):
        return 0, 0
    if not isinstance(body, dict):
        return 0, 0
    data = body.get("data")
    items = data if isinstance(data, list) else [data] if isinstance(data, dict) else []
    includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
    if path.startswith("/2/users") and not path.endswith("/tweets"):
        users = {str(u.get("id")) for u in [*items, *includes.get("users", [])] if isinstance(u, dict)}
        return 0, len(users)
    posts = {str(t.get("id")) for t in [*items, *includes.get("tweets", [])] if isinstance(t, dict)}
    users = {str(u.get("id")) for u in includes.get("users", []) if isinstance(u, dict)}
    return len(posts), len(users)


def _family(path: str) -> str:
    if path.startswith("/2/tweets/search/recent"):
        return "/2/tweets/search/recent"
    if path.startswith("/2/users"):
        return "/2/users"
    return "/2/tweets"


CONVERSATION = "1273733248749690880"
#: added to the recorded conversation: the author's third post, continuing their own reply
EXTRA_SELF_REPLY = {
    "id": "1276100000000000000", "author_id": "17200003", "conversation_id": CONVERSATION,
    "created_at": "2020-06-25T10:00:00.000Z", "lang": "en", "in_reply_to_user_id": "17200003",
    "referenced_tweets": [{"type": "replied_to", "id": "1275882613572583424"}],
    "text": "And the paper behind it: https://t.co/abc",
    "entities": {"urls": [{"start": 25, "end": 42, "url": "https://t.co/abc",
                           "expanded_url": "https://arxiv.org/abs/2006.12345", "display_url": "arxiv.org/abs/2006.12345"}]},
}


def conversation() -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """The recorded example's conversation (tweets by id, with conversation_id) and its users."""
    body = load_example("search_tweets_query.json")
    tweets = {}
    for tweet in [*body["data"], *body["includes"]["tweets"], EXTRA_SELF_REPLY]:
        tweets[tweet["id"]] = {**copy.deepcopy(tweet), "conversation_id": CONVERSATION}
    return tweets, body["includes"]["users"]


def serve_conversation(server: XServer) -> None:
    """Tweet lookups for every tweet of the conversation and its conversation_id search."""
    tweets, users = conversation()
    by_id = {u["id"]: u for u in users}
    for tweet_id, tweet in tweets.items():
        body = {"data": tweet, "includes": {"users": [by_id[tweet["author_id"]]]}}
        server.route("GET", f"/2/tweets/{tweet_id}", Reply(body=body))
    replies = [t for t in sorted(tweets.values(), key=lambda t: t["id"], reverse=True) if t["id"] != CONVERSATION]
    page_one = {"data": replies[:3], "includes": {"users": users},
                "meta": {"result_count": 3, "next_token": "conv2"}}
    page_two = {"data": replies[3:], "includes": {"users": users, "tweets": [tweets[CONVERSATION]]},
                "meta": {"result_count": len(replies) - 3}}
    query = f"conversation_id:{CONVERSATION}"
    server.route("GET", "/2/tweets/search/recent", Reply(body=page_one, name="conversation page 1"),
                 match={"query": query, "next_token": ABSENT})
    server.route("GET", "/2/tweets/search/recent", Reply(body=page_two, name="conversation page 2"),
                 match={"query": query, "next_token": "conv2"})
