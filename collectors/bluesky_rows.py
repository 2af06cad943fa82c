"""Provide :func:`to_rows`: Bluesky AppView response bodies to posts, authors, threads and links.

Pure and SDK-free: it reads the XRPC JSON exactly as the AppView returns it (what
``bot harvest --platform bluesky --load FILE`` reads), so it is fast and testable offline:

* ``app.bsky.feed.searchPosts`` (and ``getPosts``): ``{"posts": [postView, ...]}``
* ``app.bsky.feed.getAuthorFeed`` / ``getFeed`` / ``getListFeed``: ``{"feed": [feedViewPost, ...]}``;
  a reply's ``reply.root`` and ``reply.parent`` views become rows too
* ``app.bsky.feed.getPostThread``: ``{"thread": threadViewPost}``, flattened top-down in
  reading order: the ancestors, then the post, then its replies depth first, the thread
  author's own replies before other people's, then oldest first.

A malformed item is skipped and named in :attr:`Rows.skipped` (and logged); deleted or
blocked posts (``#notFoundPost``, ``#blockedPost``) are simply absent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator, Mapping
from typing import Any

from collectors.base import Rows
from collectors.bluesky_refs import POST
from collectors.rowcheck import validated
from collectors.urls import extract_urls, link_rows

log = logging.getLogger(__name__)

PLATFORM = "bluesky"
TITLE_LIMIT = 200  # characters of the root post's first line kept as a thread's title
_LINK_FEATURE = "app.bsky.richtext.facet#link"
_PLACEHOLDERS = ("app.bsky.feed.defs#notFoundPost", "app.bsky.feed.defs#blockedPost")

View = tuple[str, Any]  # (where it was in the body, the item)


class Malformed(ValueError):
    """An item lacks something every post view has."""


@validated  # every row checked against the row shapes (collectors.rowcheck)
def to_rows(raw: Any) -> Rows:
    """Rows for one ``searchPosts``, feed or ``getPostThread`` body (a dict of the JSON)."""
    if not isinstance(raw, Mapping):
        raise ValueError(f"not a Bluesky response body: expected a JSON object, got {type(raw).__name__}")
    if isinstance(raw.get("thread"), Mapping):
        views = list(_thread_views(raw["thread"]))
    elif isinstance(raw.get("posts"), list):
        views = [(f"posts[{i}]", item) for i, item in enumerate(raw["posts"])]
    elif isinstance(raw.get("feed"), list):
        views = list(_feed_views(raw["feed"]))
    else:
        keys = ", ".join(sorted(map(str, raw))) or "none"
        raise ValueError(
            "not a Bluesky searchPosts, feed or getPostThread body: it has no 'posts', "
            f"'feed' or 'thread' (keys: {keys})"
        )
    return _rows(views)


def _rows(views: list[View]) -> Rows:
    rows = Rows()
    posts: set[str] = set()
    authors: set[str] = set()
    for where, view in views:
        if _placeholder(view):
            continue
        try:
            post = post_row(view)
        except Malformed as exc:
            uri = view.get("uri") if isinstance(view, Mapping) else None
            warning = f"skipped malformed Bluesky post at {where}" + (f" ({uri})" if uri else "")
            warning += f": {exc}"
            log.warning("%s", warning)
            rows.skipped.append(warning)
            continue
        if post["id"] in posts:
            continue
        posts.add(post["id"])
        rows.posts.append(post)
        rows.links.extend(link_rows(post["id"], post_links(view)))
        if post["parent_id"] is None:
            rows.threads.append(thread_row(post, view))
        if post["author_id"] not in authors:
            authors.add(post["author_id"])
            rows.authors.append(author_row(view["author"]))
    return rows


def post_row(view: Any) -> dict[str, Any]:
    """The ``posts`` row for one ``app.bsky.feed.defs#postView``; :class:`Malformed` if it is not one."""
    if not isinstance(view, Mapping):
        raise Malformed(f"expected a post view object, got {type(view).__name__}")
    uri = view.get("uri")
    did, rkey = _split_post_uri(uri)
    assert isinstance(uri, str)  # _split_post_uri refused anything else
    author = view.get("author")
    if not isinstance(author, Mapping) or not isinstance(author.get("did"), str) or not author["did"]:
        raise Malformed("no author.did")
    record = view.get("record")
    if not isinstance(record, Mapping) or not isinstance(record.get("text"), str):
        raise Malformed("no record.text")
    root, parent = _reply_refs(record)
    return {
        "id": post_id(uri),
        "platform": PLATFORM,
        "thread_id": post_id(root or uri),
        "parent_id": post_id(parent) if parent else None,
        "author_id": author_id(author["did"]),
        "text": record["text"],
        "created_at": utc_text(record.get("createdAt")) or utc_text(view.get("indexedAt")),
        "url": f"https://bsky.app/profile/{did}/post/{rkey}",
        "like_count": _count(view.get("likeCount")),
        "repost_count": _count(view.get("repostCount")),
        "reply_count": _count(view.get("replyCount")),
        "quote_count": _count(view.get("quoteCount")),
        "raw": json.dumps(view, ensure_ascii=False),
    }


def author_row(author: Mapping[str, Any]) -> dict[str, Any]:
    """The ``authors`` row for a profile view (basic or full)."""
    return {
        "id": author_id(author["did"]),
        "platform": PLATFORM,
        "handle": author.get("handle"),
        "display_name": author.get("displayName") or None,
        "description": author.get("description") or None,
        "followers_count": _count(author.get("followersCount")),
        # The DID, not the handle: the link keeps working when the handle changes.
        "url": f"https://bsky.app/profile/{author['did']}",
        "raw": json.dumps(author, ensure_ascii=False),
    }


