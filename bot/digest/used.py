"""Provide the record of harvested threads already used in an issue.

``mark_used`` records the author's own choice (``bot mark-used``); ``auto_mark`` finds the
threads a stored issue links to or embeds (a tweet, a Bluesky post, a Reddit discussion) so
they are not suggested again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.timeutil import iso

_X_STATUS = re.compile(r"(?:twitter|x)\.com/(?:[^/]+|i(?:/web)?)/status(?:es)?/(\d+)", re.I)
_BSKY_POST = re.compile(r"bsky\.app/profile/([^/]+)/post/([a-z0-9]+)", re.I)
_REDDIT = re.compile(r"reddit\.com/(?:r/[^/]+/)?comments/([a-z0-9]+)", re.I)


def resolve_thread(db: Database, ref: str) -> str | None:
    """The harvested thread a thread id, post id or post URL points at, or None."""
    ref = ref.strip()
    for sql in ("SELECT id FROM threads WHERE id = ?", "SELECT thread_id AS id FROM posts WHERE id = ?",
                "SELECT thread_id AS id FROM posts WHERE url = ?"):
        row = next(db.query(sql, [ref]), None)
        if row and row["id"]:
            return row["id"]
    if ref.startswith("at://"):
        return resolve_thread(db, "bsky:" + ref)
    if match := _X_STATUS.search(ref):
        row = next(db.query("SELECT thread_id FROM posts WHERE id = ?", [f"x:{match.group(1)}"]), None)
        return row["thread_id"] if row else None
    if match := _BSKY_POST.search(ref):
        actor, rkey = match.groups()
        row = next(db.query(
            "SELECT p.thread_id FROM posts p LEFT JOIN authors a ON a.id = p.author_id"
            " WHERE p.platform = 'bluesky' AND p.id LIKE ? AND (p.id LIKE ? OR a.handle = ?)",
            [f"%/app.bsky.feed.post/{rkey}", f"bsky:at://{actor}/%", actor],
        ), None)
        return row["thread_id"] if row else None
    if match := _REDDIT.search(ref):
        tid = f"reddit:t3_{match.group(1)}"
        row = next(db.query("SELECT id FROM threads WHERE id = ?", [tid]), None)
        return row["id"] if row else None
    return None


def mark_used(db: Database, refs: Iterable[str], *, issue: str, how: str = "manual") -> list[str]:
    """Mark threads used in ``issue``; every ref must resolve, or nothing is marked."""
    resolved, unknown = [], []
    for ref in refs:
        thread = resolve_thread(db, ref)
        (resolved if thread else unknown).append(thread or ref)
    if unknown:
        raise BotError(f"not a harvested thread, post or post URL: {', '.join(unknown)}")
    _insert(db, resolved, issue=issue, how=how)
    return resolved


def _insert(db: Database, thread_ids: Iterable[str], *, issue: str, how: str) -> None:
    with immediate(db):
        for thread_id in thread_ids:
            db.execute(
                "INSERT INTO used_threads (thread_id, issue, how, marked_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (thread_id, issue) DO NOTHING",
                [thread_id, issue, how, iso()],
            )


def auto_mark(db: Database) -> int:
    """Mark the harvested threads that stored issues link to or embed; return how many are new."""
    import json

    before = db.execute("SELECT count(*) FROM used_threads").fetchone()[0]
    for row in db.query("SELECT key, number, data FROM issues"):
        data = json.loads(row["data"])
        refs = [e.get("url") or "" for e in data.get("embeds", ())]
        refs += [e.get("id") or "" for e in data.get("embeds", ())]
        for section in data.get("sections", ()):
            for item in section.get("items", ()):
                refs += [link.get("url") or "" for link in item.get("links", ())]
        threads = {t for t in (resolve_thread(db, r) for r in refs if r) if t}
        if threads:
            issue = str(row["number"]) if row["number"] is not None else row["key"]
            _insert(db, sorted(threads), issue=issue, how="auto")
    return db.execute("SELECT count(*) FROM used_threads").fetchone()[0] - before


def used_ids(db: Database) -> set[str]:
    return {row["thread_id"] for row in db.query("SELECT DISTINCT thread_id FROM used_threads")}
