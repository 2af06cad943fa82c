"""The scheduler's parts that need no network: the run lock, job specs, the stop signal."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import BotError
from bot.scheduler import acquire_run_lock, job_specs, run_lock_held
from bot.settings import load


def test_one_scheduler_per_database(tmp_path):
    db_path = tmp_path / "bot.db"
    assert not run_lock_held(db_path)
    lock = acquire_run_lock(db_path)
    try:
        assert run_lock_held(db_path)
        with pytest.raises(BotError, match=rf"another bot run is already using {db_path} \(pid \d+\)"):
            acquire_run_lock(db_path)
    finally:
        lock.close()
    assert not run_lock_held(db_path)
    acquire_run_lock(db_path).close()


def test_run_once_refuses_beside_a_running_scheduler(cli_run, db_path):
    lock = acquire_run_lock(db_path)
    try:
        result = cli_run("run", "--once")
    finally:
        lock.close()
    assert result.exit_code == 1
    assert f"another bot run is already using {db_path}" in result.output


def test_job_specs_resume_harvest_rhythm_from_job_runs(tmp_path, db):
    config = tmp_path / "bot.toml"
    config.write_text('[newsletter]\nfeed_url = "http://127.0.0.1:9/feed"\n[run]\npoll_interval = "5m"\n'
                      '[[sources]]\nname = "x-a"\nplatform = "x"\nsearch = "a"\ninterval = "2h"\n'
                      '[[sources]]\nname = "r-b"\nplatform = "reddit"\nsubreddit = "b"\ninterval = "1h"\n')
    settings = load(config, environ={}, dotenv=None)
    now = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
    db.execute("insert into job_runs (job, started_at, status) values ('harvest:x-a', '2026-11-27T11:00:00Z', 'ok')")
    db.execute("insert into job_runs (job, started_at, status) values ('harvest:r-b', '2026-11-27T09:00:00Z', 'ok')")
    db.conn.commit()
    specs = {s.id: (s.every, s.first_run) for s in job_specs(settings, db, now=now)}
    assert specs == {
        "feed-poll": (dt.timedelta(minutes=5), now),
        "post-due": (dt.timedelta(minutes=1), now),
        "harvest:x-a": (dt.timedelta(hours=2), now + dt.timedelta(hours=1)),  # ran an hour ago
        "harvest:r-b": (dt.timedelta(hours=1), now),  # overdue: at once
    }


def test_a_stopping_bot_run_interrupts_a_harvest_waiting_on_a_rate_limit(tmp_path):
    from bot.harvest import make_policy
    from bot.jobs import STOPPING, interruptible_sleep
    from collectors.base import Interrupted

    settings = load(None, environ={}, dotenv=tmp_path / "absent")
    policy = make_policy(settings, sleeper=interruptible_sleep)
    STOPPING.clear()
    policy.wait(0.01, platform="x", reason="test")  # sleeps, within bounds
    STOPPING.set()
    try:
        with pytest.raises(Interrupted, match="bot run is stopping"):
            policy.wait(50, platform="x", reason="HTTP 429")  # would wait 50 s: returns at once
    finally:
        STOPPING.clear()
