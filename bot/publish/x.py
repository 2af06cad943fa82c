"""Provide :class:`XPublisher`: a reply chain on X, one post at a time, never twice.

X has no idempotency key, so each post is bracketed by committed outbox transitions:
``pending → sending`` before the call, ``sending → sent`` with the tweet id after it. A post
found ``sending`` or ``unknown`` (a crash, a timeout, a 5xx, "duplicate content") is
reconciled by reading the account's recent posts before anything is sent again, and a
half-posted thread resumes by replying to the last post that exists.
"""

from __future__ import annotations

import html
import logging
import re
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from bot.errors import BotError
from bot.publish.outbox import OutboxPost, thread_posts, transition
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

_URL = re.compile(r"https?://\S+")
_DUPLICATE = re.compile(r"duplicate", re.IGNORECASE)


class XError(BotError):
    """X refused the post, or its outcome is not known yet."""


class XRateLimited(BotError):
    """X's rate limit or 24-hour posting cap stopped the thread; state is kept."""

    def __init__(self, message: str, retry_at: str | None) -> None:
        self.retry_at = retry_at
        super().__init__(message)


def same_text(sent: str, seen: str) -> bool:
    """Whether a post read back from X is the one we sent.

    X rewrites every URL to a t.co link and escapes ``&``, ``<`` and ``>``, so URLs are
    compared as placeholders and entities unescaped.
    """

    def norm(text: str) -> str:
        return " ".join(_URL.sub("<url>", html.unescape(text)).split())

    return norm(sent) == norm(seen)


