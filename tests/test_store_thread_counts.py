"""Thread counts written page by page equal the counts recomputed from every post we hold.

save_page reads each touched thread's counts before writing its row, once per page; this checks
that incremental rule against a from-scratch aggregate over the whole table, whatever the order
pages arrive in: replies before their root, a root re-harvested with new likes, a thread given
in full after its placeholder, posts moving between pages.
"""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from collectors.base import Rows
from collectors.store import save_page

_FROM_SCRATCH = """
SELECT t.id, count(p.id) AS n, coalesce(sum(p.id = coalesce(t.root_post_id, t.id)), 0) AS roots,
       coalesce(sum(p.like_count), 0) AS likes, min(p.created_at) AS first_at, max(p.created_at) AS last_at
FROM threads t LEFT JOIN posts p ON p.thread_id = t.id GROUP BY t.id ORDER BY t.id
"""


def _post(n: int, thread: int, likes: int) -> dict:
    return {"id": f"x:{n}", "platform": "x", "thread_id": f"x:{thread}", "parent_id": None, "author_id": "x:1",
            "text": f"post {n}", "created_at": f"2024-01-{n:02d}T00:00:00Z", "url": None, "like_count": likes,
            "repost_count": 0, "reply_count": 0, "quote_count": 0, "raw": json.dumps({"id": n})}


# A post n (1-9) belongs to thread ((n - 1) % 3) + 1 and is its root when n == thread: threads 1, 2, 3.
_PAGE = st.lists(st.tuples(st.integers(1, 9), st.integers(0, 50), st.booleans()), max_size=6)


@settings(max_examples=150, deadline=None)
@given(st.lists(_PAGE, min_size=1, max_size=6))
def test_counts_match_a_recount_whatever_the_page_order(tmp_path_factory, pages):
    from bot.db import open_db

    db = open_db(tmp_path_factory.mktemp("counts") / "h.db")
    for n_page, page in enumerate(pages):
        posts = [_post(n, ((n - 1) % 3) + 1, likes) for n, likes, _ in page]
        threads = [{"id": f"x:{((n - 1) % 3) + 1}", "platform": "x", "root_post_id": f"x:{((n - 1) % 3) + 1}",
                    "author_id": "x:1", "title": f"thread {((n - 1) % 3) + 1}", "url": None}
                   for n, _, whole in page if whole and n == ((n - 1) % 3) + 1]
        save_page(db, Rows(posts=posts, threads=threads), source="s", state={"page": n_page},
                  now=f"2024-02-{n_page + 1:02d}T00:00:00Z")
    stored = {r["id"]: (r["post_count"], r["reply_count"], r["like_count"], r["first_post_at"], r["last_post_at"])
              for r in db.query("SELECT * FROM threads")}
    recount = {r["id"]: (r["n"], r["n"] - r["roots"], r["likes"], r["first_at"], r["last_at"])
               for r in db.query(_FROM_SCRATCH)}
    assert stored == recount
    held = {p["thread_id"] for p in db.query("SELECT thread_id FROM posts")}
    assert set(stored) == held
    db.close()


def test_values_sqlite_would_convert_are_counted_as_sqlite_counts_them(tmp_path):
    """Text and float like counts, a numeric time: the page's own count is not used for them,
    so the stored counts are still SQLite's recount (column affinity, type ordering)."""
    from bot.db import open_db

    db = open_db(tmp_path / "h.db")
    odd = [{**_post(1, 1, 0), "like_count": "7"}, {**_post(4, 1, 0), "like_count": 2.5},
           {**_post(2, 2, 3), "created_at": 20240101}, {**_post(5, 2, 1)}, {**_post(3, 3, 4), "id": 3}]
    save_page(db, Rows(posts=odd), source="s", state={"page": 0}, now="2024-02-01T00:00:00Z")
    stored = {r["id"]: (r["post_count"], r["reply_count"], r["like_count"], r["first_post_at"], r["last_post_at"])
              for r in db.query("SELECT * FROM threads")}
    recount = {r["id"]: (r["n"], r["n"] - r["roots"], r["likes"], r["first_at"], r["last_at"])
               for r in db.query(_FROM_SCRATCH)}
    assert stored == recount
    assert stored["x:1"][2] == 9.5 and stored["x:2"][4] == "20240101"  # TEXT affinity made it text
    db.close()
