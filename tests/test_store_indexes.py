"""The harvest tables carry only the indexes their queries use (each one costs every page)."""

from __future__ import annotations

from bot.db import open_db
from collectors.sqlutil import run_script


def _indexes(db) -> set[str]:
    return {row["name"] for row in db.query("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'threads'"
                                            " AND name NOT LIKE 'sqlite_autoindex%'")}


def test_a_new_database_has_no_thread_time_index(db_path):
    db = open_db(db_path)
    assert "threads_last_post" not in _indexes(db)


def test_an_old_database_loses_it_on_upgrade(db_path):
    db = open_db(db_path)
    run_script(db, "CREATE INDEX threads_last_post ON threads(last_post_at);\n")
    db.execute("DELETE FROM _sqlite_migrations WHERE name = '0011_drop_thread_time_index'")
    db.conn.commit()
    db.close()
    db = open_db(db_path)
    assert "threads_last_post" not in _indexes(db)

