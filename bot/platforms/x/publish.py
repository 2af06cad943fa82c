"""Provide :class:`XAdapter`: X's API v2 (tweepy) for the reply-chain driver, without a database.

X has no idempotency key, so :class:`~bot.publish.driver.ReplyChainDriver` brackets each post
with committed outbox transitions and reconciles an uncertain one with :meth:`XAdapter.find`:
the account's recent posts, same parent, same text modulo t.co. A POST is never retried
automatically: only reconciliation may decide that an attempt did not land.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.publish.driver import (
    PublishError,
    PublishRateLimited,
    Read,
    Sent,
    Verdict,
    one_line,
    response_headers,
    response_status,
)
from bot.platforms.x.problems import stop_verdict
from bot.publish.outbox import OutboxPost
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

_DUPLICATE = re.compile(r"duplicate content", re.IGNORECASE)
_REPLY_GONE = re.compile(r"reply to a Tweet that is deleted", re.IGNORECASE)
_FIND_PAGES = 5  # 500 posts since the parent: far more than a thread's own
_TWEET_FIELDS = ["created_at", "referenced_tweets", "conversation_id"]


def same_text(sent: str, seen: str) -> bool:
    """Whether a post read back from X is the one we sent.

    X replaces every URL twitter-text finds (``arxiv.org/abs/1`` too, not only ``https://``
    ones) with a t.co link and returns ``&``, ``<`` and ``>`` as entities, so both sides are
    compared with their URLs as placeholders, entities unescaped and whitespace collapsed.
    """
    return _comparable(sent) == _comparable(html.unescape(seen))


def _comparable(text: str) -> str:
    from bot.platforms.x.twitter_text_loader import load_twitter_text

    load_twitter_text()
    from twitter_text import extract_urls_with_indices

    text = unicodedata.normalize("NFC", text)
    for found in reversed(extract_urls_with_indices(text)):
        start, end = found["indices"]
        text = text[:start] + "<url>" + text[end:]
    return " ".join(text.split())


class XAdapter:
    """One X account (OAuth 1.0a user context) for :class:`~bot.publish.driver.ReplyChainDriver`."""

    platform = "x"
    name = "X"
    idempotency_window: dt.timedelta | None = None  # X has no idempotency key: only reconciliation can tell

    def __init__(
        self,
        *,
        consumer_key: str,
        consumer_secret: str,
        access_token: str,
        access_token_secret: str,
        base_url: str = "https://api.x.com",
        timeout: float = 20.0,
        clock: Clock = utcnow,
        options: dict[str, Any] | None = None,
    ) -> None:
        from bot.platforms.x.options import DEFAULTS, check

        from bot.timeutil import parse_duration

        self.options = check({**DEFAULTS, **(options or {})})
        #: longer than X's timeline lag: a post not seen sooner may still be there
        self.reconcile_grace = parse_duration(self.options["reconcile_grace"], name="x.reconcile_grace")
        self.clock = clock
        self.base_url = base_url
        self.timeout = timeout
        self._credentials = (consumer_key, consumer_secret, access_token, access_token_secret)
        self._client: Any = None
        self._adapter: Any = None
        self._me: tuple[str, str] | None = None
        self._reads: list[Read] = []

    def __repr__(self) -> str:  # never show the credentials
        return f"XAdapter(base_url={self.base_url!r})"

    @property
    def requests(self) -> int:
        return self._adapter.requests if self._adapter else 0

    def take_reads(self) -> list[Read]:
        """The reads X charges for since the last call: the account's own posts read while
        reconciling (owned reads) and, if the token does not name the account, its lookup."""
        reads, self._reads = self._reads, []
        return reads

    def _charge(self, what: str, resources: int) -> None:
        from bot.platforms.x.pricing import prices

        table = prices(self.options["prices"])
        price = {"owned reads": table.owned_read, "user reads": table.user_read}[what]
        if resources:
            self._reads.append(Read(what, resources, round(resources * price, 6)))

    def client(self) -> Any:
        if self._client is None:
            import tweepy

            key, secret, token, token_secret = self._credentials
            client = tweepy.Client(
                consumer_key=key, consumer_secret=secret, access_token=token,
                access_token_secret=token_secret, wait_on_rate_limit=False,
            )
            client.session, self._adapter = _session(base_url=self.base_url, timeout=self.timeout)
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
            me = self._read("the account", lambda: self.client().get_me(user_auth=True)).data
            self._charge("user reads", 1)
            self._me = (str(me.id), me.username)
        return self._me

    @staticmethod
    def _sent(tweet_id: Any) -> Sent:
        return Sent(str(tweet_id), f"https://x.com/i/status/{tweet_id}")

    # -- the adapter interface -------------------------------------------------------------
    def prepare(self, posts: Sequence[OutboxPost]) -> None:
        """Refuse, before any request, a thread whose unsent posts cost more than
        ``[x] max_cost_per_issue`` (X's limits are the ones the posts were composed for)."""
        from bot.costs import usd
        from bot.platforms.x.pricing import prices, thread_price

        budget = self.options["max_cost_per_issue"]
        if budget is None or not posts:
            return
        cost = thread_price([p.text for p in posts], prices(self.options["prices"]))
        if cost > budget + 1e-9:
            raise PublishError(
                f"the X thread for issue {posts[0].issue_key} would cost {usd(cost)} for "
                f"{len(posts)} posts, {usd(cost - budget)} over [x] max_cost_per_issue = {usd(budget)}; "
                'nothing was sent (raise it, or set [x] links = "opening" or "none", or format = "single")'
            )

    def send(self, post: OutboxPost, parent: str | None) -> Sent:
        """Create one tweet; a POST is never retried here (only reconciliation may decide)."""
        response = self.client().create_tweet(text=post.text, in_reply_to_tweet_id=parent, user_auth=True)
        return self._sent(response.data["id"])

    def classify(self, exc: Exception) -> Verdict | None:
        import requests
        import tweepy

        stop = stop_verdict(exc, now=self.clock().timestamp())
        if stop is not None:  # credits, a usage cap, enrolment, the reply restriction
            return stop
        if isinstance(exc, tweepy.TooManyRequests):  # 429: nothing was created
            retry_at, which = resume_time(response_headers(exc), now=self.clock().timestamp())
            return Verdict("rate_limited", one_line(exc), retry_at=retry_at, limit=which)
        if isinstance(exc, (tweepy.Unauthorized, tweepy.Forbidden, tweepy.BadRequest, tweepy.NotFound)):
            detail = one_line(exc)
            if isinstance(exc, tweepy.Forbidden) and _DUPLICATE.search(str(exc)):
                return Verdict("duplicate", detail)
            return self._refusal(exc, detail)
        if isinstance(exc, (tweepy.TwitterServerError, requests.RequestException)):
            return Verdict("uncertain", one_line(f"{type(exc).__name__}: {exc}"))
        if isinstance(exc, tweepy.HTTPException):  # another 4xx (402, 409, ...): refused
            return self._refusal(exc, one_line(exc))
        return None

    @staticmethod
    def _refusal(exc: Exception, detail: str) -> Verdict:
        """A 4xx: nothing was created. Credentials and permissions can be fixed and the post
        sent later; a refusal of the post itself is final."""
        status = response_status(exc)
        if status == 401:
            return Verdict("fix_and_retry", detail,
                           hint="check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET")
        if status == 403 and not _REPLY_GONE.search(detail):
            return Verdict("fix_and_retry", detail, hint="check the app's permissions (Read and write)")
        return Verdict("refused", detail)

    def find(self, post: OutboxPost, parent: str | None) -> Sent | None:
        """A recent post on the account that is this one (same text, same parent)."""
        user_id = self.account
        token = None
        for _ in range(_FIND_PAGES):
            response = self._read(
                "the account's recent posts",
                lambda token=token: self.client().get_users_tweets(
                    user_id, max_results=100, since_id=parent, pagination_token=token,
                    tweet_fields=_TWEET_FIELDS, user_auth=True,
                ),
            )
            self._charge("owned reads", len(response.data or []))
            for tweet in response.data or []:
                replied_to = next(
                    (str(r.id) for r in (tweet.referenced_tweets or []) if r.type == "replied_to"),
                    None,
                )
                if replied_to == parent and same_text(post.text, tweet.text):
                    return self._sent(tweet.id)
            token = (response.meta or {}).get("next_token")
            if not token:
                return None
        return None

    def _read(self, what: str, call: Any) -> Any:
        """A read from X, with its errors as one-line :class:`BotError`\\ s."""
        import requests
        import tweepy

        try:
            return call()
        except tweepy.HTTPException as exc:
            stop = stop_verdict(exc, now=self.clock().timestamp())
            if stop is not None and stop.kind == "stopped":
                when = f"; {stop.retry_at}" if stop.retry_at else ""
                raise PublishRateLimited(f"{stop.limit} reading {what}{when}: {stop.hint}, then run "
                                         "bot post again", stop.retry_at) from None
            if not isinstance(exc, tweepy.TooManyRequests):
                raise PublishError(f"could not read {what} on X: {one_line(exc)}") from None
            retry_at, which = resume_time(response_headers(exc), now=self.clock().timestamp())
            raise PublishRateLimited(
                f"{which} reached reading {what}; nothing is sent before it is read: run bot "
                f"post again after {retry_at or 'the limit resets'}",
                retry_at,
            ) from None
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise PublishError(f"could not read {what} on X: {one_line(exc)}") from None


def resume_time(headers: dict[str, str], *, now: float) -> tuple[str | None, str]:
    """When X accepts posts again and which limit says so, from a 429's headers.

    ``x-user-limit-24hour-*`` is the account's 24-hour posting cap; ``x-rate-limit-*`` the
    endpoint's 15-minute window; both resets are epoch seconds. The later one that is used
    up wins; ``retry-after`` (seconds) is the fallback.
    """
    from collectors.ratelimit import utc_iso

    candidates: list[tuple[float, str]] = []
    if headers.get("x-user-limit-24hour-remaining") == "0":
        reset = _number(headers.get("x-user-limit-24hour-reset"))
        if reset is not None:
            candidates.append((reset, "X's 24-hour posting limit"))
    window = _number(headers.get("x-rate-limit-reset"))
    if window is not None and (headers.get("x-rate-limit-remaining") == "0" or not candidates):
        candidates.append((window, "X's 15-minute rate limit"))
    retry_after = _number(headers.get("retry-after"))
    if not candidates and retry_after is not None:
        candidates.append((now + retry_after, "X's rate limit"))
    if not candidates:
        return None, "X's rate limit"
    reset, which = max(candidates)
    return utc_iso(reset), which


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _session(*, base_url: str, timeout: float) -> tuple[Any, Any]:
    """A ``requests`` session for tweepy's public ``client.session``, and its plain adapter.

    The session moves tweepy's hard-coded ``https://api.twitter.com`` to ``base_url`` before
    the request is prepared, because OAuth 1.0a signs the URL: a signature over one host
    sent to another is refused.
    """
    import requests

    from bot.publish.http import plain_session
    from collectors.http import rebase

    class XSession(requests.Session):
        def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
            request.url = rebase(str(request.url or ""), base_url)
            return super().prepare_request(request)

    return plain_session(timeout=timeout, session=XSession())
