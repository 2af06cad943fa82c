"""Provide the ``issues`` table's reads and writes: :func:`save_issue`, :func:`latest_issue`,
:func:`load_issue`.

A row is keyed by :attr:`Issue.key` (guid, else URL, else a title hash) and keeps the whole
issue as JSON in ``data``. ``first_seen_at`` is set once; ``updated_at`` moves only when the
stored issue actually changes, so polling an unchanged feed leaves the row alone.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from sqlite_utils import Database

from bot.db import immediate
from bot.newsletter.model import Issue
from bot.timeutil import Clock, iso, utcnow

_COLUMNS = ("number", "title", "subtitle", "url", "published_at", "source", "data")


def _row(issue: Issue) -> dict[str, Any]:
    return {
        "number": issue.number,
        "title": issue.title,
        "subtitle": issue.subtitle,
        "url": issue.url,
        "published_at": issue.published_at,
        "source": issue.source,
        "data": json.dumps(issue.to_dict(), ensure_ascii=False, sort_keys=True),
    }


def save_issue(db: Database, issue: Issue, *, clock: Clock = utcnow) -> bool:
    """Insert or update ``issue``; return True if its key was not stored before."""
    row = _row(issue)
    now = iso(clock())
    # Inside a caller's transaction the caller commits; otherwise take the write lock first so
    # two processes saving the same issue cannot both see it as new.
    with contextlib.nullcontext() if db.conn.in_transaction else immediate(db):
        existing = db.execute(
            f"SELECT {', '.join(_COLUMNS)} FROM issues WHERE key = ?", [issue.key]
        ).fetchone()
        if existing is None:
            db.execute(
                f"INSERT INTO issues (key, {', '.join(_COLUMNS)}, first_seen_at, updated_at) "
                f"VALUES (?, {', '.join('?' for _ in _COLUMNS)}, ?, ?)",
                [issue.key, *row.values(), now, now],
            )
            return True
        if tuple(existing) != tuple(row.values()):
            assignments = ", ".join(f"{column} = ?" for column in _COLUMNS)
            db.execute(
                f"UPDATE issues SET {assignments}, updated_at = ? WHERE key = ?",
                [*row.values(), now, issue.key],
            )
    return False


def load_issue(db: Database, key: str) -> Issue | None:
    """The stored issue with ``key``, or ``None``."""
    row = db.execute("SELECT data FROM issues WHERE key = ?", [key]).fetchone()
    return Issue.from_dict(json.loads(row[0])) if row else None


def latest_issue(db: Database) -> Issue | None:
    """The most recently published issue (undated ones last), then the most recently seen."""
    row = db.execute(
        "SELECT data FROM issues ORDER BY published_at IS NULL, published_at DESC, "
        "first_seen_at DESC, rowid DESC LIMIT 1"
    ).fetchone()
    return Issue.from_dict(json.loads(row[0])) if row else None
