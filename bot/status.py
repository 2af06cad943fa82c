"""Provide what ``bot status`` reports besides issue states (:mod:`bot.approval`): jobs, health."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlite_utils import Database

from bot.settings import Settings
from bot.timeutil import parse_iso, utcnow


def job_rows(db: Database) -> list[dict[str, Any]]:
    """Every job known to the store or seen running: next run time and last result."""
    from bot.scheduler import next_runs

    upcoming = next_runs(db)
    last = {
        row["job"]: row
        for row in db.query(
            "SELECT job, started_at, duration_ms, status, counts, error FROM job_runs"
            " WHERE id IN (SELECT MAX(id) FROM job_runs GROUP BY job)"
        )
    }
    return [
        {"job": job, "next_run": upcoming.get(job), **{k: v for k, v in last.get(job, {}).items()
                                                       if k != "job"}}
        for job in sorted(set(upcoming) | set(last))
    ]


def health(db: Database, settings: Settings, *, now: dt.datetime | None = None) -> str | None:
    """None when ``bot run`` is alive and polling; else the reason it is not."""
    from bot.scheduler import run_lock_held

    now = now or utcnow()
    if not run_lock_held(settings.db_path):
        return f"no bot run holds {settings.db_path}"
    if settings.feed_url:
        row = next(db.query(
            "SELECT started_at FROM job_runs WHERE job = 'feed-poll' ORDER BY id DESC LIMIT 1"), None)
        allowed = 3 * settings.poll_interval_td + dt.timedelta(minutes=1)
        if row is None:
            return "bot run has not polled the feed yet"
        if parse_iso(row["started_at"]) + allowed < now:
            return f"the last feed poll was at {row['started_at']}, more than {allowed} ago"
    return None