class XPublisher:
    """Post outbox threads to one X account (OAuth 1.0a user context)."""

    platform = "x"

    def __init__(
        self,
        *,
        db: Database,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        base_url: str = "https://api.x.com",
        timeout: float = 20.0,
        clock: Clock = utcnow,
    ) -> None:
        self.db = db
        self.clock = clock
        self.base_url = base_url
        self.timeout = timeout
        self._credentials = (consumer_key, consumer_secret, access_token, access_token_secret)
        self._client: Any = None
        self._adapter: Any = None
        self._me: tuple[str, str] | None = None

    @property
    def requests(self) -> int:
        return self._adapter.requests if self._adapter else 0

    def client(self) -> Any:
        if self._client is None:
            import tweepy

            key, secret, token, token_secret = self._credentials
            client = tweepy.Client(
                consumer_key=key, consumer_secret=secret, access_token=token,
                access_token_secret=token_secret, wait_on_rate_limit=False,
            )
            self._adapter = _plain_adapter(base_url=self.base_url, timeout=self.timeout)
            client.session.mount("https://", self._adapter)
            client.session.mount("http://", self._adapter)
            self._client = client
        return self._client

    @property
    def account(self) -> str:
        """The account's numeric id: OAuth 1.0a access tokens begin with it."""
        token = self._credentials[2]
        prefix = token.split("-", 1)[0]
        if prefix.isdigit():
            return prefix
        return self._whoami()[0]

    def _whoami(self) -> tuple[str, str]:
        if self._me is None:
            me = self.client().get_me(user_auth=True).data
            self._me = (str(me.id), me.username)
        return self._me

    def _url(self, tweet_id: str) -> str:
        return f"https://x.com/i/status/{tweet_id}"

    # -- posting ---------------------------------------------------------------------------
    def publish(self, posts: Sequence[OutboxPost], *, renew: Any = None) -> list[OutboxPost]:
        """Bring one recorded thread to ``sent``, post by post; return its rows."""
        if not posts:
            return []
        key = (posts[0].issue_key, posts[0].platform, posts[0].account)
        parent: str | None = None
        for post in posts:
            if post.state == "sent":
                parent = post.remote_id
                continue
            if post.state == "failed":
                raise XError(
                    f"post {post.position + 1} of the X thread for issue {post.issue_key} failed "
                    f"earlier ({post.last_error}); see bot status"
                )
            if post.state in ("sending", "unknown"):
                found = self._find(post, parent)
                if found:
                    transition(self.db, post.id, to="sent", expect=["sending", "unknown"],
                               clock=self.clock, remote_id=found, remote_url=self._url(found),
                               last_error=None)
                    parent = found
                    continue
                # Not on X: the attempt never landed; send it again.
                post = transition(self.db, post.id, to="pending", expect=["sending", "unknown"],
                                  clock=self.clock)
            parent = self._send(post, parent, total=len(posts))
            if renew:
                renew()
        return thread_posts(self.db, *key)

    def _send(self, post: OutboxPost, parent: str | None, *, total: int) -> str:
        import requests
        import tweepy

        transition(self.db, post.id, to="sending", expect=["pending"], clock=self.clock,
                   count_attempt=True)
        where = f"post {post.position + 1}/{total} of issue {post.issue_key}"
        try:
            response = self.client().create_tweet(
                text=post.text, in_reply_to_tweet_id=parent, user_auth=True
            )
        except tweepy.TooManyRequests as exc:
            # 429: X refused it, nothing was created; keep the thread's state for a later run.
            retry_at = _retry_at(exc)
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=f"rate limited until {retry_at or 'later'}")
            raise XRateLimited(
                f"X rate limit reached at {where}; the thread is kept, run bot post again "
                f"after {retry_at or 'the limit resets'}",
                retry_at,
            ) from None
        except tweepy.Forbidden as exc:
            if _DUPLICATE.search(str(exc)):
                return self._settle_uncertain(post, parent, f"duplicate content: {exc}", where)
            self._fail(post, exc)
            raise XError(f"X refused {where}: {_one_line(exc)}") from None
        except (tweepy.BadRequest, tweepy.Unauthorized, tweepy.NotFound) as exc:
            self._fail(post, exc)
            raise XError(f"X refused {where}: {_one_line(exc)}") from None
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            return self._settle_uncertain(post, parent, f"{type(exc).__name__}: {exc}", where)
        tweet_id = str(response.data["id"])
        transition(self.db, post.id, to="sent", expect=["sending"], clock=self.clock,
                   remote_id=tweet_id, remote_url=self._url(tweet_id), last_error=None)
        return tweet_id

    def _settle_uncertain(self, post: OutboxPost, parent: str | None, detail: str, where: str) -> str:
        """A timeout, 5xx or duplicate: look on X before deciding anything."""
        transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                   last_error=_one_line(detail))
        try:
            found = self._find(post, parent)
        except Exception as exc:  # X unreachable: leave it unknown for the next run
            log.warning("could not reconcile %s: %s", where, exc)
            found = None
        if found:
            transition(self.db, post.id, to="sent", expect=["unknown"], clock=self.clock,
                       remote_id=found, remote_url=self._url(found), last_error=None)
            return found
        raise XError(
            f"X did not confirm {where} ({_one_line(detail)}) and it is not on the account; "
            "run bot post again to check and resume (it is never sent twice)"
        )

    def _fail(self, post: OutboxPost, exc: Exception) -> None:
        transition(self.db, post.id, to="failed", expect=["sending"], clock=self.clock,
                   last_error=_one_line(exc))

    def _find(self, post: OutboxPost, parent: str | None) -> str | None:
        """The id of a recent post on the account that is this one (same text, same parent)."""
        user_id = self.account
        response = self.client().get_users_tweets(
            user_id,
            max_results=100,
            since_id=parent,
            tweet_fields=["created_at", "referenced_tweets", "conversation_id"],
            user_auth=True,
        )
        for tweet in response.data or []:
            replied_to = next(
                (str(ref.id) for ref in (tweet.referenced_tweets or []) if ref.type == "replied_to"),
                None,
            )
            if replied_to == parent and same_text(post.text, tweet.text):
                return str(tweet.id)
        return None


def _plain_adapter(*, base_url: str, timeout: float) -> Any:
    """A ``requests`` adapter that moves tweepy's hard-coded host to ``base_url`` and sets a
    timeout, and does nothing else: no retries (a POST that timed out may have been created,
    and only reconciliation may decide that) and no waiting on 429s (they are reported)."""
    from requests.adapters import HTTPAdapter

    from collectors.http import rebase

    class PlainAdapter(HTTPAdapter):
        requests = 0

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # type: ignore[override]
            request.url = rebase(request.url or "", base_url)
            self.requests += 1
            return super().send(request, stream=stream, timeout=timeout or self_timeout,
                                verify=verify, cert=cert, proxies=proxies)

    self_timeout = timeout
    return PlainAdapter(max_retries=0)


def _retry_at(exc: Exception) -> str | None:
    from collectors.ratelimit import reset_delay, utc_iso

    response = getattr(exc, "response", None)
    if response is None:
        return None
    headers = {k.lower(): v for k, v in response.headers.items()}
    if headers.get("x-user-limit-24hour-remaining") == "0" and headers.get("x-user-limit-24hour-reset"):
        return utc_iso(float(headers["x-user-limit-24hour-reset"]))
    import time

    delay = reset_delay(headers, now=time.time())
    return utc_iso(time.time() + delay) if delay is not None else None


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
