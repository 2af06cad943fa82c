"""Provide the paging of Bluesky harvest sources: what each kind asks for, and when it stops.

Kinds (``[[sources]]`` in ``bot.toml``): ``search`` (``app.bsky.feed.searchPosts``, newest
first), ``account`` (``getAuthorFeed``), ``list`` (``getListFeed``) and ``feed`` (``getFeed`` on
a feed generator). The first three are chronological, so they are incremental: the state
keeps the newest ``indexedAt`` seen (and the URIs at exactly that instant), a run pages back
until it reaches it, and each page's body is trimmed to the items not seen before. A feed
generator ranks as it likes, so a ``feed`` source reads its first ``max_pages`` every run.

The AppView reports (and sorts by) ``min(createdAt, time indexed)`` as a post's
``indexedAt``, so a post backdated to before the previous run's newest item is not seen by
an incremental run; a thread rebuild (``fetch_thread``) still finds it.

Only a run's last page carries the new state: a run cut short leaves the old state, and the
next run pages down to it again (re-saving a page is harmless), so nothing is ever skipped
except what lies beyond ``max_pages``, which is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import msgspec

from collectors.base import Page
from collectors.bluesky_refs import (
    FEED_GENERATOR,
    LIST,
    Resolver,
    parse_actor,
    parse_record_ref,
)
from collectors.bluesky_rows import parse_time

log = logging.getLogger(__name__)

Query = Callable[[str, Mapping[str, Any]], dict[str, Any]]

#: options each kind passes through to its method, besides ``max_pages``
_OPTIONS = {
    "search": ("sort", "since", "until", "lang", "author", "domain", "url", "tag", "mentions"),
    "account": ("filter", "include_pins"),
    "list": (),
    "feed": (),
}


class Plan(msgspec.Struct, frozen=True):
    """One source's method, parameters and paging rules."""

    nsid: str
    params: dict[str, Any]
    items: str  # the body's list: "posts" or "feed"
    chronological: bool
    max_pages: int


def harvest_plan(source: Any, *, resolve_handle: Resolver, max_pages: int) -> Plan:
    """The plan for a source with ``.name``, ``.kind``, ``.target`` and ``.options``."""
    name, kind, target = source.name, source.kind, source.target
    options = dict(getattr(source, "options", None) or {})
    if kind not in _OPTIONS:
        raise ValueError(f"source {name!r}: unknown Bluesky source kind {kind!r} (use search, account, feed or list)")
    pages = options.pop("max_pages", max_pages)
    unknown = sorted(set(options) - set(_OPTIONS[kind]))
    if unknown:
        allowed = ", ".join(("max_pages", *_OPTIONS[kind]))
        raise ValueError(f"source {name!r}: unknown option(s) {', '.join(unknown)} for a Bluesky {kind} (use {allowed})")
    if not isinstance(pages, int) or isinstance(pages, bool) or pages < 1:
        raise ValueError(f"source {name!r}: max_pages must be a whole number >= 1, not {pages!r}")
    try:
        if kind == "search":
            params = {"q": target, "sort": "latest", **options}
            return Plan("app.bsky.feed.searchPosts", params, "posts", True, pages)
        if kind == "account":
            params = {"actor": parse_actor(target), "filter": "posts_and_author_threads", **options}
            return Plan("app.bsky.feed.getAuthorFeed", params, "feed", True, pages)
        if kind == "list":
            uri = parse_record_ref(target, LIST, resolve_handle=resolve_handle)
            return Plan("app.bsky.feed.getListFeed", {"list": uri}, "feed", True, pages)
        uri = parse_record_ref(target, FEED_GENERATOR, resolve_handle=resolve_handle)
        return Plan("app.bsky.feed.getFeed", {"feed": uri}, "feed", False, pages)
    except ValueError as exc:
        raise ValueError(f"source {name!r}: {exc}") from None


class Watermark(msgspec.Struct, frozen=True):
    """The newest item time a source has saved, and the items at exactly that time."""

    newest: str | None = None  # "YYYY-MM-DDTHH:MM:SS.ffffffZ": sorts as text
    uris: frozenset[str] = msgspec.field(default_factory=frozenset)

    @classmethod
    def of(cls, state: Mapping[str, Any] | None) -> Watermark:
        state = state or {}
        newest = _key_time(state.get("newest"))
        return cls(newest, frozenset(state.get("newest_uris") or ()))

    def is_new(self, when: str | None, uri: str) -> bool:
        if self.newest is None or when is None:
            return True
        return when > self.newest or (when == self.newest and uri not in self.uris)

    def advanced(self, when: str | None, uri: str) -> Watermark:
        if when is None or (self.newest is not None and when < self.newest):
            return self
        if when == self.newest:
            return Watermark(when, self.uris | {uri})
        return Watermark(when, frozenset({uri}))

    def state(self) -> dict[str, Any]:
        return {"newest": self.newest, "newest_uris": sorted(self.uris)} if self.newest else {}


def paged(
    plan: Plan,
    state: Mapping[str, Any] | None,
    *,
    query: Query,
    page_limit: int,
    requests: Callable[[], int],
) -> Iterator[Page]:
    """Ask ``plan``'s method page by page; yield each page's unseen items, state on the last."""
    seen = Watermark.of(state) if plan.chronological else Watermark()
    best, cursor = seen, None
    for number in range(1, plan.max_pages + 1):
        before = requests()
        body = query(plan.nsid, {**plan.params, "limit": page_limit, "cursor": cursor})
        items = body.get(plan.items)
        if not isinstance(items, list):
            raise ValueError(f"{plan.nsid} answered without a {plan.items!r} list")
        keyed = [(item, item_key(item)) for item in items]
        fresh = [item for item, (when, uri) in keyed if seen.is_new(when, uri)]
        for _item, (when, uri) in keyed:
            if seen.is_new(when, uri):
                best = best.advanced(when, uri)
        times = [when for _item, (when, _uri) in keyed if when]
        reached = seen.newest is not None and bool(times) and min(times) <= seen.newest
        cursor = body.get("cursor")
        last = reached or not cursor or not items or number == plan.max_pages
        if last and not reached and cursor and seen.newest is not None:
            log.warning(
                "%s: stopped after %d pages before reaching the previous run's newest item; "
                "older unseen items are skipped (raise max_pages to read further)",
                plan.nsid, number,
            )
        trimmed = {**body, plan.items: fresh}
        yield Page(raw=trimmed, state=best.state() if last else None, requests=requests() - before)
        if last:
            return


def item_key(item: Any) -> tuple[str | None, str]:
    """(sort time, identity) of a post view or feed item: a repost sorts by when it was reposted."""
    if not isinstance(item, Mapping):
        return None, ""
    post: Mapping[str, Any] = item["post"] if isinstance(item.get("post"), Mapping) else item
    reason = item.get("reason")
    uri = str(post.get("uri", ""))
    if isinstance(reason, Mapping) and reason.get("indexedAt"):
        by: Mapping[str, Any] = reason["by"] if isinstance(reason.get("by"), Mapping) else {}
        return _key_time(reason["indexedAt"]), str(reason.get("uri") or f"{uri}#repost:{by.get('did', '')}")
    record: Mapping[str, Any] = post["record"] if isinstance(post.get("record"), Mapping) else {}
    return _key_time(post.get("indexedAt")) or _key_time(record.get("createdAt")), uri


def _key_time(value: Any) -> str | None:
    moment = parse_time(value)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z") if moment else None
