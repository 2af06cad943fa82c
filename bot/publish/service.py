"""Provide :func:`post_threads`: record each thread in the outbox and bring it to ``sent``.

The same function serves ``bot post`` and ``bot run``. Each platform is independent: a
rate limit on X does not stop the Bluesky thread; every failure is reported at the end.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import msgspec
from sqlite_utils import Database

from bot import platforms
from bot.compose.model import Thread
from bot.errors import BotError
from bot.newsletter.model import Issue
from bot.platforms.protocols import Publisher
from bot.publish.lease import Lease
from bot.publish.outbox import OutboxPost, record_thread, refusal, reset_failed, thread_posts
from bot.settings import Settings
from bot.timeutil import Clock, utcnow

log = logging.getLogger(__name__)


class PostResult(msgspec.Struct, frozen=True):
    platform: str
    posts: list[OutboxPost]
    sent_now: int
    requests: int
    error: str | None = None
    #: when the platform takes posts again, if a rate limit stopped the thread
    retry_at: str | None = None
    #: the platform refused the thread or a post for good (not a failure a rerun can fix)
    refused: bool = False
    #: the reason the platform refused to continue this thread (a recorded refusal): no run
    #: sends anything for it again, whatever its form now, until bot post --retry-failed
    ended: str | None = None

    @property
    def done(self) -> bool:
        return bool(self.posts) and all(p.state == "sent" for p in self.posts)

    @property
    def url(self) -> str | None:
        return self.posts[0].remote_url if self.posts and self.posts[0].state == "sent" else None


class PostingFailed(BotError):
    """At least one platform's thread is not (yet) fully posted."""


def build_publisher(platform: str, settings: Settings, db: Database, *, clock: Clock = utcnow) -> Publisher:
    """The publisher for a platform, with its credentials from the environment."""
    factory = platforms.get(platform, posting=True).publisher
    assert factory is not None
    return factory(settings, db, clock)


def post_threads(
    db: Database,
    issue: Issue,
    threads: Mapping[str, Thread],
    *,
    publishers: Mapping[str, Publisher],
    retry_failed: bool = False,
    clock: Clock = utcnow,
) -> list[PostResult]:
    """Post every platform's thread exactly once; never raises for one platform's failure."""
    from bot.newsletter.store import save_issue

    save_issue(db, issue)
    results = []
    for platform, thread in threads.items():
        publisher = publishers[platform]
        sent_before = _sent(_current(db, thread, publisher))
        try:
            results.append(_post_one(db, thread, publisher, retry_failed=retry_failed, clock=clock))
            _record_reads(db, thread, publisher, clock)
        except Exception as exc:  # one platform's failure never stops the others
            _record_reads(db, thread, publisher, clock)
            if not isinstance(exc, BotError):
                log.debug("posting to %s failed", platform, exc_info=True)
            error = str(exc) if isinstance(exc, BotError) else f"unexpected {type(exc).__name__}: {exc}"
            log.warning("%s: %s", platform, error)
            posts = _current(db, thread, publisher)
            from bot.publish.driver import PublishDuplicate, PublishRefused

            results.append(PostResult(platform, posts, _sent(posts) - sent_before, publisher.requests,
                                      error=" ".join(error.split()),
                                      retry_at=getattr(exc, "retry_at", None),
                                      refused=isinstance(exc, (PublishRefused, PublishDuplicate)),
                                      ended=_refused(db, thread, publisher)))
    return results


def report(results: list[PostResult]) -> list[str]:
    """One line per platform: posted or incomplete, how many, requests, the thread's link."""
    return [
        f"{r.platform}: {'posted' if r.done else 'incomplete'} {_sent(r.posts)}/{len(r.posts)}"
        f" ({r.sent_now} new, {r.requests} requests) {r.url or ''}".rstrip()
        for r in results
    ]


def raise_unfinished(results: list[PostResult]) -> None:
    """Raise :class:`PostingFailed` naming every platform whose thread is not fully posted."""
    failed = [r for r in results if r.error or not r.done]
    if failed:
        raise PostingFailed("; ".join(f"{r.platform}: {r.error or 'not finished'}" for r in failed))


def _sent(posts: list[OutboxPost]) -> int:
    return sum(1 for p in posts if p.state == "sent")


def _current(db: Database, thread: Thread, publisher: Publisher) -> list[OutboxPost]:
    try:
        return thread_posts(db, thread.issue_key, thread.platform, publisher.account)
    except Exception:  # the account itself could not be determined
        return []


def _record_reads(db: Database, thread: Thread, publisher: Publisher, clock: Clock) -> None:
    """Record what the publisher read where reading is charged (X's owned reads while
    reconciling), for bot status's spend."""
    from bot.db import immediate
    from bot.timeutil import iso

    reads = publisher.take_reads()
    if not reads:
        return
    with immediate(db):
        for read in reads:
            db.execute("INSERT INTO publish_reads (platform, issue_key, what, resources, cost_usd, at)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       [thread.platform, thread.issue_key, read.what, read.resources, read.cost_usd,
                        iso(clock())])


def _refused(db: Database, thread: Thread, publisher: Publisher) -> str | None:
    """The recorded refusal of this thread, if the platform refused it (a changed form, which
    the outbox also refuses, does not change that)."""
    try:
        found = refusal(db, thread.issue_key, thread.platform, publisher.account)
    except Exception:  # the account itself could not be determined
        return None
    return " ".join(found["reason"].split()) if found else None


def _post_one(db: Database, thread: Thread, publisher: Publisher, *, retry_failed: bool,
              clock: Clock) -> PostResult:
    account = publisher.account
    posts = record_thread(db, thread, account=account, clock=clock)
    before = _sent(posts)
    if before == len(posts):
        return PostResult(thread.platform, posts, 0, publisher.requests)
    with Lease(db, thread.issue_key, thread.platform, clock=clock) as lease:
        if retry_failed:
            reset_failed(db, thread.issue_key, thread.platform, account, clock=clock)
        posts = thread_posts(db, thread.issue_key, thread.platform, account)  # under the lease
        posts = publisher.publish(posts, renew=lease.renew)
    return PostResult(thread.platform, posts, _sent(posts) - before, publisher.requests)
