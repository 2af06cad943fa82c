"""The digest's window query on 50,000 harvested threads, with and without an index on
``threads(last_post_at)`` (migration 0011 dropped it: it slowed every harvested page), and the
first page of datasette's threads table, which sorts by ``last_post_at`` (metadata.json).

The threads are bench_store's synthetic ones (four weeks of posts); the window is the last week,
as ``bot digest`` asks by default. Medians of ``BENCH_RUNS`` queries each.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time

RUNS = int(os.environ.get("BENCH_RUNS", "15"))
POSTS = int(os.environ.get("BENCH_POSTS", "50000"))


def main() -> None:
    from bench import bench_store
    from bot.db import open_db
    from bot.digest.candidates import _WINDOW

    bench_store.POSTS = POSTS
    rows = bench_store.pages(POSTS)
    with tempfile.TemporaryDirectory() as directory:
        bench_store.run_raw(directory, rows, name="digest.db")
        db = open_db(f"{directory}/digest.db")
        db.execute("UPDATE threads SET first_post_at = (SELECT min(created_at) FROM posts WHERE thread_id = threads.id),"
                   " last_post_at = (SELECT max(created_at) FROM posts WHERE thread_id = threads.id)")
        db.conn.commit()
        newest = db.execute("SELECT max(last_post_at) FROM threads").fetchone()[0]
        until = dt.datetime.fromisoformat(newest.replace("Z", "+00:00"))
        params = {"since": (until - dt.timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ"), "until": newest}
        queries = {"digest window (last 7 days)": (_WINDOW.format(platforms=""), params),
                   "datasette's first threads page": (
                       "SELECT * FROM threads ORDER BY last_post_at DESC LIMIT 101", {})}
        times: dict[tuple[str, str], tuple[float, int]] = {}
        for label, sql in (("scan (no index, as shipped)", None),
                           ("with threads(last_post_at) index", "CREATE INDEX bench_last ON threads(last_post_at)")):
            if sql:
                db.execute(sql)
            for name, (query, args) in queries.items():
                samples = []
                for _ in range(RUNS):
                    start = time.perf_counter()
                    found = len(db.execute(query, args).fetchall())
                    samples.append(time.perf_counter() - start)
                times[(name, label)] = (statistics.median(samples), found)
        db.close()
    print(f"{'query':32} {'how':34} {'median ms':>10} {'rows':>6} {'x scan':>7}   ({POSTS} threads)")
    for (name, label), (value, found) in times.items():
        base = times[(name, "scan (no index, as shipped)")][0]
        print(f"{name:32} {label:34} {value * 1000:10.1f} {found:6} {value / base:7.2f}")


if __name__ == "__main__":
    main()
