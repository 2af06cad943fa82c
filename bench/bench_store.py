"""Store 100,000 normalised posts with ``save_page`` against raw ``sqlite3`` ``executemany``.

Both write the same rows (posts, authors, threads, links) into the same schema (FTS triggers
included) in a fresh WAL database, one transaction per page of 100; the raw side has no
derived thread counts, no new-row counting and no state row, which is the overhead measured.
``save_page`` writes as ``bot harvest`` does (``harvest_writes``: ``synchronous = NORMAL`` in
WAL); raw writes at SQLite's default ``FULL`` (the goal's baseline: at least 0.9x its speed) and
at ``NORMAL`` too, for the like-for-like ratio. The writers alternate for ``BENCH_ROUNDS``
rounds; the goal is judged on the median of each round's ratio (a raw run and a save_page run
side by side), which the machine's drift over a minute moves less than a ratio of medians.
``BENCH_POSTS`` changes the count.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path

POSTS = int(os.environ.get("BENCH_POSTS", "100000"))
PAGE = int(os.environ.get("BENCH_PAGE", "100"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))

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


def run_save_page(directory: str, rows_pages: list, *, name: str = "save_page.db") -> float:
    from collectors.store import harvest_writes, save_page

    db = fresh_db(directory, name)
    start = time.perf_counter()
    with harvest_writes(db):  # as bot harvest writes
        for n, rows in enumerate(rows_pages):
            save_page(db, rows, source="bench", state={"page": n})
    elapsed = time.perf_counter() - start
    assert db["posts"].count == POSTS
    db.close()
    return elapsed


def run_raw(directory: str, rows_pages: list, *, name: str = "raw.db", synchronous: str = "FULL") -> float:
    db = fresh_db(directory, name)
    conn = db.conn
    conn.execute(f"PRAGMA synchronous = {synchronous}")
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
    times: dict[str, list[float]] = {"raw": [], "raw_normal": [], "save_page": []}
    with tempfile.TemporaryDirectory() as directory:
        for n in range(ROUNDS):  # alternate, so the machine's noise hits every writer alike
            times["raw"].append(run_raw(directory, rows_pages, name=f"raw{n}.db"))
            times["save_page"].append(run_save_page(directory, rows_pages, name=f"save{n}.db"))
            times["raw_normal"].append(run_raw(directory, rows_pages, name=f"rawn{n}.db", synchronous="NORMAL"))
    raw, raw_normal, saved = (statistics.median(times[k]) for k in ("raw", "raw_normal", "save_page"))
    print(f"{'writer':44} {'seconds':>8} {'posts/s':>9} {'x raw speed':>12}   "
          f"({POSTS} posts, pages of {PAGE}, median of {ROUNDS})")
    print(f"{'raw sqlite3 executemany (synchronous=FULL)':44} {raw:8.2f} {POSTS / raw:9.0f} {1.0:12.2f}")
    print(f"{'raw sqlite3 executemany (synchronous=NORMAL)':44} {raw_normal:8.2f} {POSTS / raw_normal:9.0f} "
          f"{raw / raw_normal:12.2f}")
    print(f"{'collectors.store.save_page (as bot harvest)':44} {saved:8.2f} {POSTS / saved:9.0f} {raw / saved:12.2f}")
    paired = sorted(r / s for r, s in zip(times["raw"], times["save_page"]))
    ratio = statistics.median(paired)
    print(f"each round's raw / save_page: {', '.join(f'{x:.2f}' for x in paired)}")
    print(f"goal: save_page at least 0.9x raw speed -> {'met' if ratio >= 0.9 else 'NOT met'}: {ratio:.2f}x,"
          f" the median round (against raw at the same synchronous=NORMAL: {raw_normal / saved:.2f}x)")


if __name__ == "__main__":
    main()
