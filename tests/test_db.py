"""The store: WAL, idempotent migrations recorded in a table, safe under two processes."""

from __future__ import annotations

import multiprocessing

from bot.db import open_db, run_script
from bot.migrations import migrations


def test_wal_and_migrations_recorded(db_path):
    db = open_db(db_path)
    assert db.journal_mode == "wal"
    names = [m.name for m in migrations.applied(db)]
    assert names[0] == "0001_issues"
    assert names == [m.name for m in migrations._migrations]
    assert "issues" in db.table_names()
    db.close()


def test_reopening_applies_nothing_twice(db_path):
    open_db(db_path).close()
    db = open_db(db_path)
    rows = db.query("select name, count(*) as n from _sqlite_migrations group by name")
    assert all(row["n"] == 1 for row in rows)
    db.close()


def _open(path: str) -> int:
    db = open_db(path)
    n = db.execute("select count(*) from _sqlite_migrations").fetchone()[0]
    db.close()
    return n


def test_two_processes_migrating_at_once(db_path):
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        counts = pool.map(_open, [str(db_path)] * 2)
    expected = len(migrations._migrations)
    assert counts == [expected, expected]
    db = open_db(db_path)
    assert db.execute("select count(*) from _sqlite_migrations").fetchone()[0] == expected


def test_run_script_stays_inside_the_callers_transaction(db):
    db.execute("create table t (x)")
    try:
        with db.atomic():
            run_script(db, "insert into t values (1);\ninsert into t values (2);\n")
            raise RuntimeError("roll back")
    except RuntimeError:
        pass
    assert db.execute("select count(*) from t").fetchone()[0] == 0


def test_harvest_schema_is_created_inside_the_callers_transaction(tmp_path):
    """Regression: enable_fts/executescript committed a migration halfway through."""
    import pytest
    from sqlite_utils import Database

    from collectors.store import create_schema

    db = Database(tmp_path / "x.db")
    with pytest.raises(RuntimeError):
        with db.atomic():
            create_schema(db)
            assert "posts_fts" in db.table_names()
            raise RuntimeError("roll back")
    assert db.table_names() == []


def test_full_text_search_follows_inserts_updates_and_deletes(db):
    db.execute("insert into posts (id, platform, text) values ('x:1', 'x', 'graph neural networks')")
    assert [r["id"] for r in db["posts"].search("neural")] == ["x:1"]
    db.execute("update posts set text = 'protein folding' where id = 'x:1'")
    assert list(db["posts"].search("neural")) == []
    assert [r["id"] for r in db["posts"].search("folding")] == ["x:1"]
    db.execute("delete from posts where id = 'x:1'")
    assert list(db["posts"].search("folding")) == []


def _open_fresh(path: str) -> str:
    try:
        open_db(path).close()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - the test reports whatever went wrong
        return f"{type(exc).__name__}: {exc}"


def test_processes_opening_a_new_file_together_all_get_wal(tmp_path):
    """Regression: switching a new file to WAL answered "database is locked" at once when
    another process held a lock (seen under load in the full suite)."""
    paths = [str(tmp_path / f"db{n}.db") for n in range(60)]
    with multiprocessing.get_context("spawn").Pool(4) as pool:
        # chunksize 1: the four opens of one file go to four workers at the same moment
        outcomes = pool.map(_open_fresh, [p for p in paths for _ in range(4)], chunksize=1)
    assert set(outcomes) == {"ok"}
    for path in paths:
        assert open_db(path).journal_mode == "wal"


def test_an_older_database_gets_the_narrow_fts_update_triggers(db_path):
    # A database made before 0009 had FTS update triggers firing on any change to a thread
    # (every page's count refresh re-indexed its title); reopening it narrows them.
    db = open_db(db_path)
    db.execute("DROP TRIGGER [threads_au]")
    db.execute(
        "CREATE TRIGGER [threads_au] AFTER UPDATE ON [threads] BEGIN"
        " INSERT INTO [threads_fts] ([threads_fts], rowid, [title]) VALUES('delete', old.rowid, old.[title]);"
        " INSERT INTO [threads_fts] (rowid, [title]) VALUES (new.rowid, new.[title]); END"
    )
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0009_fts_update_triggers'")
    db.conn.commit()
    db.close()
    db = open_db(db_path)
    (sql,) = [row["sql"] for row in db.query("SELECT sql FROM sqlite_master WHERE name = 'threads_au'")]
    assert "AFTER UPDATE OF [title] ON [threads]" in sql
    db.close()
