"""Provide the record of harvested threads already used in an issue.

``mark_used`` records the author's own choice (``bot mark-used``); ``auto_mark`` finds the
threads a stored issue links to or embeds (a tweet, a Bluesky post, a Reddit discussion) so
they are not suggested again. A reference is a thread id, a post id (any post of the
thread), an X status URL, a bsky.app post URL or ``at://`` URI, or a Reddit comments URL;
every lookup uses an index, so marking stays fast however much is harvested.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable
from typing import Any

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.timeutil import Clock, iso, utcnow


class UnknownThread(BotError):
    """A reference that is no harvested thread or post."""


def resolve_thread(db: Database, ref: str) -> str | None:
    """The harvested thread ``ref`` points at, or None."""
    ref = ref.strip()
    if not ref:
        return None
    for key in (ref, *_post_ids(db, ref)):
        if thread := _thread_of(db, key):
            return thread
    return None


def _post_ids(db: Database, ref: str) -> list[str]:
    """The ids ``ref`` may stand for, read from its URL or URI (no network): the first platform
    that knows the reference says."""
    from bot import platforms

    for platform in platforms.registry():
        ids = platform.post_ids(ref, functools.partial(_author_id, db, platform.id))
        if ids:
            return ids
    return []


def _thread_of(db: Database, key: str) -> str | None:
    row = db.execute(
        "SELECT id FROM threads WHERE id = :key UNION ALL SELECT thread_id FROM posts WHERE id = :key",
        {"key": key},
    ).fetchone()
    return row[0] if row and row[0] else None


def _author_id(db: Database, platform: str, handle: str) -> str:
    """A harvested author's id: handles are resolved from what we hold, never online."""
    # Handles are stored in lower case, as the platforms' parse_ref pass them: the index is used.
    row = db.execute(
        "SELECT id FROM authors WHERE platform = ? AND handle = ?", [platform, handle.lower()]
    ).fetchone()
    if not row:
        raise ValueError(f"no harvested {platform} author {handle!r}")
    return str(row[0])


def mark_used(
    db: Database, refs: Iterable[str], *, issue: str, how: str = "manual", clock: Clock = utcnow
) -> list[str]:
    """Mark the threads ``refs`` point at as used in ``issue``; all resolve, or nothing is marked."""
    issue = issue.strip()
    if not issue:
        raise BotError("--issue is empty: give the issue's number or key")
    threads: list[str] = []
    unknown: list[str] = []
    for ref in refs:
        thread = resolve_thread(db, ref)
        if thread is None:
            unknown.append(ref)
        elif thread not in threads:
            threads.append(thread)
    if unknown:
        raise UnknownThread(
            f"not a harvested thread, post or post URL: {', '.join(unknown)} "
            "(fetch it first with bot thread URL); nothing was marked"
        )
    _insert(db, threads, issue=issue, how=how, clock=clock)
    return threads


def _insert(db: Database, thread_ids: Iterable[str], *, issue: str, how: str, clock: Clock) -> None:
    with immediate(db):
        for thread_id in thread_ids:
            db.execute(
                "INSERT INTO used_threads (thread_id, issue, how, marked_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (thread_id, issue) DO NOTHING",
                [thread_id, issue, how, iso(clock())],
            )


def auto_mark(db: Database, *, clock: Clock = utcnow) -> int:
    """Mark the harvested threads stored issues link to or embed; return how many marks are new."""
    before = _count(db)
    for row in db.query("SELECT key, number, data FROM issues ORDER BY key"):
        found = (resolve_thread(db, ref) for ref in _issue_refs(json.loads(row["data"])))
        threads = {thread for thread in found if thread is not None}
        if threads:
            issue = str(row["number"]) if row["number"] is not None else row["key"]
            _insert(db, sorted(threads), issue=issue, how="auto", clock=clock)
    return _count(db) - before


def _issue_refs(data: dict[str, Any]) -> list[str]:
    """Every embedded post's URL and URI, and every link in the issue's stories."""
    refs = [ref for e in data.get("embeds", ()) for ref in (e.get("url"), e.get("id")) if ref]
    for section in data.get("sections", ()):
        for item in section.get("stories", section.get("items", ())):
            refs += [link["url"] for link in item.get("links", ()) if link.get("url")]
            refs += [e["url"] for e in item.get("embeds", ()) if e.get("url")]
    return refs


def used_threads(db: Database) -> dict[str, str]:
    """Each used thread and the first issue it was used in."""
    used: dict[str, str] = {}
    for row in db.query("SELECT thread_id, issue FROM used_threads ORDER BY marked_at, issue"):
        used.setdefault(row["thread_id"], row["issue"])
    return used


def _count(db: Database) -> int:
    return db.execute("SELECT count(*) FROM used_threads").fetchone()[0]
