"""Provide the harvest tables and :func:`save_page`, which writes one page of rows atomically.

``save_page`` upserts a page's posts, authors, threads and links and only then advances the
source's harvest state, all in one transaction: a run killed at any moment leaves the
database at a page boundary, and the next run resumes from the last state that was saved.
Thread counts (posts, replies, likes, first and last post) are derived from the posts.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import socket
import time
from collections.abc import Iterable, Iterator
from typing import Any

import msgspec
from sqlite_utils import Database

from collectors.base import Rows
from collectors.sqlutil import immediate, in_chunks, run_script
from collectors.thread_rows import write_threads
from collectors.ratelimit import utc_iso

SCHEMA = """
CREATE TABLE IF NOT EXISTS posts (
    id TEXT PRIMARY KEY,            -- platform-qualified: x:146..., bsky:at://..., reddit:t1_...
    platform TEXT NOT NULL,
    thread_id TEXT,
    parent_id TEXT,
    author_id TEXT,
    text TEXT,
    created_at TEXT,
    url TEXT,
    like_count INTEGER,
    repost_count INTEGER,
    reply_count INTEGER,
    quote_count INTEGER,
    raw TEXT                        -- the item's JSON as the API returned it
);
CREATE INDEX IF NOT EXISTS posts_thread ON posts(thread_id);
CREATE INDEX IF NOT EXISTS posts_author ON posts(author_id);
CREATE INDEX IF NOT EXISTS posts_created ON posts(created_at);
CREATE TABLE IF NOT EXISTS authors (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    handle TEXT,
    display_name TEXT,
    description TEXT,
    followers_count INTEGER,
    url TEXT,
    raw TEXT
);
CREATE INDEX IF NOT EXISTS authors_handle ON authors(platform, handle);
CREATE TABLE IF NOT EXISTS threads (
    id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    root_post_id TEXT,
    author_id TEXT,
    title TEXT,                     -- a Reddit title, else the root post's first line
    url TEXT,
    post_count INTEGER NOT NULL DEFAULT 0,
    reply_count INTEGER NOT NULL DEFAULT 0,
    like_count INTEGER NOT NULL DEFAULT 0,
    first_post_at TEXT,             -- earliest created_at among the posts we hold
    last_post_at TEXT,              -- latest created_at among the posts we hold
    first_seen_at TEXT,             -- when a harvest first saw the thread
    last_seen_at TEXT               -- when a harvest last saw it
);
CREATE TABLE IF NOT EXISTS links (
    post_id TEXT NOT NULL,
    url TEXT NOT NULL,              -- expanded
    domain TEXT NOT NULL,           -- without www.: arxiv.org, doi.org, github.com ...
    PRIMARY KEY (post_id, url)
);
CREATE INDEX IF NOT EXISTS links_domain ON links(domain);
CREATE INDEX IF NOT EXISTS links_url ON links(url);
CREATE TABLE IF NOT EXISTS harvest_state (
    source TEXT PRIMARY KEY,        -- the [[sources]] name
    platform TEXT,
    state TEXT NOT NULL,            -- JSON: since_id, cursor, newest time ...
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS harvest_runs (
    id INTEGER PRIMARY KEY,
    source TEXT,
    platform TEXT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL DEFAULT 'running',  -- running, ok, rate-limited, error, interrupted
    pages INTEGER NOT NULL DEFAULT 0,
    posts_seen INTEGER NOT NULL DEFAULT 0,
    posts_new INTEGER NOT NULL DEFAULT 0,
    requests INTEGER NOT NULL DEFAULT 0,
    skipped INTEGER NOT NULL DEFAULT 0,
    errors INTEGER NOT NULL DEFAULT 0,
    message TEXT,
    retry_at TEXT,
    host TEXT,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS harvest_runs_source ON harvest_runs(source, started_at);
CREATE VIEW IF NOT EXISTS linked_posts AS
SELECT links.domain, links.url AS link, posts.platform, authors.handle, posts.created_at,
       posts.text, posts.url AS post_url, posts.id AS post_id, posts.thread_id
FROM links
JOIN posts ON posts.id = links.post_id
LEFT JOIN authors ON authors.id = posts.author_id;
"""

_FTS = """
CREATE VIRTUAL TABLE IF NOT EXISTS [{table}_fts] USING FTS5 ([{column}], content=[{table}]);
CREATE TRIGGER IF NOT EXISTS [{table}_ai] AFTER INSERT ON [{table}] BEGIN
  INSERT INTO [{table}_fts] (rowid, [{column}]) VALUES (new.rowid, new.[{column}]);
END;
CREATE TRIGGER IF NOT EXISTS [{table}_ad] AFTER DELETE ON [{table}] BEGIN
  INSERT INTO [{table}_fts] ([{table}_fts], rowid, [{column}]) VALUES('delete', old.rowid, old.[{column}]);
END;
CREATE TRIGGER IF NOT EXISTS [{table}_au] AFTER UPDATE OF [{column}] ON [{table}] BEGIN
  INSERT INTO [{table}_fts] ([{table}_fts], rowid, [{column}]) VALUES('delete', old.rowid, old.[{column}]);
  INSERT INTO [{table}_fts] (rowid, [{column}]) VALUES (new.rowid, new.[{column}]);
END;
"""

POST_COLUMNS = (
    "id", "platform", "thread_id", "parent_id", "author_id", "text", "created_at", "url",
    "like_count", "repost_count", "reply_count", "quote_count", "raw",
)
AUTHOR_COLUMNS = (
    "id", "platform", "handle", "display_name", "description", "followers_count", "url", "raw"
)
THREAD_COLUMNS = ("id", "platform", "root_post_id", "author_id", "title", "url")
LINK_COLUMNS = ("post_id", "url", "domain")

class Saved(msgspec.Struct, frozen=True):
    """What one :func:`save_page` call did."""

    posts_seen: int
    posts_new: int
    skipped: int


def create_schema(db: Database) -> None:
    """Create the harvest tables, their full-text indexes and triggers (idempotent).

    The FTS tables and triggers are the ones ``sqlite-utils enable-fts --create-triggers``
    makes (so ``db["posts"].search()`` and datasette find them), written out here because
    ``enable_fts`` runs ``executescript``, which would commit the migration halfway.
    """
    run_script(db, SCHEMA)
    for table, column in (("posts", "text"), ("threads", "title")):
        run_script(db, _FTS.format(table=table, column=column))


def save_page(
    db: Database,
    rows: Rows,
    *,
    source: str | None,
    state: dict[str, Any] | None,
    platform: str | None = None,
    now: str | None = None,
) -> Saved:
    """Upsert ``rows`` and, when given, set ``source``'s state, in one transaction."""
    now = now or utc_iso(time.time())
    posts = _unique(rows.posts, "id", POST_COLUMNS)
    with immediate(db):
        new = len(posts) - _count_existing(db, [p["id"] for p in posts])
        _upsert(db, "posts", posts, POST_COLUMNS)
        _upsert(db, "authors", _unique(rows.authors, "id", AUTHOR_COLUMNS), AUTHOR_COLUMNS)
        threads = _unique(rows.threads, "id", THREAD_COLUMNS)
        links = _unique_links(rows.links)
        if links:
            # ON CONFLICT, not INSERT OR IGNORE: only a repeated link is skipped, not a bad one.
            db.conn.executemany(
                "INSERT INTO links (post_id, url, domain) VALUES (:post_id, :url, :domain) "
                "ON CONFLICT(post_id, url) DO NOTHING",
                links,
            )
        write_threads(db, posts, threads, now)
        if source is not None and state is not None:
            set_state(db, source, state, platform=platform, now=now)
    return Saved(posts_seen=len(posts), posts_new=new, skipped=len(rows.skipped))


def load_state(db: Database, source: str) -> dict[str, Any] | None:
    """The harvest state last saved for ``source``, or None before its first page."""
    for row in db.query("SELECT state FROM harvest_state WHERE source = ?", [source]):
        return json.loads(row["state"])
    return None


def set_state(
    db: Database, source: str, state: dict[str, Any], *, platform: str | None = None, now: str
) -> None:
    db.execute(
        "INSERT INTO harvest_state (source, platform, state, updated_at) VALUES (?, ?, ?, ?) "
        "ON CONFLICT(source) DO UPDATE SET platform = coalesce(excluded.platform, platform), "
        "state = excluded.state, updated_at = excluded.updated_at "
        "WHERE harvest_state.state IS NOT excluded.state",  # an unchanged source writes nothing
        [source, platform, json.dumps(state, sort_keys=True), now],
    )


def start_run(db: Database, *, source: str | None, platform: str | None, now: str | None = None) -> int:
    """Record the start of a run; runs left ``running`` by a dead process become ``interrupted``."""
    now = now or utc_iso(time.time())
    host = socket.gethostname()
    with immediate(db):
        for row in db.query(
            "SELECT id, pid FROM harvest_runs WHERE status = 'running' AND host = ?", [host]
        ):
            if not pid_alive(row["pid"]):
                db.execute(
                    "UPDATE harvest_runs SET status = 'interrupted' WHERE id = ?", [row["id"]]
                )
        cursor = db.execute(
            "INSERT INTO harvest_runs (source, platform, started_at, host, pid) VALUES (?, ?, ?, ?, ?)",
            [source, platform, now, host, os.getpid()],
        )
    return int(cursor.lastrowid or 0)


def finish_run(db: Database, run_id: int, *, now: str | None = None, **fields: Any) -> None:
    """Record a run's end: ``status``, counts, ``message``, ``retry_at``."""
    allowed = {
        "status", "pages", "posts_seen", "posts_new", "requests", "skipped", "errors",
        "message", "retry_at", "reads", "cost_usd",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"unknown harvest_runs fields: {sorted(unknown)}")
    values = {"finished_at": now or utc_iso(time.time()), **fields}
    with immediate(db):
        db.table("harvest_runs").update(run_id, values)


@functools.cache
def _upsert_sql(table: str, columns: tuple[str, ...]) -> str:
    names = ", ".join(columns)
    values = ", ".join(f":{c}" for c in columns)
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "id")
    return f"INSERT INTO {table} ({names}) VALUES ({values}) ON CONFLICT(id) DO UPDATE SET {updates}"


def _upsert(db: Database, table: str, rows: list[dict[str, Any]], columns: tuple[str, ...]) -> None:
    """Insert rows, or update every column of the ones already there (sqlite-utils' upsert, as
    one prepared statement: the table and column names are ours, never harvested data)."""
    if rows:
        db.conn.executemany(_upsert_sql(table, columns), rows)


@contextlib.contextmanager
def harvest_writes(db: Database) -> Iterator[Database]:
    """Harvest commits with ``synchronous = NORMAL`` (WAL): a power cut may lose the last pages,
    which the next run fetches again, never corrupt the file. The outbox keeps ``FULL``: a
    posted-state commit must survive a power cut, so the setting is restored afterwards."""
    before = db.execute("PRAGMA synchronous").fetchone()[0]
    wal = db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    if wal:
        db.execute("PRAGMA synchronous = NORMAL")
    try:
        yield db
    finally:
        if wal:
            db.execute(f"PRAGMA synchronous = {int(before)}")


def _complete(row: dict[str, Any], columns: tuple[str, ...], wanted: frozenset[str]) -> dict[str, Any]:
    """``row`` with every column present (None when missing). A row that has them all goes as it
    is: SQLite reads only the names it binds."""
    return row if wanted <= row.keys() else {column: row.get(column) for column in columns}


def _unique(rows: Iterable[dict[str, Any]], key: str, columns: tuple[str, ...]) -> list[dict[str, Any]]:
    """Complete rows, the last of each key winning (only the winners are completed)."""
    wanted = frozenset(columns)
    return [_complete(row, columns, wanted) for row in {row[key]: row for row in rows}.values()]


def _unique_links(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Complete link rows, the first of each (post, URL) winning."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    wanted = frozenset(LINK_COLUMNS)
    for row in rows:
        key = (row["post_id"], row["url"])
        if key not in seen:
            seen[key] = _complete(row, LINK_COLUMNS, wanted)
    return list(seen.values())


def _count_existing(db: Database, ids: list[str]) -> int:
    found = 0
    for chunk, marks in in_chunks(ids):
        found += db.conn.execute(f"SELECT count(*) FROM posts WHERE id IN ({marks})", chunk).fetchone()[0]
    return found


def pid_alive(pid: int | None) -> bool:
    """Whether a process with this id runs on this host (one we may not signal counts as alive)."""
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
