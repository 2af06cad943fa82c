"""Provide :class:`XPublisher`: a reply chain on X, one post at a time, never twice.

X has no idempotency key, so each post is bracketed by committed outbox transitions:
``pending → sending`` before the call, ``sending → sent`` with the tweet id after it. A post
found ``sending`` or ``unknown`` (a crash, a timeout, a 5xx, "duplicate content") is
reconciled by reading the account's recent posts before anything is sent again, and a
half-posted thread resumes by replying to the last post that exists. A POST is never
retried automatically: only reconciliation may decide that an attempt did not land.
"""

from __future__ import annotations

import html
import logging
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from bot.errors import BotError
from bot.publish.outbox import UNSETTLED, OutboxPost, thread_posts, transition
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)

_DUPLICATE = re.compile(r"duplicate content", re.IGNORECASE)
_REPLY_GONE = re.compile(r"reply to a Tweet that is deleted", re.IGNORECASE)
_FIND_PAGES = 5  # 500 posts since the parent: far more than a thread's own
_TWEET_FIELDS = ["created_at", "referenced_tweets", "conversation_id"]


class XError(BotError):
    """X refused the post, or its outcome is not known yet."""


class XRateLimited(BotError):
    """X's rate limit or 24-hour posting cap stopped the thread; state is kept."""

    def __init__(self, message: str, retry_at: str | None) -> None:
        self.retry_at = retry_at
        super().__init__(message)


def same_text(sent: str, seen: str) -> bool:
    """Whether a post read back from X is the one we sent.

    X replaces every URL twitter-text finds (``arxiv.org/abs/1`` too, not only ``https://``
    ones) with a t.co link and returns ``&``, ``<`` and ``>`` as entities, so both sides are
    compared with their URLs as placeholders, entities unescaped and whitespace collapsed.
    """
    return _comparable(sent) == _comparable(html.unescape(seen))


