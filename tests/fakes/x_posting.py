"""Provide :class:`XPostingServer`: the posting side of the fake X API v2, with one account.

It keeps the account's tweets and answers what posting needs, as X does:

* ``POST /2/tweets`` (JSON ``{"text", "reply": {"in_reply_to_tweet_id"}}``, OAuth 1.0a user
  context, signature checked against the URL the request was addressed to) creates a tweet
  and answers 201 with the recorded create body shape (``data.id``, ``data.text``,
  ``data.edit_history_tweet_ids``). Every URL twitter-text finds (with or without a scheme)
  is stored and returned as a 23-character ``https://t.co/...`` link; ``&``, ``<`` and ``>``
  come back HTML-escaped.
* ``GET /2/users/me`` and ``GET /2/users/:id/tweets`` (newest first, ``max_results`` 5-100,
  ``since_id``, ``until_id``, ``pagination_token``, ``tweet.fields``).
* 403 "duplicate content" for a text the account already posted, 403 for a reply to a tweet
  that does not exist, 401 for a bad signature or unknown keys, 429 with ``x-rate-limit-*``
  for the 15-minute window and ``x-user-limit-24hour-*`` for the 24-hour posting cap.
* Scripted faults on the n-th create: ``hold`` (created, answer held until released: kill the
  client meanwhile), ``late`` (created, answered only after the client gave up), ``drop``
  (created, connection closed), ``500`` (created, then a server error), ``503`` (refused,
  nothing created), ``stall`` (held before anything is created, then dropped).
  ``timeline_lag`` hides new tweets from the next N timeline reads, as X's eventually
  consistent timelines do.
"""

from __future__ import annotations

import copy
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.common import CreateFaults, Reply, Request
from tests.fakes.x_billing import Billing
from tests.fakes.x_wire import html_escape, iso_ms, oauth_valid, shorten
from tests.fakes.x_server import WINDOW, XServer, load_cassette

TWEPOCH_MS = 1288834974657  # X's snowflake epoch
DAY = 86400
CREATE_FAULTS = ("hold", "late", "drop", "500", "503", "stall")
TIMELINE = re.compile(r"/2/users/(\d+)/tweets")
_DEFAULT_FIELDS = ("id", "text", "edit_history_tweet_ids")


def problem(status: int, title: str, detail: str, kind: str = "about:blank") -> dict[str, Any]:
    """X API v2's error body (RFC 7807 problem details)."""
    return {"title": title, "detail": detail, "type": kind, "status": status}


DUPLICATE = problem(403, "Forbidden", "You are not allowed to create a Tweet with duplicate content.")
REPLY_MISSING = problem(
    403, "Forbidden", "You attempted to reply to a Tweet that is deleted or not visible to you."
)
UNAUTHORIZED = problem(401, "Unauthorized", "Unauthorized")
TOO_MANY = problem(429, "Too Many Requests", "Too Many Requests")


@dataclass(frozen=True)
class Credentials:
    consumer_key: str = "fake-consumer-key"
    consumer_secret: str = "fake-consumer-secret"
    access_token: str = "1500000000000000001-fakeaccesstoken"
    access_token_secret: str = "fake-access-token-secret"

    @property
    def user_id(self) -> str:
        return self.access_token.split("-", 1)[0]

    def env(self, base_url: str) -> dict[str, str]:
        return {
            "X_API_KEY": self.consumer_key, "X_API_SECRET": self.consumer_secret,
            "X_ACCESS_TOKEN": self.access_token, "X_ACCESS_TOKEN_SECRET": self.access_token_secret,
            "X_API_BASE_URL": base_url,
        }


