"""Provide :func:`load_threads`: the harvested threads active in a time window, with their posts.

A thread is active when it has a post between ``since`` and ``until``. Only threads whose
first post was harvested are candidates: a reply found by a search, in a conversation we do
not hold the start of, is somebody else's thread (``bot thread URL`` fetches it whole).
Three queries for the whole window, not three per thread.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlite_utils import Database

from bot import platforms
from bot.digest.model import HarvestedThread
from bot.timeutil import iso, parse_iso


_WINDOW = """
SELECT t.* FROM threads t JOIN posts root ON root.id = t.root_post_id
WHERE t.last_post_at >= :since AND t.first_post_at <= :until {platforms}
"""


def _count(column: str) -> str:
    """A count column as a number or NULL: a database written before the transform checked
    its rows may hold ``like_count = 'lots'``, which must not break every digest.
    """
    name = column.rpartition(".")[2]
    return f"CASE WHEN typeof({column}) = 'integer' THEN {column} END AS {name}"


def load_threads(
    db: Database, *, since: dt.datetime, until: dt.datetime, platforms: Sequence[str] | None = None
) -> list[HarvestedThread]:
    """Every candidate thread with a post in ``[since, until]``, by id."""
    params: dict[str, Any] = {"since": iso(since), "until": iso(until)}
    extra = ""
    if platforms:
        params.update({f"p{i}": p for i, p in enumerate(platforms)})
        extra = f"AND t.platform IN ({', '.join(f':p{i}' for i in range(len(platforms)))})"
    window = _WINDOW.format(platforms=extra)
    threads = list(db.query(window + " ORDER BY t.id", params))
    posts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for post in db.query(
        "SELECT p.id, p.thread_id, p.author_id, p.text, p.created_at, p.url,"
        f" {_count('p.like_count')}, {_count('p.repost_count')}, {_count('p.reply_count')},"
        f" {_count('p.quote_count')}, a.handle, a.display_name FROM posts p"
        " LEFT JOIN authors a ON a.id = p.author_id"
        f" WHERE p.thread_id IN (SELECT id FROM ({window})) ORDER BY p.created_at, p.id",
        params,
    ):
        posts[post["thread_id"]].append(post)
    domains: dict[str, set[str]] = defaultdict(set)
    for link in db.query(
        "SELECT l.post_id, l.domain FROM links l JOIN posts p ON p.id = l.post_id"
        f" WHERE p.thread_id IN (SELECT id FROM ({window}))",
        params,
    ):
        domains[link["post_id"]].add(link["domain"])
    return [_thread(row, posts[row["id"]], domains) for row in threads]


def _thread(row: dict[str, Any], posts: list[dict[str, Any]], domains: dict[str, set[str]]) -> HarvestedThread:
    root = next(p for p in posts if p["id"] == row["root_post_id"])
    author = row["author_id"] or root["author_id"]
    mine = [p for p in posts if p["author_id"] == author]
    others = sorted((p for p in posts if p["author_id"] != author), key=lambda p: -(p["like_count"] or 0))
    engagement = sum(
        (p["like_count"] or 0) + 2 * (p["repost_count"] or 0) + (p["quote_count"] or 0) for p in posts
    ) + len(others)
    url = row["url"] or root["url"]
    return HarvestedThread(
        id=row["id"],
        platform=row["platform"],
        url=url,
        title=row["title"] or _first_line(root["text"]),
        author_handle=root["handle"],
        author_name=root["display_name"],
        first_post_at=parse_iso(row["first_post_at"]),
        author_posts=tuple(p["text"] or "" for p in mine),
        replies=tuple(p["text"] or "" for p in others),
        domains=tuple(sorted({d for p in mine for d in domains.get(p["id"], ())})),
        engagement=float(engagement),
        community=_community(row["platform"], url),
        points=root["like_count"] or 0,
        comments=root["reply_count"] or len(others),
    )


def _first_line(text: str | None) -> str:
    return next((line.strip() for line in (text or "").splitlines() if line.strip()), "")


def _community(platform: str, url: str | None) -> str | None:
    """Where the thread was posted within its platform (a subreddit), if it has such places."""
    community = platforms.get(platform).community
    return community(url) if community else None
