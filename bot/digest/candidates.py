"""Provide :func:`load_threads`: harvested threads in a time window, ready to score and render."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlite_utils import Database

from bot.digest.scoring import Candidate
from bot.timeutil import iso, parse_iso


@dataclass
class ThreadView:
    """A thread as the digest shows it."""

    id: str
    platform: str
    url: str | None
    title: str
    author_handle: str | None
    author_name: str | None
    author_posts: list[str] = field(default_factory=list)  # the author's own posts, in order
    replies: list[str] = field(default_factory=list)  # others' posts, best first
    links: list[str] = field(default_factory=list)
    community: str | None = None  # a subreddit
    points: int = 0
    comments: int = 0


def load_threads(
    db: Database, *, since: dt.datetime, platforms: Sequence[str] | None = None,
    used: set[str] | frozenset[str] = frozenset(),
) -> list[tuple[Candidate, ThreadView]]:
    """Threads with a post at or after ``since`` (or first seen then), with their posts."""
    params: list[Any] = [iso(since), iso(since)]
    where = "(coalesce(t.last_post_at, t.last_seen_at) >= ? OR t.first_seen_at >= ?)"
    if platforms:
        where += f" AND t.platform IN ({','.join('?' * len(platforms))})"
        params.extend(platforms)
    threads = list(db.query(f"SELECT t.* FROM threads t WHERE {where} ORDER BY t.id", params))
    out = []
    for thread in threads:
        posts = list(db.query(
            "SELECT p.*, a.handle, a.display_name FROM posts p LEFT JOIN authors a ON a.id = p.author_id"
            " WHERE p.thread_id = ? ORDER BY p.created_at, p.id", [thread["id"]],
        ))
        if not posts:
            continue
        root = next((p for p in posts if p["id"] == (thread["root_post_id"] or thread["id"])), posts[0])
        author_id = thread["author_id"] or root["author_id"]
        mine = [p for p in posts if p["author_id"] == author_id]
        others = sorted((p for p in posts if p["author_id"] != author_id),
                        key=lambda p: -(p["like_count"] or 0))
        links = [r["url"] for r in db.query(
            "SELECT DISTINCT l.url, l.domain FROM links l JOIN posts p ON p.id = l.post_id"
            " WHERE p.thread_id = ? AND p.author_id IS ? ORDER BY l.url", [thread["id"], author_id])]
        domains = [r["domain"] for r in db.query(
            "SELECT DISTINCT l.domain FROM links l JOIN posts p ON p.id = l.post_id"
            " WHERE p.thread_id = ? AND p.author_id IS ?", [thread["id"], author_id])]
        engagement = sum(
            (p["like_count"] or 0) + 2 * (p["repost_count"] or 0) + (p["quote_count"] or 0)
            for p in posts
        ) + len(others)
        title = thread["title"] or _first_line(root["text"])
        view = ThreadView(
            id=thread["id"], platform=thread["platform"], url=thread["url"] or root["url"],
            title=title, author_handle=root["handle"], author_name=root["display_name"],
            author_posts=[p["text"] or "" for p in mine], replies=[p["text"] or "" for p in others],
            links=links, community=_community(root), points=root["like_count"] or 0,
            comments=root["reply_count"] or len(others),
        )
        candidate = Candidate(
            id=thread["id"], platform=thread["platform"], author_handle=root["handle"],
            text=" ".join([title, *view.author_posts]),
            first_post_at=parse_iso(thread["first_post_at"] or root["created_at"] or thread["first_seen_at"]),
            engagement=float(engagement), author_posts=len(mine), domains=domains,
            used=thread["id"] in used,
        )
        out.append((candidate, view))
    return out


def _first_line(text: str | None) -> str:
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line[:200]


def _community(root: dict[str, Any]) -> str | None:
    if root["platform"] != "reddit" or not root["raw"]:
        return None
    try:
        raw = json.loads(root["raw"])
    except ValueError:
        return None
    data = raw.get("data", raw) if isinstance(raw, dict) else {}
    return data.get("subreddit") or None
