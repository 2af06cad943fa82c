"""The harvest store: exact rows, upserts without duplicates, derived thread counts, atomic state."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from collectors.base import Rows
from collectors.store import (
    create_schema,
    finish_run,
    load_state,
    save_page,
    start_run,
)

NOW = "2024-03-01T12:00:00Z"


def _post(n: int, *, thread: str = "x:1", parent: str | None = None, likes: int = 0, text: str | None = None) -> dict:
    return {
        "id": f"x:{n}", "platform": "x", "thread_id": thread, "parent_id": parent,
        "author_id": "x:42", "text": text or f"post {n}", "created_at": f"2024-01-0{n}T00:00:00Z",
        "url": f"https://x.com/a/status/{n}", "like_count": likes, "repost_count": 1,
        "reply_count": 0, "quote_count": 0, "raw": json.dumps({"id": str(n)}),
    }


def _rows() -> Rows:
    return Rows(
        posts=[_post(1, likes=5, text="Graph networks for materials"), _post(2, parent="x:1", likes=3)],
        authors=[{"id": "x:42", "platform": "x", "handle": "alice", "display_name": "Alice",
                  "description": "physicist", "followers_count": 10, "url": "https://x.com/alice", "raw": "{}"}],
        threads=[{"id": "x:1", "platform": "x", "root_post_id": "x:1", "author_id": "x:42",
                  "title": "Graph networks for materials", "url": "https://x.com/a/status/1"}],
        links=[{"post_id": "x:1", "url": "https://arxiv.org/abs/2401.00001", "domain": "arxiv.org"},
               {"post_id": "x:1", "url": "https://arxiv.org/abs/2401.00001", "domain": "arxiv.org"}],
    )


def test_save_page_writes_exact_rows(db):
    saved = save_page(db, _rows(), source="s1", state={"since_id": "2"}, platform="x", now=NOW)

    assert (saved.posts_seen, saved.posts_new, saved.skipped) == (2, 2, 0)
    assert list(db.query("SELECT * FROM posts WHERE id = 'x:2'")) == [_post(2, parent="x:1", likes=3)]
    assert [r["handle"] for r in db.query("SELECT handle FROM authors")] == ["alice"]
    assert list(db.query("SELECT * FROM links")) == [
        {"post_id": "x:1", "url": "https://arxiv.org/abs/2401.00001", "domain": "arxiv.org"}
    ]
    assert list(db.query("SELECT * FROM threads")) == [{
        "id": "x:1", "platform": "x", "root_post_id": "x:1", "author_id": "x:42",
        "title": "Graph networks for materials", "url": "https://x.com/a/status/1",
        "post_count": 2, "reply_count": 1, "like_count": 8,
        "first_post_at": "2024-01-01T00:00:00Z", "last_post_at": "2024-01-02T00:00:00Z",
        "first_seen_at": NOW, "last_seen_at": NOW,
    }]
    assert load_state(db, "s1") == {"since_id": "2"}
    assert list(db.query("SELECT platform, updated_at FROM harvest_state")) == [{"platform": "x", "updated_at": NOW}]


def test_saving_again_updates_without_duplicates_and_counts_only_new_posts(db):
    save_page(db, _rows(), source="s1", state={"since_id": "2"}, now=NOW)
    later = Rows(posts=[_post(2, parent="x:1", likes=30), _post(3, parent="x:2", likes=1)])

    saved = save_page(db, later, source="s1", state={"since_id": "3"}, now="2024-03-02T00:00:00Z")

    assert (saved.posts_seen, saved.posts_new) == (2, 1)
    assert db["posts"].count == 3
    assert db["links"].count == 1
    thread = next(db.query("SELECT * FROM threads"))
    assert (thread["post_count"], thread["reply_count"], thread["like_count"]) == (3, 2, 36)
    assert (thread["first_seen_at"], thread["last_seen_at"]) == (NOW, "2024-03-02T00:00:00Z")
    assert thread["title"] == "Graph networks for materials"  # a page without the root keeps it
    assert load_state(db, "s1") == {"since_id": "3"}


def test_a_reply_without_its_root_gets_a_stub_thread(db):
    save_page(db, Rows(posts=[_post(7, thread="x:5", parent="x:5")]), source=None, state=None, now=NOW)

    thread = next(db.query("SELECT * FROM threads"))
    assert (thread["id"], thread["platform"], thread["title"], thread["root_post_id"]) == ("x:5", "x", None, None)
    assert (thread["post_count"], thread["reply_count"]) == (1, 1)


def test_rows_and_state_commit_together_or_not_at_all(db):
    save_page(db, _rows(), source="s1", state={"since_id": "2"}, now=NOW)
    broken = Rows(
        posts=[_post(4)],
        links=[{"post_id": "x:4", "url": "https://github.com/a/b", "domain": None}],  # NOT NULL
    )

    with pytest.raises(sqlite3.IntegrityError):
        save_page(db, broken, source="s1", state={"since_id": "4"}, now=NOW)

    assert db["posts"].count == 2
    assert load_state(db, "s1") == {"since_id": "2"}
    assert not db.conn.in_transaction


def test_save_page_inside_an_open_transaction_is_a_savepoint(db):
    db.conn.execute("BEGIN")
    save_page(db, _rows(), source="s1", state={"k": 1}, now=NOW)
    db.conn.execute("ROLLBACK")

    assert db["posts"].count == 0
    assert load_state(db, "s1") is None


def test_full_text_search_follows_inserts_and_updates(db):
    save_page(db, _rows(), source=None, state=None, now=NOW)
    save_page(db, Rows(posts=[_post(1, likes=9, text="Diffusion models for proteins")]), source=None, state=None, now=NOW)

    def hits(term: str) -> list[str]:
        sql = "SELECT posts.id FROM posts_fts JOIN posts ON posts.rowid = posts_fts.rowid WHERE posts_fts MATCH ?"
        return [r["id"] for r in db.query(sql, [term])]

    assert hits("proteins") == ["x:1"]
    assert hits("materials") == []
    assert [r["rowid"] for r in db.query("SELECT rowid FROM threads_fts WHERE threads_fts MATCH 'graph'")] == [1]


def test_create_schema_is_idempotent(db):
    create_schema(db)
    create_schema(db)
    assert {"posts", "authors", "threads", "links", "harvest_state", "harvest_runs", "posts_fts", "threads_fts"} <= set(db.table_names())
    assert "linked_posts" in db.view_names()


def test_runs_are_recorded_and_dead_ones_marked_interrupted(db):
    first = start_run(db, source="s1", platform="x", now=NOW)
    # A run whose process died (a pid that cannot exist) is still 'running'.
    db.execute("UPDATE harvest_runs SET pid = ? WHERE id = ?", [2**22 + 12345, first])

    second = start_run(db, source="s1", platform="x", now=NOW)
    finish_run(db, second, status="ok", posts_seen=3, posts_new=2, requests=1, now="2024-03-01T12:00:05Z")

    runs = {r["id"]: r for r in db.query("SELECT * FROM harvest_runs")}
    assert runs[first]["status"] == "interrupted"
    assert {k: runs[second][k] for k in ("status", "posts_seen", "posts_new", "requests", "finished_at", "pid")} == {
        "status": "ok", "posts_seen": 3, "posts_new": 2, "requests": 1,
        "finished_at": "2024-03-01T12:00:05Z", "pid": os.getpid(),
    }


def test_finish_run_rejects_unknown_fields(db):
    run = start_run(db, source="s1", platform="x")
    with pytest.raises(ValueError, match="bogus"):
        finish_run(db, run, bogus=1)


def test_an_unchanged_state_is_not_rewritten(db):
    save_page(db, Rows(), source="s1", state={"since_id": "9"}, now=NOW)
    save_page(db, Rows(), source="s1", state={"since_id": "9"}, now="2024-03-09T00:00:00Z")
    assert next(db.query("SELECT updated_at FROM harvest_state"))["updated_at"] == NOW

    save_page(db, Rows(), source="s1", state={"since_id": "10"}, now="2024-03-09T00:00:00Z")
    assert next(db.query("SELECT updated_at FROM harvest_state"))["updated_at"] == "2024-03-09T00:00:00Z"


def test_harvest_writes_relax_durability_only_while_harvesting(db):
    """Harvest pages may be fetched again after a power cut; an outbox commit may not be lost,
    so synchronous is NORMAL inside harvest_writes and FULL again after it, even on an error."""
    from collectors.store import harvest_writes, save_page

    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    with pytest.raises(RuntimeError):
        with harvest_writes(db):
            assert db.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL
            save_page(db, _rows(), source="s", state={"n": 1})
            raise RuntimeError("a collector failed mid-run")
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert db["posts"].count == len(_rows().posts)


def test_a_thread_given_in_full_keeps_when_it_was_first_seen(db):
    first = Rows(posts=[_post(1, thread="x:1")], threads=[
        {"id": "x:1", "platform": "x", "root_post_id": "x:1", "author_id": "x:u1", "title": "Old title", "url": None}])
    save_page(db, first, source=None, state=None, now="2024-01-01T00:00:00Z")
    first.threads[0]["title"] = "New title"
    save_page(db, first, source=None, state=None, now="2024-02-01T00:00:00Z")
    (row,) = db.query("select title, first_seen_at, last_seen_at from threads")
    assert row["title"] == "New title" and row["first_seen_at"] == "2024-01-01T00:00:00Z"
    assert [r["title"] for r in db.query("select title from threads_fts")] == ["New title"]
