"""Provide the numbered schema migrations, recorded in ``_sqlite_migrations``.

Each migration is idempotent (``IF NOT EXISTS``) and runs in one transaction with its record.
Add a new numbered function at the end; never edit one that has shipped.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

from bot.db import run_script

migrations = Migrations("ml4sci-bot")


@migrations(name="0001_issues")
def issues(db: Database) -> None:
    run_script(
        db,
        """
        CREATE TABLE IF NOT EXISTS issues (
            key TEXT PRIMARY KEY,          -- the feed guid, else the canonical URL, else a hash
            number INTEGER,
            title TEXT NOT NULL,
            subtitle TEXT,
            url TEXT,
            published_at TEXT,
            source TEXT,                   -- where it was read from (file path, URL)
            data TEXT NOT NULL,            -- the whole parsed Issue as JSON
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS issues_published ON issues(published_at);
        CREATE INDEX IF NOT EXISTS issues_url ON issues(url);
        """
    )
