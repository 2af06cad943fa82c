"""Provide the interface every platform collector implements, and the rows they produce.

Each platform module (``x.py``, ``bluesky.py``, ``reddit.py``) is fetch -> transform -> save:

* ``fetch(source, state)`` talks to the network (paging, rate limits) and yields
  :class:`Page` objects: one raw API response body each, plus the harvest state that
  becomes true once that page's rows are saved;
* ``to_rows(raw)`` is pure: one raw body (the same JSON ``bot harvest --load FILE`` reads)
  in, :class:`Rows` out;
* ``fetch_thread(ref)`` yields the pages that make up one whole thread.

``collectors.store.save_page`` writes a page's rows and advances its state in one transaction.

Row shapes (all ids TEXT, platform-qualified: ``x:146...``, ``bsky:at://...``, ``reddit:t3_...``;
all times ISO-8601 UTC text ending in ``Z``):

* posts: id, platform, thread_id, parent_id, author_id, text, created_at, url,
  like_count, repost_count, reply_count, quote_count, raw (JSON text)
* authors: id, platform, handle, display_name, description, followers_count, url, raw
* threads: id, platform, root_post_id, author_id, title, url
  (counts and first/last seen are computed by the store from the posts)
* links: post_id, url, domain
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

import msgspec


class Rows(msgspec.Struct):
    """The rows one raw body turns into."""

    posts: list[dict[str, Any]] = msgspec.field(default_factory=list)
    authors: list[dict[str, Any]] = msgspec.field(default_factory=list)
    threads: list[dict[str, Any]] = msgspec.field(default_factory=list)
    links: list[dict[str, Any]] = msgspec.field(default_factory=list)
    #: one human-readable warning per malformed item that was skipped
    skipped: list[str] = msgspec.field(default_factory=list)

    def extend(self, other: Rows) -> Rows:
        self.posts.extend(other.posts)
        self.authors.extend(other.authors)
        self.threads.extend(other.threads)
        self.links.extend(other.links)
        self.skipped.extend(other.skipped)
        return self


class Page(msgspec.Struct):
    """One raw response body, and the harvest state to record once it is saved."""

    raw: Any
    state: dict[str, Any] | None = None
    requests: int = 1
    #: resources read for this page outside its body, by kind, where the platform charges
    #: for reads (X: ``{"users": 1}`` for an account source's user lookup)
    extra_reads: dict[str, int] = msgspec.field(default_factory=dict)


class RateLimited(Exception):
    """The platform asked us to wait longer than the policy allows; the run stops cleanly."""

    def __init__(self, platform: str, retry_at: str | None, detail: str = "") -> None:
        self.platform = platform
        self.retry_at = retry_at  # ISO-8601 UTC, or None when the platform did not say
        when = f"try again after {retry_at}" if retry_at else "try again later"
        super().__init__(f"{platform} rate limit reached: {when}" + (f" ({detail})" if detail else ""))


class Interrupted(Exception):
    """The process is stopping (SIGTERM) while a collector waits: the run ends at a page boundary."""


class Collector(Protocol):
    """What ``bot harvest`` needs from a platform module."""

    platform: str

    def fetch(self, source: Any, state: dict[str, Any] | None) -> Iterator[Page]: ...

    def to_rows(self, raw: Any) -> Rows: ...

    def fetch_thread(self, ref: str) -> Iterator[Page]: ...
