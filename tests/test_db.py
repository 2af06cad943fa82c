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
