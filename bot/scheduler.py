"""Provide :func:`run_forever`: ``bot run`` as one APScheduler 3 process.

Jobs: the feed poll, the check for issues whose review window has passed, and one harvest
job per source, each at its interval, kept in a persistent job store in the same SQLite
file (``apscheduler_jobs``) with ``coalesce``, ``max_instances=1`` and a misfire grace.
One scheduler per database (an exclusive lock file); SIGTERM and SIGINT let the running job
finish, then exit.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import signal
import threading
from pathlib import Path
from typing import IO, Any

import msgspec

from bot.errors import BotError
from bot.runner import FEED_JOB, POST_JOB, harvest_due_at
from bot.settings import Settings
from bot.timeutil import UTC, utcnow

log = logging.getLogger("bot.run")

MISFIRE_GRACE = 300  # seconds: a job that missed its time by more is skipped, not piled up


class JobSpec(msgspec.Struct, frozen=True):
    id: str
    every: dt.timedelta
    first_run: dt.datetime


def lock_path(db_path: Path) -> Path:
    """The lock file beside the database's real file: a symlink to it, ``./r.db`` or a path
    through a linked directory is the same database, so it is the same lock.
    """
    real = Path(os.path.realpath(db_path))
    return real.with_name(real.name + ".run.lock")


def acquire_run_lock(db_path: Path) -> IO[str]:
    """Hold an exclusive lock for this database; a second ``bot run`` gets a clear error."""
    path = lock_path(db_path)
    handle = open(path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise BotError(f"another bot run is already using {db_path} ({holder}); one scheduler per database")
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle


def run_lock_held(db_path: Path) -> bool:
    """Whether a ``bot run`` holds this database's lock right now."""
    path = lock_path(db_path)
    if not path.exists():
        return False
    with open(path, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def job_specs(settings: Settings, db: Any, *, now: dt.datetime) -> list[JobSpec]:
    """The jobs this configuration asks for. Harvests resume their rhythm from ``job_runs``."""
    specs = []
    if settings.feed_url:
        specs.append(JobSpec(FEED_JOB, settings.poll_interval_td, now))
    specs.append(JobSpec(POST_JOB, settings.post_check_interval_td, now))
    for source in settings.sources:
        due = harvest_due_at(db, source.name, source.interval)
        first = max(now, due) if due else now
        specs.append(JobSpec(f"harvest:{source.name}", source.interval, first))
    return specs


def build_scheduler(db_path: Path) -> Any:
    from apscheduler.executors.pool import ThreadPoolExecutor
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.background import BackgroundScheduler

    return BackgroundScheduler(
        timezone=UTC,
        jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{db_path.resolve()}")},
        # Two workers: a long harvest must not hold up the posting of a due issue.
        executors={"default": ThreadPoolExecutor(2)},
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": MISFIRE_GRACE},
    )


def sync_jobs(scheduler: Any, specs: list[JobSpec], *, config: str | None, db: str,
              backfill: bool) -> None:
    """Make the job store hold exactly these jobs (a source removed from bot.toml goes away)."""
    from apscheduler.triggers.interval import IntervalTrigger

    wanted = {spec.id for spec in specs}
    for job in scheduler.get_jobs():
        if job.id not in wanted:
            job.remove()
    for spec in specs:
        scheduler.add_job(
            "bot.jobs:run",
            trigger=IntervalTrigger(seconds=spec.every.total_seconds(), timezone=UTC),
            id=spec.id,
            name=spec.id,
            kwargs={"job": spec.id, "config": config, "db": db, "backfill": backfill},
            next_run_time=spec.first_run,
            replace_existing=True,
        )


def run_forever(settings: Settings, db: Any, *, config: str | None, backfill: bool = False,
                stop: threading.Event | None = None) -> None:
    """Run until SIGTERM/SIGINT (or ``stop`` is set); the running job finishes first."""
    from bot.jobs import STOPPING

    db_path = settings.db_path
    lock = acquire_run_lock(db_path)
    STOPPING.clear()
    stop = stop or threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGTERM, signal.SIGINT)} \
        if threading.current_thread() is threading.main_thread() else {}
    scheduler = build_scheduler(db_path)
    try:
        scheduler.start(paused=True)
        specs = job_specs(settings, db, now=utcnow())
        sync_jobs(scheduler, specs, config=config, db=str(db_path), backfill=backfill)
        scheduler.resume()
        log.info("bot run started: %d jobs (%s)", len(specs), ", ".join(s.id for s in specs),
                 extra={"jobs": [s.id for s in specs]})
        stop.wait()
        STOPPING.set()  # a harvest waiting on a rate limit stops waiting
        log.info("bot run stopping: letting the running job finish")
    finally:
        if scheduler.running:
            scheduler.shutdown(wait=True)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        lock.close()
    log.info("bot run stopped")


def next_runs(db: Any) -> dict[str, str]:
    """``{job id: next run (ISO UTC)}`` from the job store, if ``bot run`` ever ran here."""
    if "apscheduler_jobs" not in db.table_names():
        return {}
    out = {}
    for row in db.query("SELECT id, next_run_time FROM apscheduler_jobs"):
        if row["next_run_time"] is not None:
            out[row["id"]] = dt.datetime.fromtimestamp(row["next_run_time"], UTC).isoformat(
                timespec="seconds").replace("+00:00", "Z")
    return out
