"""Provide the job functions APScheduler calls by reference (``bot.jobs:run``).

A persistent job store keeps jobs as a function reference plus plain arguments, so each job
loads the settings and opens its own connection (jobs run in worker threads).
"""

from __future__ import annotations

import threading

from bot.runner import FEED_JOB, POST_JOB, Runner

#: Set when ``bot run`` is stopping: a harvest waiting on a rate limit stops waiting.
STOPPING = threading.Event()


def interruptible_sleep(seconds: float) -> None:
    from collectors.base import Interrupted

    if STOPPING.wait(seconds):
        raise Interrupted("bot run is stopping; the source resumes at its last saved page")


def run(job: str, *, config: str | None, db: str, backfill: bool = False) -> None:
    from bot.db import open_db
    from bot.settings import load

    settings = load(config, overrides={"db": db})
    database = open_db(settings.db_path)
    try:
        runner = Runner(database, settings, backfill=backfill)
        if job == FEED_JOB:
            runner.run_job(job, runner.poll_feed)
        elif job == POST_JOB:
            runner.run_job(job, runner.post_due)
        elif job.startswith("harvest:"):
            from bot.harvest import make_policy

            name = job.split(":", 1)[1]
            policy = make_policy(settings, sleeper=interruptible_sleep)
            runner.run_job(job, lambda: runner.harvest(name, policy=policy))
        else:
            raise ValueError(f"unknown job {job!r}")
    finally:
        database.close()
