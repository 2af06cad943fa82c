"""Provide :class:`ReplyChainDriver`: one exactly-once loop for platforms that post one at a time.

The driver owns every outbox transition; a platform adapter only talks to its API:
``send`` one post as a reply to a parent, ``find`` a post already on the account (same text,
same parent), and ``classify`` an error into a :class:`Verdict`. Each post is bracketed by
committed transitions: ``pending → sending`` before the call, ``sending → sent`` with the
remote id after it. A post found ``sending`` or ``unknown`` (a crash, a timeout, a 5xx,
"duplicate content") is reconciled before anything is sent again: re-sent with the same
idempotency key while the platform still remembers it, otherwise looked for on the account.
A half-posted thread resumes by replying to the last post that exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Literal, Protocol

import msgspec
from sqlite_utils import Database

from bot.errors import BotError
from bot.publish.outbox import (
    UNSETTLED,
    OutboxPost,
    attempted_at,
    refusal,
    refuse,
    thread_posts,
    transition,
)
from bot.timeutil import Clock, iso, parse_iso, utcnow


class PublishError(BotError):
    """The platform refused the post, or its outcome is not known yet."""


class PublishRateLimited(PublishError):
    """A rate limit or posting cap stopped the thread; its state is kept."""

    def __init__(self, message: str, retry_at: str | None) -> None:
        self.retry_at = retry_at
        super().__init__(message)


class PublishPending(PublishRateLimited):
    """A post may exist but is not visible yet (timelines lag): look again after ``retry_at``."""


class PublishRefused(PublishError):
    """The platform refused to continue the thread; no rerun sends anything for it."""


class PublishDuplicate(PublishError):
    """Refused as duplicate content and, after the grace, not in the thread: the same text is
    elsewhere on the account. Kept ``unknown`` (it may exist), never sent again by itself."""


class Sent(msgspec.Struct, frozen=True):
    """A post that exists on the platform."""

    remote_id: str
    url: str


class Read(msgspec.Struct, frozen=True):
    """Reads a publisher made where the platform charges for them (X's owned reads while
    reconciling): the posting service records them for bot status."""

    what: str  #: "owned reads", "user reads"
    resources: int
    cost_usd: float


class Verdict(msgspec.Struct, frozen=True):
    """What an error from ``send`` means for the post.

    * ``rate_limited``: nothing was created; resume after ``retry_at`` (``limit`` names it);
    * ``fix_and_retry``: refused for a reason the user can fix (credentials, permissions):
      nothing was created, the post goes back to ``pending``;
    * ``refused``: the post itself was refused and does not exist: ``failed``;
    * ``duplicate``: refused as a repeat: evidence that it exists; never sent again;
    * ``uncertain``: a timeout, a dropped connection, a 5xx: it may exist; look before deciding;
    * ``stopped``: the account cannot post now (no credits, a usage cap, an app not enrolled):
      nothing was created, the post goes back to ``pending``; ``limit`` says why, ``hint`` what
      to do, ``retry_at`` when (if the platform says);
    * ``thread_refused``: the platform will not take this post in this thread (X's reply
      restriction): nothing was created; the thread is recorded as refused and never resumed.
    """

    kind: Literal["rate_limited", "fix_and_retry", "refused", "duplicate", "uncertain", "stopped",
                  "thread_refused"]
    detail: str
    hint: str = ""
    retry_at: str | None = None
    limit: str = ""


class ChainAdapter(Protocol):
    """A database-free client of one account on a post-by-post platform."""

    platform: str
    name: str
    #: how long the platform answers a repeated idempotency key with the post it made (None: no keys)
    idempotency_window: dt.timedelta | None
    #: how long after an attempt a post not seen on the account may still be there (timelines
    #: lag): until then it is never sent again
    reconcile_grace: dt.timedelta

    @property
    def account(self) -> str: ...

    @property
    def requests(self) -> int: ...

    def send(self, post: OutboxPost, parent: str | None) -> Sent: ...

    def find(self, post: OutboxPost, parent: str | None) -> Sent | None: ...

    def classify(self, exc: Exception) -> Verdict | None: ...

    def take_reads(self) -> list[Read]:
        """The charged reads made since the last call (and forget them); [] where reads are free."""
        ...

    def prepare(self, posts: Sequence[OutboxPost]) -> None:
        """Check what must hold before any of ``posts`` is sent (an instance's own limits);
        raise a :class:`PublishError` to stop with nothing sent."""
        ...


class ReplyChainDriver:
    """Bring a recorded thread to ``sent`` through a :class:`ChainAdapter`, never twice."""

    def __init__(self, adapter: ChainAdapter, *, db: Database, clock: Clock = utcnow) -> None:
        self.adapter = adapter
        self.platform = adapter.platform
        self.db = db
        self.clock = clock

    def __repr__(self) -> str:
        return f"ReplyChainDriver({self.adapter!r})"

    @property
    def account(self) -> str:
        return self.adapter.account

    @property
    def requests(self) -> int:
        return self.adapter.requests

    def take_reads(self) -> list[Read]:
        return self.adapter.take_reads()

    def publish(self, posts: Sequence[OutboxPost], *, renew: Callable[[], None] | None = None
                ) -> list[OutboxPost]:
        """Bring one recorded thread to ``sent``, post by post; return its rows."""
        if not posts:
            return []
        key = (posts[0].issue_key, posts[0].platform, posts[0].account)
        refused = refusal(self.db, *key)
        if refused:  # decided before: nothing is asked of the platform again
            raise PublishRefused(refused["reason"])
        unsent = [p for p in posts if p.state != "sent"]
        if unsent:
            self.adapter.prepare(unsent)
        parent: str | None = None
        for post in posts:
            if post.state == "sent":
                parent = post.remote_id
                continue
            if post.state == "failed":
                raise PublishError(
                    f"post {post.position + 1} of the {self.adapter.name} thread for issue "
                    f"{post.issue_key} failed earlier ({post.last_error}); fix it, then bot post "
                    "--retry-failed"
                )
            if post.state in UNSETTLED:
                if not self._key_remembered(post):
                    found = self._reconcile(post, parent, total=len(posts))
                    if found:
                        parent = found.remote_id
                        continue
                # Not on the platform after the grace (or its key still answers with the post it
                # made): sending it now cannot make a second one.
                post = transition(self.db, post.id, to="pending", expect=UNSETTLED, clock=self.clock)
            parent = self._send(post, parent, total=len(posts))
            if renew:
                renew()
        return thread_posts(self.db, *key)

    def _reconcile(self, post: OutboxPost, parent: str | None, *, total: int) -> Sent | None:
        """Look for a post a crash or an unanswered request left behind: ``sent`` if the account
        has it; else it stays ``unknown`` (and the run stops) until the grace since the attempt
        has passed, and for good if the platform called it a duplicate. None: send it again."""
        if post.state == "sending":  # a crash between the request and its answer
            post = transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                              last_error="interrupted while sending: it may exist")
        found = self.adapter.find(post, parent)
        if found:
            self._sent(post, found, expect=["unknown"])
            return found
        where = f"post {post.position + 1}/{total} of issue {post.issue_key}"
        self._still_possible(post, parent, where)
        return None

    def _still_possible(self, post: OutboxPost, parent: str | None, where: str) -> None:
        """Raise while a post not seen on the account may still exist: within the grace since
        it was sent (timelines lag), or ever after the platform called it a duplicate."""
        name = self.adapter.name
        sent_at = attempted_at(self.db, post.id) or post.updated_at
        until = parse_iso(sent_at) + self.adapter.reconcile_grace if sent_at else self.clock()
        if (post.last_error or "").startswith("duplicate content"):
            place = f"a reply to {parent}" if parent else "the start of a thread"
            if self.clock() < until:
                raise PublishPending(
                    f"{name} refused {where} as duplicate content, so it exists, but it is not on the "
                    f"account as {place} yet (timelines lag); it is never sent again: run bot post "
                    f"again after {iso(until)}", iso(until))
            raise PublishDuplicate(
                f"{name} refused {where} as duplicate content, and {_span(self.adapter.reconcile_grace)} "
                f"later the account still has no such post as {place}: the same text was posted "
                "elsewhere; it is kept unknown and never sent again (delete the other post, then "
                "bot post --retry-failed)")
        if self.clock() < until:
            raise PublishPending(
                f"{where} may be on {name} already (sent at {sent_at}; not on the account yet: "
                f"timelines lag) and is never sent twice: run bot post again after {iso(until)}",
                iso(until))

    def _key_remembered(self, post: OutboxPost) -> bool:
        window = self.adapter.idempotency_window
        if window is None or not post.updated_at:
            return False
        return self.clock() - parse_iso(post.updated_at) < window

    def _send(self, post: OutboxPost, parent: str | None, *, total: int) -> str:
        transition(self.db, post.id, to="sending", expect=["pending"], clock=self.clock,
                   count_attempt=True)
        where = f"post {post.position + 1}/{total} of issue {post.issue_key}"
        try:
            sent = self.adapter.send(post, parent)
        except Exception as exc:
            verdict = self.adapter.classify(exc)
            if verdict is None:
                raise
            return self._settle(post, parent, verdict, where)
        self._sent(post, sent, expect=["sending"])
        return sent.remote_id

    def _sent(self, post: OutboxPost, sent: Sent, *, expect: Sequence[str]) -> None:
        transition(self.db, post.id, to="sent", expect=expect, clock=self.clock,
                   remote_id=sent.remote_id, remote_url=sent.url, last_error=None)

    def _settle(self, post: OutboxPost, parent: str | None, verdict: Verdict, where: str) -> str:
        name = self.adapter.name
        if verdict.kind == "rate_limited":
            # Nothing was created; keep the thread's state for a later run.
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=f"{verdict.limit} reached; resume after {verdict.retry_at or 'it resets'}")
            raise PublishRateLimited(
                f"{verdict.limit} reached at {where} ({post.position} sent, kept); run bot post again "
                f"after {verdict.retry_at or 'the limit resets'} to finish the thread",
                verdict.retry_at,
            )
        if verdict.kind == "stopped":
            # The account cannot post now; nothing was created: keep the thread for a later run.
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=f"{verdict.limit}: {verdict.detail}")
            when = f"; {name} says it resets at {verdict.retry_at}" if verdict.retry_at else ""
            raise PublishRateLimited(
                f"{verdict.limit} at {where} ({post.position} sent, kept){when}: {verdict.hint}, "
                "then run bot post again to finish the thread", verdict.retry_at)
        if verdict.kind == "thread_refused":
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=verdict.detail)
            reason = (f"{name} refused {where} ({verdict.detail}): the thread stops after "
                      f"{post.position} post{'s' if post.position != 1 else ''} and is never resumed "
                      f"or re-posted in another form; {verdict.hint}")
            refuse(self.db, post, reason, clock=self.clock)
            raise PublishRefused(reason)
        if verdict.kind == "fix_and_retry":
            transition(self.db, post.id, to="pending", expect=["sending"], clock=self.clock,
                       last_error=verdict.detail)
            raise PublishError(f"{name} refused {where} ({verdict.detail}); {verdict.hint}, then run "
                               "bot post again")
        if verdict.kind == "refused":
            transition(self.db, post.id, to="failed", expect=["sending"], clock=self.clock,
                       last_error=verdict.detail)
            raise PublishError(f"{name} refused {where}: {verdict.detail}")
        if verdict.kind == "duplicate":
            return self._settle_duplicate(post, parent, verdict, where)
        return self._settle_uncertain(post, parent, verdict, where)

    def _settle_duplicate(self, post: OutboxPost, parent: str | None, verdict: Verdict, where: str) -> str:
        """"Duplicate content" is evidence that the post exists: it is ours once the account
        shows it in this very place (same text, same parent); until then it stays ``unknown``
        and is never sent again (never ``failed``: it may exist)."""
        transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                   last_error=f"duplicate content: {verdict.detail}")
        found = self.adapter.find(post, parent)  # if it cannot be read, the post stays unknown
        if found:
            self._sent(post, found, expect=["unknown"])
            return found.remote_id
        unknown = next(p for p in thread_posts(self.db, post.issue_key, post.platform, post.account)
                       if p.id == post.id)
        self._still_possible(unknown, parent, where)
        raise AssertionError("unreachable: a duplicate is always still possible")  # pragma: no cover

    def _settle_uncertain(self, post: OutboxPost, parent: str | None, verdict: Verdict, where: str) -> str:
        """A timeout, a dropped connection or a 5xx: look on the platform before deciding."""
        name = self.adapter.name
        transition(self.db, post.id, to="unknown", expect=["sending"], clock=self.clock,
                   last_error=verdict.detail)
        unconfirmed = f"{name} did not confirm {where} ({verdict.detail})"
        try:
            found = self.adapter.find(post, parent)
        except PublishRateLimited as exc:  # unreadable now: the post stays unknown for the next run
            raise PublishRateLimited(f"{unconfirmed} and {exc}", exc.retry_at) from None
        except BotError as exc:
            raise PublishError(f"{unconfirmed} and could not be checked ({exc}); run bot post again: "
                               "it looks before sending") from None
        if found:
            self._sent(post, found, expect=["unknown"])
            return found.remote_id
        # Not visible (yet: timelines lag): leave it unknown until the grace has passed.
        sent_at = attempted_at(self.db, post.id) or iso(self.clock())
        until = parse_iso(sent_at) + self.adapter.reconcile_grace
        later = until > self.clock()  # else the next run may send it again after looking once more
        raise PublishPending(
            f"{unconfirmed} and it is not on the account yet (timelines lag); it is never sent "
            f"twice: run bot post again{f' after {iso(until)}' if later else ''} to check and resume",
            iso(until) if later else None)


def _span(delta: dt.timedelta) -> str:
    """``10 min``, ``30 s``: a grace period for people."""
    seconds = int(delta.total_seconds())
    return f"{seconds // 60} min" if seconds >= 60 and seconds % 60 == 0 else f"{seconds} s"


def one_line(value: object) -> str:
    """An error's text on one line, at most 300 characters."""
    return " ".join(str(value).split())[:300]


def response_headers(exc: Exception) -> dict[str, str]:
    """The lower-cased headers of the HTTP response an SDK error carries, if any."""
    response = getattr(exc, "response", None)
    headers = getattr(response, "headers", None)
    return {k.lower(): v for k, v in headers.items()} if headers else {}


def response_status(exc: Exception) -> int | None:
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return status if isinstance(status, int) else None