@dataclass
class Tweet:
    """One stored tweet: what X keeps, plus the text exactly as it was submitted."""

    id: str
    text: str  # as X stores it: URLs replaced by t.co links
    submitted: str
    author_id: str
    conversation_id: str
    created_at: float
    in_reply_to: str | None = None
    in_reply_to_user_id: str | None = None
    urls: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self, fields: set[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "text": html_escape(self.text),
                               "edit_history_tweet_ids": [self.id]}
        extra = {
            "author_id": self.author_id,
            "conversation_id": self.conversation_id,
            "created_at": iso_ms(self.created_at),
            "in_reply_to_user_id": self.in_reply_to_user_id,
            "referenced_tweets": ([{"type": "replied_to", "id": self.in_reply_to}]
                                  if self.in_reply_to else None),
            "entities": {"urls": copy.deepcopy(self.urls)} if self.urls else None,
        }
        out.update({k: v for k, v in extra.items() if k in fields and v is not None})
        return out


class XPostingServer(CreateFaults, XServer):
    """A fake X that one account posts to; inspect ``tweets`` and ``endpoint_counts()``."""

    CREATE_FAULTS = CREATE_FAULTS

    def __init__(
        self,
        *,
        credentials: Credentials | None = None,
        username: str = "ml4sci_bot",
        post_limit: int = 100,
        daily_cap: int = 100,
        duplicate_window: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.credentials = credentials or Credentials()
        self.user = {"id": self.credentials.user_id, "name": "ML4Sci bot", "username": username}
        self.post_limit = post_limit  # creates per 15-minute window
        self.daily_cap = daily_cap  # creates per rolling 24 hours (x-user-limit-24hour-*)
        self.duplicate_window = duplicate_window  # seconds; None: any earlier tweet counts
        self.timeline_lag = 0  # timeline reads a new tweet is hidden from
        self.timeline_lag_seconds = 0.0  # seconds (of ``clock``) a new tweet is hidden for
        self.billing = Billing(username)  # 2026: prices, credits, caps, enrolment, replies
        self.tweets: list[Tweet] = []  # oldest first
        self.refused: list[tuple[str, int]] = []  # (submitted text, status) of refused creates
        self.creates = 0  # create requests received
        self._created: list[float] = []  # when each tweet was created (deleted ones too)
        self._init_faults()
        self._hidden: dict[str, int] = {}
        self._sequence = 0
        self._window: tuple[int, int] = (0, 0)  # (window end, creates in it)
        self._posting = threading.Lock()
        self._create_shape = load_cassette("test_client_create_and_delete_tweet.yaml")[0]["json"]
        self._me_shape = load_cassette("test_client_get_me.yaml")[0]["json"]
        self.route("POST", "/2/tweets", handler=self._create)
        self.route("GET", "/2/users/me", handler=self._me)
        self.route("GET", TIMELINE, handler=self._timeline)

    # -- scripting -----------------------------------------------------------------------
    def stop(self) -> None:
        self.release()
        super().stop()

    def add_tweet(self, text: str, *, reply_to: str | None = None) -> Tweet:
        """A tweet the account posted by other means (by hand, an earlier issue)."""
        with self._posting:
            parent = next(t for t in self.tweets if t.id == reply_to) if reply_to else None
            return self._store(text, parent)

    def delete(self, tweet_id: str) -> None:
        """The account deletes a tweet (by hand, on x.com)."""
        with self._posting:
            self.tweets = [t for t in self.tweets if t.id != tweet_id]

    # -- inspection ----------------------------------------------------------------------
    def endpoint_counts(self) -> dict[str, int]:
        """Requests per endpoint, e.g. ``{"POST /2/tweets": 8}``."""
        counts: dict[str, int] = {}
        for request in self.requests:
            path = TIMELINE.sub("/2/users/:id/tweets", request.path)
            key = f"{request.method} {path}"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def chain(self, root_id: str) -> list[Tweet]:
        """The tweet ``root_id`` and its self-replies, following the one reply to each."""
        by_parent: dict[str, list[Tweet]] = {}
        for tweet in self.tweets:
            if tweet.in_reply_to:
                by_parent.setdefault(tweet.in_reply_to, []).append(tweet)
        chain = [next(t for t in self.tweets if t.id == root_id)]
        while by_parent.get(chain[-1].id):
            replies = by_parent[chain[-1].id]
            assert len(replies) == 1, f"{chain[-1].id} has {len(replies)} replies"
            chain.append(replies[0])
        return chain

    def expanded(self, tweet: Tweet) -> str:
        """A stored tweet's text with each t.co link expanded back to what was submitted."""
        text = tweet.text
        for url in reversed(tweet.urls):
            text = text[: url["start"]] + url["expanded_url"] + text[url["end"]:]
        return text

    # -- endpoints -----------------------------------------------------------------------
    def _create(self, request: Request) -> Reply:
        with self._posting:
            self.creates += 1
            fault = self._faults.pop(self.creates, None)
            if not self._signed(request):
                return Reply(body=UNAUTHORIZED, status=401)
            limited = self.billing.gate(create=True) or self._limited()
            if limited:
                return limited
            if fault == "stall":
                return Reply(hold=self.release_event, drop=True)
            if fault == "503":
                return Reply(body=problem(503, "Service Unavailable", "Service Unavailable"),
                             status=503)
            payload = request.json or {}
            text = payload.get("text")
            if not isinstance(text, str) or not text.strip():
                return self._refuse(str(text), 400, problem(
                    400, "Invalid Request", "One or more parameters to your request was invalid.",
                    "https://api.twitter.com/2/problems/invalid-request"))
            parent_id = (payload.get("reply") or {}).get("in_reply_to_tweet_id")
            parent = next((t for t in self.tweets if t.id == str(parent_id)), None) if parent_id else None
            if parent_id and parent is None:
                return self._refuse(text, 403, REPLY_MISSING)
            if parent and self.billing.reply_refused(parent.submitted, parent.author_id == self.user["id"]):
                from tests.fakes.x_billing import REPLY_NOT_PERMITTED

                return self._refuse(text, 403, REPLY_NOT_PERMITTED)
            if self._duplicate(text):
                return self._refuse(text, 403, DUPLICATE)
            tweet = self._store(text, parent)
            self.billing.charge_create(text, has_url=bool(tweet.urls), reply=parent is not None)
            headers = self._limit_headers()
        body = copy.deepcopy(self._create_shape)  # {"data": {"id", "text"}} as recorded
        body["data"].update(id=tweet.id, text=html_escape(tweet.text),
                            edit_history_tweet_ids=[tweet.id])
        headers["location"] = f"https://api.x.com/2/tweets/{tweet.id}"
        reply = Reply(body=body, status=201, headers=headers)
        if fault in ("hold", "late"):
            reply.hold = self.release_event
        elif fault == "drop":
            reply.drop = True
        elif fault == "500":
            reply = Reply(body=problem(500, "Internal Server Error", "Internal Server Error"),
                          status=500)
        return reply

    def _me(self, request: Request) -> Reply:
        if not self._signed(request):
            return Reply(body=UNAUTHORIZED, status=401)
        body = copy.deepcopy(self._me_shape)  # {"data": {"id", "name", "username"}}
        body["data"].update(self.user)
        return Reply(body=body)

    def _timeline(self, request: Request) -> Reply:
        if not self._signed(request):
            return Reply(body=UNAUTHORIZED, status=401)
        refused = self.billing.gate(create=False)
        if refused:
            return refused
        user_id = TIMELINE.fullmatch(request.path).group(1)  # type: ignore[union-attr]
        if user_id != self.user["id"]:
            return Reply(body={"errors": [{
                "value": user_id, "detail": f"Could not find user with id: [{user_id}].",
                "title": "Not Found Error", "resource_type": "user", "parameter": "id",
                "resource_id": user_id, "type": "https://api.twitter.com/2/problems/resource-not-found",
            }]})
        query = request.query
        size = int(query.get("max_results", 10))
        if not 5 <= size <= 100:
            return Reply(status=400, body={
                "errors": [{"parameters": {"max_results": [str(size)]},
                            "message": f"The `max_results` query parameter value [{size}] is not between 5 and 100"}],
                "title": "Invalid Request", "detail": "One or more parameters to your request was invalid.",
                "type": "https://api.twitter.com/2/problems/invalid-request"})
        with self._posting:
            now = self.clock()
            visible = [t for t in reversed(self.tweets) if not self._still_hidden(t.id)
                       and t.created_at + self.timeline_lag_seconds <= now]
        since, until = int(query.get("since_id", 0)), int(query.get("until_id", 0) or 1 << 64)
        matching = [t for t in visible if since < int(t.id) < until]
        offset = int(query.get("pagination_token", "0") or 0)
        page = matching[offset:offset + size]
        fields = set(query.get("tweet.fields", "").split(",")) | set(_DEFAULT_FIELDS)
        meta: dict[str, Any] = {"result_count": len(page)}
        if page:
            meta.update(newest_id=page[0].id, oldest_id=page[-1].id)
        if offset + size < len(matching):
            meta["next_token"] = str(offset + size)
        body: dict[str, Any] = {"meta": meta}
        self.billing.charge_owned_reads(len(page))  # the app owner's own posts: owned reads
        if page:
            body["data"] = [t.to_json(fields) for t in page]
        return Reply(body=body)

    # -- rules -----------------------------------------------------------------------------
    def _signed(self, request: Request) -> bool:
        return oauth_valid(request, self.credentials)

    def _limited(self) -> Reply | None:
        now = self.clock()
        if now >= self._window[0]:
            self._window = (int(now) // WINDOW * WINDOW + WINDOW, 0)
        in_day = self._creates_in_day(now)
        if self._window[1] >= self.post_limit or len(in_day) >= self.daily_cap:
            return Reply(body=TOO_MANY, status=429, headers=self._limit_headers())
        return None

    def _limit_headers(self) -> dict[str, str]:
        now = self.clock()
        in_day = self._creates_in_day(now)
        day_reset = int(min(in_day) + DAY) if in_day else int(now + DAY)
        end, used = self._window
        return {
            "x-rate-limit-limit": str(self.post_limit),
            "x-rate-limit-remaining": str(max(0, self.post_limit - used)),
            "x-rate-limit-reset": str(end),
            "x-user-limit-24hour-limit": str(self.daily_cap),
            "x-user-limit-24hour-remaining": str(max(0, self.daily_cap - len(in_day))),
            "x-user-limit-24hour-reset": str(day_reset),
        }

    def _creates_in_day(self, now: float) -> list[float]:
        return [at for at in self._created if now - at < DAY]

    def _duplicate(self, text: str) -> bool:
        now = self.clock()
        return any(
            t.submitted == text
            and (self.duplicate_window is None or now - t.created_at < self.duplicate_window)
            for t in self.tweets
        )

    def _refuse(self, text: str, status: int, body: dict[str, Any]) -> Reply:
        self.refused.append((text, status))
        return Reply(body=body, status=status, headers=self._limit_headers())

    def _store(self, text: str, parent: Tweet | None) -> Tweet:
        now = self.clock()
        self._sequence += 1
        tweet_id = str(((int(now * 1000) - TWEPOCH_MS) << 22) | (self._sequence & 0xFFF))
        stored, urls = shorten(text, salt=tweet_id)
        tweet = Tweet(
            id=tweet_id, text=stored, submitted=text, author_id=self.user["id"],
            conversation_id=parent.conversation_id if parent else tweet_id, created_at=now,
            in_reply_to=parent.id if parent else None,
            in_reply_to_user_id=parent.author_id if parent else None, urls=urls,
        )
        self.tweets.append(tweet)
        self._created.append(now)
        end, used = self._window
        self._window = (end, used + 1)
        if self.timeline_lag:
            self._hidden[tweet_id] = self.timeline_lag
        return tweet

    def _still_hidden(self, tweet_id: str) -> bool:
        left = self._hidden.get(tweet_id, 0)
        if left:
            self._hidden[tweet_id] = left - 1
        return left > 0
