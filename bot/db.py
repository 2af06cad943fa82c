"""Provide :func:`open_db`: the one SQLite file (WAL), migrated to the current schema."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from sqlite_utils import Database

from bot.errors import BotError

BUSY_TIMEOUT_MS = 15_000


def open_db(path: str | Path, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the bot's database and apply pending migrations."""
    try:
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.OperationalError as exc:
        raise BotError(f"cannot open database {path}: {exc}") from None
    db = Database(conn)
    try:
        db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        if str(path) != ":memory:" and db.journal_mode != "wal":
            db.enable_wal()
        db.execute("PRAGMA foreign_keys = ON")
        if migrate:
            apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise BotError(f"cannot use database {path}: {exc}") from None
    return db


def apply_migrations(db: Database) -> list[str]:
    """Apply pending migrations under a write lock, so two processes never race on them."""
    from bot.migrations import migrations

    if not migrations.pending(db):
        return []
    with immediate(db):
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
    return pending


def run_script(db: Database, script: str) -> None:
    """Run several SQL statements inside the caller's transaction.

    ``sqlite3.executescript`` commits any open transaction first, which would split a
    migration from its record; this runs the statements one by one instead.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip().strip(";").strip():
                db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at BEGIN (``BEGIN IMMEDIATE``).

    ``Database.atomic()`` uses a deferred BEGIN; a read-then-write (a lease, a state
    transition) needs the lock first so two processes cannot both read the old state.
    Inside an open transaction this is a savepoint, so such blocks nest.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    else:
        db.conn.execute("COMMIT")
