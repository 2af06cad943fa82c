"""Provide :func:`hold`, :func:`release` and :func:`resolve_issue_key`: keeping ``bot run`` from
posting an issue, letting it go, and finding an issue by its number, key or URL."""

from __future__ import annotations

from sqlite_utils import Database

from bot.db import immediate
from bot.errors import BotError
from bot.timeutil import Clock, iso, utcnow


def resolve_issue_key(db: Database, ref: str) -> str:
    """An issue by its number (``33``), its key or its URL."""
    from bot.weburl import shown

    ref = ref.strip().lstrip("#")
    if ref.isascii() and ref.isdigit():
        number = int(ref)  # beyond SQLite's INTEGER no issue has that number
        rows = [] if number >= 2**63 else list(db.query(
            "SELECT key FROM issues WHERE number = ? ORDER BY published_at DESC", [number]))
    else:
        rows = list(db.query("SELECT key FROM issues WHERE key = ? OR url = ?", [ref, ref]))
    if not rows:
        raise BotError(f"unknown issue {shown(repr(ref))}: bot has not seen it (bot status lists issues)")
    return rows[0]["key"]


def hold(db: Database, ref: str, *, clock: Clock = utcnow) -> str:
    """Keep ``bot run`` from posting an issue until it is released."""
    return _set_held(db, ref, held=True, clock=clock)


def release(db: Database, ref: str, *, clock: Clock = utcnow) -> str:
    """Let a held (or back-catalogue) issue go: bot run posts it at its next check."""
    return _set_held(db, ref, held=False, clock=clock)


def _set_held(db: Database, ref: str, *, held: bool, clock: Clock) -> str:
    key = resolve_issue_key(db, ref)
    row = next(db.query("SELECT status FROM schedule WHERE issue_key = ?", [key]), None)
    if row and row["status"] == "posted":
        raise BotError(f"issue {ref} is already posted; nothing to {'hold' if held else 'release'}")
    now = iso(clock())
    # Releasing also makes the issue due now (a back-catalogue issue included); holding
    # leaves its review window as it was.
    on_conflict = "held = 1" if held else "held = 0, status = 'waiting', post_after = excluded.post_after"
    with immediate(db):
        db.execute(
            "INSERT INTO schedule (issue_key, status, held, post_after, created_at, updated_at)"
            f" VALUES (?, 'waiting', ?, ?, ?, ?) ON CONFLICT (issue_key) DO UPDATE SET {on_conflict},"
            " updated_at = excluded.updated_at",
            [key, int(held), None if held else now, now, now],
        )
    return key
