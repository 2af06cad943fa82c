"""Store 100,000 normalised posts with ``save_page`` against raw ``sqlite3`` ``executemany``.

Both write the same rows (posts, authors, threads, links) into the same schema (FTS triggers
included) in a fresh WAL database, one transaction per page of 100; the raw side has no
derived thread counts, no new-row counting and no state row, which is the overhead measured.
The goal is at least half the raw speed. ``BENCH_POSTS`` changes the count.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

POSTS = int(os.environ.get("BENCH_POSTS", "100000"))
PAGE = int(os.environ.get("BENCH_PAGE", "100"))

RAW_SQL = {
    "posts": "INSERT INTO posts (id, platform, thread_id, parent_id, author_id, text, created_at, url, "
    "like_count, repost_count, reply_count, quote_count, raw) VALUES (:id, :platform, :thread_id, "
    ":parent_id, :author_id, :text, :created_at, :url, :like_count, :repost_count, :reply_count, "
    ":quote_count, :raw)",
    "authors": "INSERT INTO authors (id, platform, handle, display_name, description, followers_count, "
    "url, raw) VALUES (:id, :platform, :handle, :display_name, :description, :followers_count, :url, "
    ":raw) ON CONFLICT(id) DO UPDATE SET handle = excluded.handle, display_name = excluded.display_name, "
    "description = excluded.description, followers_count = excluded.followers_count, url = excluded.url, "
    "raw = excluded.raw",
    "threads": "INSERT INTO threads (id, platform, root_post_id, author_id, title, url) VALUES "
    "(:id, :platform, :root_post_id, :author_id, :title, :url)",
    "links": "INSERT INTO links (post_id, url, domain) VALUES (:post_id, :url, :domain)",
}


def pages(count: int = POSTS, size: int = PAGE) -> list:
    """Normalised rows, page by page, from synthetic tweets shaped like the recorded bodies."""
    from collectors.x import to_rows
    from tests.fakes.x_server import synthetic_tweets

    tweets, users = synthetic_tweets(count)
    by_id = {u["id"]: u for u in users}
    out = []
    for start in range(0, count, size):
        chunk = tweets[start:start + size]
        authors = [by_id[a] for a in dict.fromkeys(t["author_id"] for t in chunk)]
        out.append(to_rows({"data": chunk, "includes": {"users": authors}}))
    return out


def fresh_db(directory: str, name: str):
    from bot.db import open_db

    return open_db(Path(directory) / name)


def run_save_page(directory: str, rows_pages: list) -> float:
    from collectors.store import save_page

    db = fresh_db(directory, "save_page.db")
    start = time.perf_counter()
    for n, rows in enumerate(rows_pages):
        save_page(db, rows, source="bench", state={"page": n})
    elapsed = time.perf_counter() - start
    assert db["posts"].count == POSTS
    db.close()
    return elapsed


def run_raw(directory: str, rows_pages: list) -> float:
    db = fresh_db(directory, "raw.db")
    conn = db.conn
    start = time.perf_counter()
    for rows in rows_pages:
        conn.execute("BEGIN")
        for table in ("posts", "authors", "threads", "links"):
            conn.executemany(RAW_SQL[table], getattr(rows, table))
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    assert db["posts"].count == POSTS
    db.close()
    return elapsed


def main() -> None:
    rows_pages = pages()
    with tempfile.TemporaryDirectory() as directory:
        raw = run_raw(directory, rows_pages)
        saved = run_save_page(directory, rows_pages)
    print(f"{'writer':34} {'seconds':>8} {'posts/s':>9} {'x raw speed':>12}   ({POSTS} posts, pages of {PAGE})")
    print(f"{'raw sqlite3 executemany':34} {raw:8.2f} {POSTS / raw:9.0f} {1.0:12.2f}")
    print(f"{'collectors.store.save_page':34} {saved:8.2f} {POSTS / saved:9.0f} {raw / saved:12.2f}")
    print(f"goal: save_page at least 0.5x raw speed -> {'met' if raw / saved >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
