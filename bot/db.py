"""Provide :func:`open_db`: the one SQLite file (WAL), migrated to the current schema."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlite_utils import Database

from bot.errors import BotError
from collectors.sqlutil import immediate, run_script

__all__ = ["BUSY_TIMEOUT_MS", "apply_migrations", "immediate", "open_db", "run_script"]

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
        if str(path) != ":memory:":
            _ensure_wal(db)
        db.execute("PRAGMA foreign_keys = ON")
        check_schema(db, path)
        if migrate:
            apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise database_error(exc, path) from None
    except BotError:
        conn.close()
        raise
    return db


def check_schema(db: Database, path: str | Path) -> None:
    """Refuse a database a newer version of the bot has migrated: its schema holds tables and
    meanings this version does not know, so status would misreport it and post could misuse it.
    """
    from bot import __version__
    from bot.migrations import migrations

    known = {m.name for m in migrations.pending(Database(memory=True))}  # every one we have
    unknown = [m.name for m in migrations.applied(db) if m.name not in known]
    if unknown:
        raise BotError(
            f"database {path} was written by a newer ml4sci-bot (migration {unknown[-1]} is "
            f"unknown to {__version__}): upgrade the bot, or use another --db"
        )


def database_error(exc: sqlite3.Error, path: str | Path) -> BotError:
    """One line for what SQLite said, with what to do about it."""
    text = str(exc)
    if "readonly" in text or "read-only" in text:
        return BotError(f"database {path} is read-only ({text}): use a writable file or directory")
    if "locked" in text or "busy" in text:
        return BotError(
            f"database {path} is locked by another process (waited {BUSY_TIMEOUT_MS // 1000} s): "
            "try again when it finishes"
        )
    if "disk is full" in text or "disk I/O" in text:
        return BotError(f"database {path}: {text}")
    return BotError(f"cannot use database {path}: {text}")


def _ensure_wal(db: Database) -> None:
    """Switch to WAL (persistent in the file), waiting while another process holds a lock.

    Changing the journal mode needs the database to itself, and SQLite answers "database is
    locked" at once instead of calling the busy handler, so two processes opening a new
    file together (bot run and bot post, two tests) would fail: wait as busy_timeout would.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while db.journal_mode != "wal":
        try:
            db.enable_wal()
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def apply_migrations(db: Database) -> list[str]:
    """Apply pending migrations under a write lock, so two processes never race on them."""
    from bot.migrations import migrations

    if not migrations.pending(db):
        return []
    with immediate(db):
        pending = [m.name for m in migrations.pending(db)]
        migrations.apply(db)
    return pending