def thread_row(post: Mapping[str, Any], view: Mapping[str, Any]) -> dict[str, Any]:
    """The ``threads`` row a root post starts."""
    first_line = next((line.strip() for line in post["text"].splitlines() if line.strip()), "")
    if len(first_line) > TITLE_LIMIT:
        first_line = first_line[: TITLE_LIMIT - 1] + "…"
    return {
        "id": post["id"],
        "platform": PLATFORM,
        "root_post_id": post["id"],
        "author_id": post["author_id"],
        "title": first_line or None,
        "url": post["url"],
    }


def post_links(view: Mapping[str, Any]) -> list[str]:
    """The post's links: link facets, then an external embed's URL, then bare URLs in the text."""
    record = view["record"]
    urls: list[str] = []
    for facet in _dicts(record.get("facets")):
        for feature in _dicts(facet.get("features")):
            if feature.get("$type") == _LINK_FEATURE and isinstance(feature.get("uri"), str):
                urls.append(feature["uri"])
    embed = record.get("embed")
    if isinstance(embed, Mapping):
        media = embed.get("media") if embed.get("$type") == "app.bsky.embed.recordWithMedia" else embed
        external = media.get("external") if isinstance(media, Mapping) else None
        if isinstance(external, Mapping) and isinstance(external.get("uri"), str):
            urls.append(external["uri"])
    # Clients shorten a link's visible text ("arxiv.org/abs/24...") and keep the URL in a
    # facet, so only scheme-bearing URLs in the text are taken, as a fallback for bots.
    urls.extend(extract_urls(record["text"]))
    return urls


def post_id(uri: str) -> str:
    return f"bsky:{uri}"


def author_id(did: str) -> str:
    return f"bsky:{did}"


def utc_text(value: Any) -> str | None:
    """ISO-8601 UTC text ending in ``Z`` (to the second, the storage format); None if unparseable."""
    moment = parse_time(value)
    if moment is None:
        return None
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(value: Any) -> dt.datetime | None:
    """An aware UTC datetime from atproto's datetime text (``Z`` or an offset; naive = UTC)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC)


# -- walking the bodies ---------------------------------------------------------------------
def _feed_views(feed: list[Any]) -> Iterator[View]:
    for i, item in enumerate(feed):
        if not isinstance(item, Mapping):
            yield f"feed[{i}]", item
            continue
        reply = item.get("reply")
        if isinstance(reply, Mapping):
            # Conversation order: the thread's root, the post replied to, then the post.
            for part in ("root", "parent"):
                if reply.get(part) is not None:
                    yield f"feed[{i}].reply.{part}", reply[part]
        yield f"feed[{i}].post", item.get("post")


def _thread_views(node: Mapping[str, Any]) -> Iterator[View]:
    ancestors: list[View] = []
    parent, where = node.get("parent"), "thread.parent"
    while parent is not None:
        ancestors.append((where, parent))
        parent = parent.get("parent") if isinstance(parent, Mapping) else None
        where += ".parent"
    for where, ancestor in reversed(ancestors):
        yield where, ancestor["post"] if _is_thread_node(ancestor) else ancestor
    top = ancestors[-1][1] if ancestors else node
    op = _author_did(top.get("post") if _is_thread_node(top) else None) or _author_did(node.get("post"))
    # Depth first with an explicit stack: a thread may be deeper than Python's recursion limit.
    stack: list[View] = [("thread", node)]
    while stack:
        where, current = stack.pop()
        if not _is_thread_node(current):
            yield where, current
            continue
        yield where, current["post"]
        replies = current.get("replies")
        children = list(enumerate(replies)) if isinstance(replies, list) else []
        children.sort(key=lambda pair: _reply_order(pair[1], op))
        stack.extend((f"{where}.replies[{i}]", child) for i, child in reversed(children))


def _is_thread_node(node: Any) -> bool:
    return isinstance(node, Mapping) and isinstance(node.get("post"), Mapping)


def _placeholder(view: Any) -> bool:
    """A deleted or blocked post the AppView stands in for: absent, not malformed."""
    return isinstance(view, Mapping) and (
        view.get("$type") in _PLACEHOLDERS or view.get("notFound") is True or view.get("blocked") is True
    )


def _reply_order(node: Any, op: str | None) -> tuple[int, str, str]:
    post = node.get("post") if _is_thread_node(node) else None
    if post is None:
        return (2, "", "")
    record = post.get("record") if isinstance(post.get("record"), Mapping) else {}
    moment = parse_time(record.get("createdAt")) or parse_time(post.get("indexedAt"))
    when = moment.isoformat() if moment else ""
    return (0 if _author_did(post) == op else 1, when, str(post.get("uri", "")))


def _author_did(post: Any) -> str | None:
    author = post.get("author") if isinstance(post, Mapping) else None
    return author.get("did") if isinstance(author, Mapping) else None


def _split_post_uri(uri: Any) -> tuple[str, str]:
    parts = uri[len("at://"):].split("/") if isinstance(uri, str) and uri.startswith("at://") else []
    if len(parts) != 3 or not parts[0].startswith("did:") or parts[1] != POST or not parts[2]:
        raise Malformed(f"uri {uri!r} is not at://<did>/{POST}/<rkey>")
    return parts[0], parts[2]


def _reply_refs(record: Mapping[str, Any]) -> tuple[str | None, str | None]:
    reply = record.get("reply")
    if reply is None:
        return None, None
    refs = []
    for part in ("root", "parent"):
        ref = reply.get(part) if isinstance(reply, Mapping) else None
        uri = ref.get("uri") if isinstance(ref, Mapping) else None
        if not isinstance(uri, str) or not uri.startswith("at://"):
            raise Malformed(f"record.reply.{part}.uri is missing")
        refs.append(uri)
    return refs[0], refs[1]


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _dicts(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []
