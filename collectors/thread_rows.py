"""Provide :func:`write_threads`: the thread rows of one harvested page, each written once.

A thread's counts (posts, replies, likes, first and last post) are derived from the posts we
hold. A thread that already has a row is recounted by SQLite; one that has none yet has no
posts held before this page, so its counts are the page's own, computed here. Called by
:func:`collectors.store.save_page` inside its transaction, after the page's posts are written.
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlite_utils import Database

from collectors.sqlutil import in_chunks

# Each touched thread's counts, from the posts we hold, read before its row is written so the
# row is written once a page (an UPDATE after the INSERT wrote every thread row twice and made
# save_page a third slower). ``want`` pairs each thread with its root post's id.
_THREAD_COUNTS = """
WITH want(tid, root) AS (
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(:pairs)
)
SELECT w.tid AS tid, count(*) AS n, coalesce(sum(p.id = w.root), 0) AS roots,
       coalesce(sum(p.like_count), 0) AS likes, min(p.created_at) AS first_at, max(p.created_at) AS last_at
FROM want w JOIN posts p ON p.thread_id = w.tid
GROUP BY w.tid
"""


def write_threads(
    db: Database, posts: list[dict[str, Any]], threads: list[dict[str, Any]], now: str
) -> None:
    """Write every thread a page touches, once, with its counts from the posts we hold.

    A thread given in full is upserted (its FTS row too); one only named by its posts gets a
    placeholder row until its root is harvested. ``first_seen_at`` is kept on update; a thread
    none of whose posts we hold keeps its counts and ``last_seen_at``."""
    platform_of = {p["thread_id"]: p["platform"] for p in posts if p.get("thread_id")}
    given = {t["id"]: t for t in threads}
    named = [tid for tid in platform_of if tid not in given]
    held = _held_roots(db, list({**given, **platform_of}))
    roots = {tid: t.get("root_post_id") or tid for tid, t in given.items()}
    roots.update({tid: held.get(tid) or tid for tid in named})
    # A thread with no row yet has no posts held before this page (every page writes a row for
    # each thread its posts name), so its counts are this page's: no need to ask SQLite.
    counts = _page_counts(posts, {tid: root for tid, root in roots.items() if tid not in held})
    asked = {tid: root for tid, root in roots.items() if tid not in counts}
    if asked:
        counts.update({row[0]: row[1:] for row in db.conn.execute(
            _THREAD_COUNTS, {"pairs": json.dumps(list(asked.items()))})})

    def values(tid: str) -> tuple[Any, ...]:
        n, root_held, likes, first_at, last_at = counts.get(tid, (0, 0, 0, None, None))
        return (now, tid in counts, n, n - root_held, likes, first_at, last_at)

    # Bound by position (_PARAMETERS' order): a tuple per row, not two dicts merged and looked
    # up by name, on every thread of every page.
    if threads:
        db.conn.executemany(_THREAD_UPSERT, [(t["id"], t["platform"], t["root_post_id"], t["author_id"],
                                              t["title"], t["url"], *values(t["id"])) for t in threads])
    if named:
        db.conn.executemany(_THREAD_PLACEHOLDER, [(tid, platform_of[tid], None, None, None, None, *values(tid))
                                                  for tid in named])


def _held_roots(db: Database, tids: list[str]) -> dict[str, str | None]:
    """The threads among ``tids`` that already have a row, with their root post's id."""
    held: dict[str, str | None] = {}
    for chunk, marks in in_chunks(tids):
        held.update(db.conn.execute(f"SELECT id, root_post_id FROM threads WHERE id IN ({marks})", chunk))
    return held


def _page_counts(posts: list[dict[str, Any]], new: dict[str, str]) -> dict[str, tuple[Any, ...]]:
    """The counts SQLite's aggregate would give for threads whose only posts are this page's.

    Only for plain values: an id that is not text, a like count that is not an int (or None)
    or a time that is not text is left to SQLite, whose column affinity and type ordering
    decide what it counts. One pass over the page, no per-thread lists: this runs on every
    page a harvest writes."""
    if not new:
        return {}
    # per thread: [posts, roots held, likes, first time, last time, all plain]
    acc: dict[str, list[Any]] = {}
    for post in posts:
        tid = post.get("thread_id")
        if tid not in new:
            continue
        pid, likes, at = post["id"], post.get("like_count"), post.get("created_at")
        row = acc.get(tid)
        if row is None:
            row = acc[tid] = [0, 0, 0, None, None, type(tid) is str]
        row[0] += 1
        row[1] += pid == new[tid]
        if type(likes) is int:
            row[2] += likes
        elif likes is not None:
            row[5] = False
        if type(at) is str:
            if row[3] is None or at < row[3]:
                row[3] = at
            if row[4] is None or at > row[4]:
                row[4] = at
        elif at is not None:
            row[5] = False
        if type(pid) is not str:
            row[5] = False
    return {tid: tuple(row[:5]) for tid, row in acc.items() if row[5]}


_COUNTS_SET = (
    " post_count = CASE WHEN :has THEN excluded.post_count ELSE threads.post_count END,"
    " reply_count = CASE WHEN :has THEN excluded.reply_count ELSE threads.reply_count END,"
    " like_count = CASE WHEN :has THEN excluded.like_count ELSE threads.like_count END,"
    " first_post_at = CASE WHEN :has THEN excluded.first_post_at ELSE threads.first_post_at END,"
    " last_post_at = CASE WHEN :has THEN excluded.last_post_at ELSE threads.last_post_at END,"
    " last_seen_at = CASE WHEN :has THEN excluded.last_seen_at ELSE threads.last_seen_at END"
)
_THREAD_UPSERT = (
    "INSERT INTO threads (id, platform, root_post_id, author_id, title, url, first_seen_at, last_seen_at,"
    " post_count, reply_count, like_count, first_post_at, last_post_at)"
    " VALUES (:id, :platform, :root_post_id, :author_id, :title, :url, :now, :now,"
    " :n, :replies, :likes, :first_at, :last_at)"
    " ON CONFLICT(id) DO UPDATE SET platform = excluded.platform, root_post_id = excluded.root_post_id,"
    " author_id = excluded.author_id, title = excluded.title, url = excluded.url," + _COUNTS_SET
)
_THREAD_PLACEHOLDER = (
    "INSERT INTO threads (id, platform, first_seen_at, last_seen_at, post_count, reply_count, like_count,"
    " first_post_at, last_post_at) VALUES (:id, :platform, :now, :now, :n, :replies, :likes, :first_at, :last_at)"
    " ON CONFLICT(id) DO UPDATE SET" + _COUNTS_SET
)
_PARAMETERS = ("id", "platform", "root_post_id", "author_id", "title", "url",
               "now", "has", "n", "replies", "likes", "first_at", "last_at")


def _numbered(sql: str) -> str:
    """``sql`` with each ``:name`` as ``?N``, its place in :data:`_PARAMETERS`."""
    return re.sub(r":(\w+)", lambda m: f"?{_PARAMETERS.index(m.group(1)) + 1}", sql)


_THREAD_UPSERT, _THREAD_PLACEHOLDER = _numbered(_THREAD_UPSERT), _numbered(_THREAD_PLACEHOLDER)
