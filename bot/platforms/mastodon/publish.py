"""Provide :class:`MastodonAdapter`: one Mastodon account for the reply-chain driver, via Mastodon.py.

Each status replies to the previous one and carries an ``Idempotency-Key`` made from (issue,
account, position): Mastodon answers a repeated key with the status it already made, for
about an hour. So a post left ``sending``/``unknown`` is simply sent again with its key while
the server still remembers it (:attr:`MastodonAdapter.idempotency_window`, kept well inside
the hour); past that, :meth:`MastodonAdapter.find` looks for it among the account's own
statuses (same parent, same text). Before the first post the instance's own limits are read
from ``/api/v2/instance``. Visibility comes from ``[mastodon] visibility``, the language from
the thread's; link cards are the server's own.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from bot.platforms.mastodon.rules import MastodonRules
from bot.publish.driver import PublishError, PublishRateLimited, Sent, Verdict, one_line
from bot.publish.outbox import OutboxPost
from bot.timeutil import Clock, utcnow

#: Mastodon keeps an idempotency key for an hour; trust it for less, then look instead
KEY_TRUSTED_FOR = dt.timedelta(minutes=45)
_FIND_PAGES = 5  # 200 statuses since the parent: far more than a thread's own


def idempotency_key(issue_key: str, account: str, position: int) -> str:
    """The same for every attempt at one post, different for every other post."""
    return hashlib.sha256(f"{issue_key}\n{account}\n{position}".encode()).hexdigest()[:48]


class MastodonAdapter:
    """Post to one account on one instance (a bearer token with ``write:statuses``)."""

    platform = "mastodon"
    name = "Mastodon"
    idempotency_window: dt.timedelta | None = KEY_TRUSTED_FOR
    # A status is in the account's statuses as soon as it is created: an empty read is an answer.
    reconcile_grace = dt.timedelta(0)

    def __init__(self, *, base_url: str, access_token: str, visibility: str = "public",
                 timeout: float = 20.0, clock: Clock = utcnow) -> None:
        self.base_url = base_url.rstrip("/")
        self.visibility = visibility
        self.timeout = timeout
        self.clock = clock
        self._token = access_token
        self._client: Any = None
        self._adapter: Any = None
        self._me: tuple[str, str] | None = None  # (local account id, user@instance)

    def __repr__(self) -> str:  # never the token
        return f"MastodonAdapter(base_url={self.base_url!r})"

    @property
    def requests(self) -> int:
        return self._adapter.requests if self._adapter else 0

    def take_reads(self) -> list[Any]:
        return []  # Mastodon charges nothing

    def client(self) -> Any:
        if self._client is None:
            from mastodon import Mastodon

            from bot.publish.http import plain_session

            session, self._adapter = plain_session(timeout=self.timeout)
            self._client = Mastodon(access_token=self._token, api_base_url=self.base_url,
                                    request_timeout=self.timeout, session=session,
                                    ratelimit_method="throw", version_check_mode="none")
        return self._client

    @property
    def account(self) -> str:
        """``user@instance``, from ``verify_credentials`` (once per run)."""
        return self._whoami()[1]

    def _whoami(self) -> tuple[str, str]:
        if self._me is None:
            from collectors.mastodon_rows import handle

            me = self._read("the account", lambda: self.client().account_verify_credentials())
            self._me = (str(me["id"]), handle(me))
        return self._me

    # -- the adapter interface -------------------------------------------------------------
    def prepare(self, posts: Sequence[OutboxPost]) -> None:
        """Every post must fit the instance's own limit before the first one goes."""
        instance = self._read("the instance's limits", lambda: self.client().instance_v2())
        statuses = ((instance.get("configuration") or {}).get("statuses")) or {}
        rules = MastodonRules(limit=int(statuses.get("max_characters") or MastodonRules.limit),
                              url_weight=int(statuses.get("characters_reserved_per_url") or 23))
        for post in posts:
            if not rules.fits(post.text):
                host = urlsplit(self.base_url).netloc
                raise PublishError(
                    f"post {post.position + 1} of the Mastodon thread for issue {post.issue_key} "
                    f"measures {rules.describe(post.text)}; {host} allows {rules.describe_limit()}: "
                    "nothing was sent"
                )

    def send(self, post: OutboxPost, parent: str | None) -> Sent:
        status = self.client().status_post(
            post.text, in_reply_to_id=parent, visibility=self.visibility,
            language=post.langs[0] if post.langs else None,
            idempotency_key=idempotency_key(post.issue_key, post.account, post.position),
        )
        return Sent(str(status["id"]), str(status["url"] or status["uri"]))

    def classify(self, exc: Exception) -> Verdict | None:
        from mastodon import (
            MastodonAPIError,
            MastodonNetworkError,
            MastodonRatelimitError,
            MastodonServerError,
        )

        if isinstance(exc, MastodonRatelimitError):  # 429: nothing was created
            return Verdict("rate_limited", one_line(exc), retry_at=self._reset(),
                           limit="Mastodon's rate limit")
        if isinstance(exc, (MastodonNetworkError, MastodonServerError)):
            return Verdict("uncertain", one_line(f"{type(exc).__name__}: {_detail(exc)}"))
        if isinstance(exc, MastodonAPIError):
            status = _status(exc)
            if status == 401:
                return Verdict("fix_and_retry", _detail(exc), hint="check MASTODON_ACCESS_TOKEN")
            if status == 403:
                return Verdict("fix_and_retry", _detail(exc),
                               hint="check the token's scopes (write:statuses)")
            return Verdict("refused", _detail(exc))  # 422 validation, 404 parent gone, ...
        return None

    def find(self, post: OutboxPost, parent: str | None) -> Sent | None:
        """A status of the account that is this one: same parent, same text."""
        from collectors.mastodon_rows import html_text

        account_id = self._whoami()[0]
        api = self.client()
        page = self._read("the account's statuses", lambda: api.account_statuses(
            account_id, since_id=parent, limit=40, exclude_reblogs=True))
        for _ in range(_FIND_PAGES):
            for status in page or []:
                replied_to = str(status["in_reply_to_id"]) if status.get("in_reply_to_id") else None
                if replied_to == parent and _same(post.text, html_text(status["content"])):
                    return Sent(str(status["id"]), str(status["url"] or status["uri"]))
            if not page:
                return None
            page = self._read("the account's statuses", lambda page=page: api.fetch_next(page))
        return None

    # -- helpers ---------------------------------------------------------------------------
    def _read(self, what: str, call: Any) -> Any:
        """A read from the instance, with its errors as one-line errors of ours."""
        from mastodon import MastodonError, MastodonRatelimitError

        try:
            return call()
        except MastodonRatelimitError:
            retry_at = self._reset()
            raise PublishRateLimited(
                f"Mastodon's rate limit reached reading {what}; nothing is sent before it is read: "
                f"run bot post again after {retry_at or 'the limit resets'}", retry_at) from None
        except MastodonError as exc:
            raise PublishError(f"could not read {what} on Mastodon: {_detail(exc)}") from None

    def _reset(self) -> str | None:
        """When the window reopens, from the last answer's ``X-RateLimit-Reset`` (an ISO time)."""
        from bot import platforms
        from collectors.ratelimit import utc_iso

        response = self._adapter.last if self._adapter else None
        reader = platforms.get(self.platform).rate_headers
        if response is None or reader is None:
            return None
        reset = reader().reset_at(response.headers, now=self.clock().timestamp())
        return utc_iso(reset) if reset is not None else None


def _status(exc: Exception) -> int | None:
    args: tuple[Any, ...] = tuple(getattr(exc, "args", ()))
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _detail(exc: Exception) -> str:
    """``422 Unprocessable Content: Validation failed: ...`` from Mastodon.py's error args."""
    from collectors.mastodon import api_error

    return api_error(exc)


def _same(sent: str, seen: str) -> bool:
    def comparable(text: str) -> str:
        return " ".join(unicodedata.normalize("NFC", text).split())

    return comparable(sent) == comparable(seen)
