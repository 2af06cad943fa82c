"""Provide :func:`to_rows` for Reddit: a Listing, or the submission-with-comments array, to rows.

Pure: the same function reads what :class:`~collectors.reddit.RedditCollector` fetches and
what ``bot harvest --platform reddit --load FILE`` reads. Unexpanded "more" stubs are ignored
(``fetch_thread`` expands them first); a malformed thing is skipped with a warning naming it.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from collectors.base import Rows
from collectors.rowcheck import validated
from collectors.urls import domain, extract_urls, link_rows

PLATFORM = "reddit"
SITE = "https://www.reddit.com"


@validated  # every row checked against the row shapes (collectors.rowcheck)
def to_rows(raw: Any) -> Rows:
    """Rows from a Listing, or from the two-element submission-with-comments array."""
    rows = Rows()
    if isinstance(raw, dict) and raw.get("kind") == "Listing":
        listings = [raw]
    elif isinstance(raw, list) and all(isinstance(x, dict) and x.get("kind") == "Listing" for x in raw):
        listings = raw
    else:
        rows.skipped.append("reddit: body is neither a Listing nor a [submission, comments] array")
        return rows
    authors: dict[str, dict[str, Any]] = {}
    for listing in listings:
        for index, child in enumerate(_children(listing), 1):
            _thing(child, rows, authors, where=f"item #{index}")
    rows.authors.extend(authors.values())
    return rows


def _thing(child: Any, rows: Rows, authors: dict[str, Any], *, where: str) -> None:
    kind = child.get("kind") if isinstance(child, dict) else None
    data = child.get("data") if isinstance(child, dict) else None
    if kind == "more":
        return  # an unexpanded "load more comments" stub: fetch_thread expands them
    try:
        if kind not in ("t3", "t1") or not isinstance(data, dict):
            raise ValueError(f"unexpected kind {kind!r}")
        post = _submission_row(data, rows) if kind == "t3" else _comment_row(data)
    except (KeyError, TypeError, ValueError) as exc:
        rows.skipped.append(f"reddit: skipped {where} ({_describe(data)}): {exc}")
        return
    rows.posts.append(post)
    rows.links.extend(link_rows(post["id"], _urls(data, kind)))
    author = _author(data)
    if author:
        authors[author["id"]] = author
    replies = data.get("replies")
    if isinstance(replies, dict):
        for index, reply in enumerate(_children(replies), 1):
            _thing(reply, rows, authors, where=f"reply #{index} of {post['id']}")


def _children(listing: dict[str, Any]) -> list[Any]:
    """A Listing's children; nothing when its ``data`` or ``children`` has another shape."""
    data = listing.get("data")
    children = data.get("children") if isinstance(data, dict) else None
    return children if isinstance(children, list) else []


def _submission_row(data: dict[str, Any], rows: Rows) -> dict[str, Any]:
    post_id = f"reddit:t3_{_id(data)}"
    title = str(data["title"])
    selftext = data.get("selftext") or ""
    url = SITE + data["permalink"] if data.get("permalink") else f"{SITE}/comments/{_id(data)}/"
    post = _base_row(data, post_id, thread_id=post_id, parent_id=None, url=url)
    post.update(
        text=f"{title}\n\n{selftext}" if selftext else title,
        reply_count=data.get("num_comments"),
        repost_count=data.get("num_crossposts"),
    )
    rows.threads.append(
        {"id": post_id, "platform": PLATFORM, "root_post_id": post_id,
         "author_id": post["author_id"], "title": title, "url": url}
    )
    return post


def _comment_row(data: dict[str, Any]) -> dict[str, Any]:
    comment_id = _id(data)
    link_id = str(data["link_id"])
    if not link_id.startswith("t3_"):
        raise ValueError(f"link_id {link_id!r} is not a submission")
    parent = str(data["parent_id"])
    url = SITE + data["permalink"] if data.get("permalink") else f"{SITE}/comments/{link_id[3:]}/_/{comment_id}/"
    post = _base_row(data, f"reddit:t1_{comment_id}", thread_id=f"reddit:{link_id}", parent_id=f"reddit:{parent}", url=url)
    body = data["body"]
    if not isinstance(body, str):
        raise TypeError("body is not text")
    post["text"] = body
    return post


def _base_row(data: dict[str, Any], post_id: str, *, thread_id: str, parent_id: str | None, url: str) -> dict[str, Any]:
    created = data["created_utc"]
    if not is_number(created):
        raise ValueError(f"created_utc {created!r} is not a number")
    author = _author_name(data)
    return {
        "id": post_id,
        "platform": PLATFORM,
        "thread_id": thread_id,
        "parent_id": parent_id,
        "author_id": f"reddit:u/{author}" if author else None,
        "text": None,
        "created_at": _utc(float(created)),
        "url": url,
        "like_count": data.get("score"),
        "repost_count": None,
        "reply_count": None,
        "quote_count": None,
        "raw": json.dumps(data, ensure_ascii=False, separators=(",", ":")),
    }


def _author(data: dict[str, Any]) -> dict[str, Any] | None:
    name = _author_name(data)
    if not name:
        return None
    raw = {"name": name, "author_fullname": data.get("author_fullname")}
    return {
        "id": f"reddit:u/{name}", "platform": PLATFORM, "handle": name, "display_name": None,
        "description": None, "followers_count": None, "url": f"{SITE}/user/{name}",
        "raw": json.dumps(raw, separators=(",", ":")),
    }


def _author_name(data: dict[str, Any]) -> str | None:
    name = data.get("author")
    return name if isinstance(name, str) and name and name != "[deleted]" else None


def _urls(data: dict[str, Any], kind: str) -> list[str]:
    if kind == "t1":
        return extract_urls(data.get("body"))
    urls = []
    link = data.get("url")
    if isinstance(link, str) and not data.get("is_self") and domain(link) not in ("reddit.com", "redd.it"):
        urls.append(link)
    return urls + extract_urls(data.get("selftext"))


def _id(data: dict[str, Any]) -> str:
    value = data["id"]
    if not isinstance(value, str) or not re.fullmatch(r"[a-z0-9]+", value):
        raise ValueError(f"id {value!r} is not a Reddit id")
    return value


def is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _utc(epoch: float) -> str:
    moment = dt.datetime.fromtimestamp(epoch, dt.UTC)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _describe(data: Any) -> str:
    if isinstance(data, dict) and data.get("id"):
        return f"id {data['id']}"
    return "no id"
