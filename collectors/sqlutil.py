"""Provide the SQLite helpers the whole project shares.

* :func:`immediate`: a write transaction that takes the lock at ``BEGIN IMMEDIATE`` (or a
  savepoint inside the caller's transaction), for every read-then-write;
* :func:`run_script`: several statements inside the caller's transaction (the stdlib's
  ``executescript`` commits any open transaction first, which would split a migration
  from its record);
* :func:`in_chunks`: a list of ids cut for ``IN (...)`` queries under SQLite's variable limit.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from typing import TypeVar

from sqlite_utils import Database

T = TypeVar("T")
_CHUNK = 500  # ids per "IN (...)" query, under SQLite's 999-variable floor


@contextlib.contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A transaction that takes the write lock at BEGIN (``BEGIN IMMEDIATE``).

    ``Database.atomic()`` uses a deferred BEGIN; a read-then-write (a lease, a state
    transition, a page and its harvest state) needs the lock first so two processes cannot
    both read the old state. Inside an open transaction this is a savepoint, so blocks nest.
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


def run_script(db: Database, script: str) -> None:
    """Run several SQL statements one by one, inside the caller's transaction."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip().strip(";").strip():
                db.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


def in_chunks(ids: Sequence[T]) -> Iterator[tuple[Sequence[T], str]]:
    """``ids`` in slices of at most 500, each with its ``?,?,...`` placeholders for ``IN (...)``."""
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        yield chunk, ",".join("?" * len(chunk))