def _comparable(text: str) -> str:
    from bot.compose.twitter_text_loader import load_twitter_text

    load_twitter_text()
    from twitter_text import extract_urls_with_indices

    text = unicodedata.normalize("NFC", text)
    for found in reversed(extract_urls_with_indices(text)):
        start, end = found["indices"]
        text = text[:start] + "<url>" + text[end:]
    return " ".join(text.split())


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

    def __repr__(self) -> str:  # never show the credentials
        return f"XPublisher(base_url={self.base_url!r})"

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
                    f"earlier ({post.last_error}); fix it, then bot post --retry-failed"
                )
            if post.state in UNSETTLED:
                found = self._find(post, parent)
                if found:
                    self._sent(post, found, expect=UNSETTLED)
                    parent = found
                    continue
                # Not on X: that attempt never landed, so sending it now is the first time.
                post = transition(self.db, post.id, to="pending", expect=UNSETTLED,
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
            # 429: nothing was created; keep the thread's state for a later run.
            raise self._rate_limited(post, exc, where) from None
        except (tweepy.Unauthorized, tweepy.Forbidden, tweepy.BadRequest, tweepy.NotFound) as exc:
            if isinstance(exc, tweepy.Forbidden) and _DUPLICATE.search(str(exc)):
                return self._settle_duplicate(post, parent, exc, where)
            raise self._refused(post, exc, where) from None
        except (tweepy.TwitterServerError, requests.RequestException) as exc:
            return self._settle_uncertain(post, parent, f"{type(exc).__name__}: {exc}", where)
        except tweepy.HTTPException as exc:  # another 4xx (402, 409, ...): refused
            raise self._refused(post, exc, where) from None
        tweet_id = str(response.data["id"])
        self._sent(post, tweet_id, expect=["sending"])
        return tweet_id

    def _sent(self, post: OutboxPost, tweet_id: str, *, expect: Sequence[str]) -> None:
        transition(self.db, post.id, to="sent", expect=expect, clock=self.clock,
                   remote_id=tweet_id, remote_url=self._url(tweet_id), last_error=None)

    def _rate_limited(self, post: OutboxPost, exc: Exception, where: str) -> XRateLimited:
        retry_at, which = resume_time(_headers(exc), now=self.clock().timestamp())
        transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                   last_error=f"{which} reached; resume after {retry_at or 'it resets'}")
        sent = post.position
        return XRateLimited(
            f"{which} reached at {where} ({sent} sent, kept); run bot post again after "
            f"{retry_at or 'the limit resets'} to finish the thread",
            retry_at,
        )

    def _refused(self, post: OutboxPost, exc: Exception, where: str) -> XError:
        """A 4xx: nothing was created. Credentials and permissions can be fixed and the post
        sent later (back to ``pending``); a refusal of the post itself is final (``failed``)."""
        status = getattr(getattr(exc, "response", None), "status_code", None)
        detail = _one_line(exc)
        if status == 401 or (status == 403 and not _REPLY_GONE.search(detail)):
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=detail)
            hint = ("check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET"
                    if status == 401 else "check the app's permissions (Read and write)")
            return XError(f"X refused {where} ({detail}); {hint}, then run bot post again")
        transition(self.db, post.id, to="failed", expect=["sending"], clock=self.clock,
                   last_error=detail)
        return XError(f"X refused {where}: {detail}")

    def _settle_duplicate(self, post: OutboxPost, parent: str | None, exc: Exception, where: str) -> str:
        """"Duplicate content" is not success by itself: it is ours only if X has this very
        post in this very place (same text, replying to the same parent)."""
        transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                   last_error=f"duplicate content: {_one_line(exc)}")
        found = self._find(post, parent)  # if X cannot be read, the post stays unknown
        if found:
            self._sent(post, found, expect=["unknown"])
            return found
        place = f"a reply to {parent}" if parent else "a new thread"
        message = (f"X refused it as duplicate content, and the account has no such post as {place}: "
                   "the same text was posted before elsewhere")
        transition(self.db, post.id, to="failed", expect=["unknown"], clock=self.clock,
                   last_error=message)
        raise XError(f"{where}: {message}; X will not take it again (bot status shows the thread)")

    def _settle_uncertain(self, post: OutboxPost, parent: str | None, detail: str, where: str) -> str:
        """A timeout, a dropped connection or a 5xx: look on X before deciding anything."""
        transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                   last_error=_one_line(detail))
        unconfirmed = f"X did not confirm {where} ({_one_line(detail)})"
        try:
            found = self._find(post, parent)
        except XRateLimited as exc:  # X unreadable now: the post stays unknown for the next run
            raise XRateLimited(f"{unconfirmed} and {exc}", exc.retry_at) from None
        except BotError as exc:
            raise XError(f"{unconfirmed} and could not be checked ({exc}); run bot post again: "
                         "it looks before sending") from None
        if found:
            self._sent(post, found, expect=["unknown"])
            return found
        # Not visible (yet: timelines lag): leave it unknown; the next run looks again first.
        raise XError(
            f"{unconfirmed} and it is not on the account yet; "
            "run bot post again to check and resume (it is never sent twice)"
        )

    # -- reconciliation --------------------------------------------------------------------
    def _find(self, post: OutboxPost, parent: str | None) -> str | None:
        """The id of a recent post on the account that is this one (same text, same parent)."""
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
            for tweet in response.data or []:
                replied_to = next(
                    (str(r.id) for r in (tweet.referenced_tweets or []) if r.type == "replied_to"),
                    None,
                )
                if replied_to == parent and same_text(post.text, tweet.text):
                    return str(tweet.id)
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
        except tweepy.TooManyRequests as exc:
            retry_at, which = resume_time(_headers(exc), now=self.clock().timestamp())
            raise XRateLimited(
                f"{which} reached reading {what}; nothing is sent before it is read: run bot "
                f"post again after {retry_at or 'the limit resets'}",
                retry_at,
            ) from None
        except (tweepy.TweepyException, requests.RequestException) as exc:
            raise XError(f"could not read {what} on X: {_one_line(exc)}") from None


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


def _headers(exc: Exception) -> dict[str, str]:
    response = getattr(exc, "response", None)
    return {k.lower(): v for k, v in response.headers.items()} if response is not None else {}


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _session(*, base_url: str, timeout: float) -> tuple[Any, Any]:
    """A ``requests`` session for tweepy's public ``client.session``, and its adapter.

    The session moves tweepy's hard-coded ``https://api.twitter.com`` to ``base_url`` before
    the request is prepared, because OAuth 1.0a signs the URL: a signature over one host
    sent to another is refused. The adapter sets a timeout, counts requests and does nothing
    else: no retries (a POST that timed out may have been created, and only reconciliation
    may decide that) and no waiting on 429s (they are reported).
    """
    import requests
    from requests.adapters import HTTPAdapter

    from collectors.http import rebase

    class XSession(requests.Session):
        def prepare_request(self, request: requests.Request) -> requests.PreparedRequest:
            request.url = rebase(request.url or "", base_url)
            return super().prepare_request(request)

    class PlainAdapter(HTTPAdapter):
        requests = 0

        def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):  # type: ignore[override]
            self.requests += 1
            return super().send(request, stream=stream, timeout=timeout or default_timeout,
                                verify=verify, cert=cert, proxies=proxies)

    default_timeout = timeout
    session = XSession()
    adapter = PlainAdapter(max_retries=0)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session, adapter


def _one_line(value: object) -> str:
    return " ".join(str(value).split())[:300]
