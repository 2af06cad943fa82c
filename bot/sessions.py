"""Provide the stored login sessions (Bluesky), shared by harvesting and posting."""

from __future__ import annotations

from sqlite_utils import Database

from bot.timeutil import iso


def load_session(db: Database, platform: str, account: str) -> str | None:
    row = next(
        db.query(
            "SELECT session FROM sessions WHERE platform = ? AND account = ?", [platform, account]
        ),
        None,
    )
    return row["session"] if row else None


def save_session(db: Database, platform: str, account: str, session: str) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO sessions (platform, account, session, updated_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, account) DO UPDATE SET session = excluded.session,"
            " updated_at = excluded.updated_at",
            [platform, account, session, iso()],
        )


def forget_session(db: Database, platform: str, account: str) -> None:
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE platform = ? AND account = ?", [platform, account])
