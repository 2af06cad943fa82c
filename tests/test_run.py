"""bot run's jobs with a feed on loopback, the real local Bluesky network and a controlled
clock: back catalogue, review window, hold/release, feed failures, crash and restart."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import open_db
from bot.runner import Runner, hold, release
from bot.settings import load
from tests.conftest import ROOT
from tests.support.feeds import FeedServer
from tests.support.proxy import HoldingProxy

pytestmark = pytest.mark.network

T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


class Clock:
    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def feed(http_server) -> FeedServer:
    return FeedServer(http_server)


def write_config(tmp_path: Path, feed_url: str, *, review: str = "30m") -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(
        f'[newsletter]\nfeed_url = "{feed_url}"\n[post]\nplatforms = ["bluesky"]\n'
        f'review_delay = "{review}"\n[compose]\nhighlights = 2\n',
        encoding="utf-8",
    )
    return path


def env_for(account, pds_url: str) -> dict[str, str]:
    return {"BLUESKY_HANDLE": account.handle, "BLUESKY_APP_PASSWORD": account.password,
            "BLUESKY_PDS_URL": pds_url}


@pytest.fixture
def runner_for(tmp_path, feed, bsky_network, bsky_account, db):
    clock = Clock(T0)

    def make(*, review: str = "30m", backfill: bool = False) -> Runner:
        settings = load(write_config(tmp_path, feed.url, review=review), dotenv=None,
                        environ=env_for(bsky_account, bsky_network.pds_url))
        return Runner(db, settings, clock=clock, backfill=backfill)

    make.clock = clock
    return make


def posted_texts(bsky_network, account) -> list[str]:
    client = bsky_network.login(account)
    records = client.com.atproto.repo.list_records(
        {"repo": account.did, "collection": "app.bsky.feed.post", "limit": 100}).records
    return [r.value.text for r in records]


def jobs(results) -> dict[str, tuple[str, dict]]:
    return {r.job: (r.status, r.counts) for r in results}


def test_first_start_records_the_back_catalogue_and_posts_none(runner_for, feed, bsky_network, bsky_account, db):
    for n in range(1, 11):
        feed.publish(n, T0 - dt.timedelta(days=70 - 7 * n))
    runner = runner_for()
    results = jobs(runner.run_once())
    assert results["feed-poll"] == ("ok", {"entries": 10, "new": 0, "backlog": 10})
    assert results["post-due"] == ("ok", {"due": 0, "posted": 0, "failed": 0})
    runner_for.clock.advance(days=1)
    assert jobs(runner.run_once())["post-due"][1]["due"] == 0
    assert [r["status"] for r in db.query("select status from schedule")] == ["backlog"] * 10
    assert posted_texts(bsky_network, bsky_account) == []
    assert db.execute("select count(*) from outbox").fetchone()[0] == 0


def test_a_new_issue_is_posted_once_after_the_review_window(runner_for, feed, bsky_network, bsky_account, db):
    feed.publish(1, T0 - dt.timedelta(days=7))
    runner = runner_for()
    runner.run_once()  # first start: #1 is back catalogue
    feed.publish(2, runner_for.clock.advance(minutes=5))
    results = jobs(runner.run_once())
    assert results["feed-poll"][1] == {"entries": 2, "new": 1, "backlog": 0}
    (row,) = db.query("select post_after from schedule where status = 'waiting'")
    assert row["post_after"] == "2026-11-27T08:35:00Z"
    runner_for.clock.advance(minutes=29)
    assert jobs(runner.run_once())["post-due"][1] == {"due": 0, "posted": 0, "failed": 0}
    assert posted_texts(bsky_network, bsky_account) == []
    runner_for.clock.advance(minutes=1)
    assert jobs(runner.run_once())["post-due"][1] == {"due": 1, "posted": 1, "failed": 0}
    texts = posted_texts(bsky_network, bsky_account)
    assert len(texts) == 4 and any("ML4Sci #2" in t for t in texts)
    for _ in range(3):  # later polls and checks post nothing more
        runner_for.clock.advance(minutes=10)
        results = jobs(runner.run_once())
        assert results["feed-poll"][1] == {"not_modified": True, "new": 0}
        assert results["post-due"][1]["due"] == 0
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert [r["status"] for r in db.query("select status from schedule order by issue_key")] == [
        "backlog", "posted"]


def test_conditional_get_sends_the_validators(runner_for, feed):
    feed.publish(1, T0)
    runner = runner_for()
    runner.run_once()
    runner.run_once()
    first, second = feed.polls
    assert "If-None-Match" not in first.headers
    assert second.headers["If-None-Match"].startswith('"')
    assert second.headers["If-Modified-Since"].endswith("GMT")


def test_a_held_issue_waits_until_released(runner_for, feed, bsky_network, bsky_account, db):
    runner = runner_for()
    runner.run_once()  # first start, empty feed
    feed.publish(3, runner_for.clock.advance(minutes=1))
    runner.run_once()
    hold(db, "3", clock=runner_for.clock)
    runner_for.clock.advance(hours=5)
    assert jobs(runner.run_once())["post-due"][1]["due"] == 0
    assert posted_texts(bsky_network, bsky_account) == []
    release(db, "3", clock=runner_for.clock)
    assert jobs(runner.run_once())["post-due"][1] == {"due": 1, "posted": 1, "failed": 0}
    assert len(posted_texts(bsky_network, bsky_account)) == 4


@pytest.mark.parametrize("failure", ["500", "malformed", "down"])
def test_feed_failures_are_logged_and_retried_nothing_posted_nothing_lost(
    runner_for, feed, http_server, bsky_network, bsky_account, db, failure, caplog
):
    runner = runner_for(review="0s")
    runner.run_once()  # first start, empty feed
    feed.publish(4, runner_for.clock.advance(minutes=1))
    if failure == "down":
        runner.settings.values["feed_url"] = "http://127.0.0.1:9/feed"  # nothing listens there
    else:
        feed.failure = failure
    for _ in range(2):
        runner_for.clock.advance(minutes=10)
        results = jobs(runner.run_once())
        status, _ = results["feed-poll"]
        assert status == "error"
        assert results["post-due"][1]["due"] == 0
    (run,) = db.query("select error from job_runs where job = 'feed-poll' order by id desc limit 1")
    expected = {"500": "HTTP 500", "malformed": "malformed", "down": "refused"}[failure]
    assert expected in run["error"].lower() or expected in run["error"]
    assert any("job feed-poll error" in r.getMessage() for r in caplog.records)
    assert posted_texts(bsky_network, bsky_account) == []
    feed.failure = None
    runner.settings.values["feed_url"] = feed.url
    runner_for.clock.advance(minutes=10)
    results = jobs(runner.run_once())
    assert results["feed-poll"] == ("ok", {"entries": 1, "new": 1, "backlog": 0})
    assert results["post-due"][1]["posted"] == 1
    assert len(posted_texts(bsky_network, bsky_account)) == 4


def _run_once(tmp_path: Path, db_path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db_path), "run", "--once"],
        cwd=tmp_path, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def test_killed_in_the_middle_of_a_post_and_restarted_posts_one_thread(
    tmp_path, feed, bsky_network, bsky_account, db_path
):
    write_config(tmp_path, feed.url, review="0s")
    first = _run_once(tmp_path, db_path, env_for(bsky_account, bsky_network.pds_url))
    assert first.wait(60) == 0, first.communicate()
    feed.publish(5, dt.datetime.now(dt.UTC))
    proxy = HoldingProxy(bsky_network.pds_url).start()
    try:
        proxy.hold("/xrpc/com.atproto.repo.applyWrites", when="after")
        crashing = _run_once(tmp_path, db_path, env_for(bsky_account, proxy.url))
        assert proxy.held.wait(60), crashing.communicate(timeout=5)
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(30)
    finally:
        proxy.stop()
    restarted = _run_once(tmp_path, db_path, env_for(bsky_account, bsky_network.pds_url))
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    assert "posted=1" in out
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    db = open_db(db_path)
    assert [r["status"] for r in db.query("select status from schedule")] == ["posted"]


def test_bot_run_schedules_posts_refuses_a_second_scheduler_and_stops_on_sigterm(
    tmp_path, feed, bsky_network, bsky_account, db_path
):
    """The real APScheduler loop, briefly: 1-second intervals, JSON logs, SIGTERM."""
    import json
    import time

    config = write_config(tmp_path, feed.url, review="0s")
    config.write_text(config.read_text() + '[run]\npoll_interval = "1s"\npost_check_interval = "1s"\n')
    feed.publish(1, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    env = {**os.environ, **env_for(bsky_account, bsky_network.pds_url), "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "bot", "--db", str(db_path), "run", "--log-format", "json"]
    process = subprocess.Popen(argv, cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not feed.polls and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the child process, not simulating time
        feed.publish(2, dt.datetime.now(dt.UTC))
        db = open_db(db_path)
        status = None
        while status != "posted" and time.monotonic() < deadline:
            time.sleep(0.1)
            row = next(db.query("select s.status from schedule s join issues i on i.key = s.issue_key"
                                " where i.number = 2"), None)
            status = row["status"] if row else None
        assert status == "posted"
        second = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert f"another bot run is already using {db_path}" in second.stderr
        jobs_stored = {r["id"] for r in db.query("select id from apscheduler_jobs")}
        assert jobs_stored == {"feed-poll", "post-due"}
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    runs = [line for line in lines if line.get("job") == "post-due" and line.get("counts", {}).get("posted")]
    assert len(runs) == 1 and runs[0]["status"] == "ok" and runs[0]["duration_ms"] >= 0
    assert lines[-1]["message"] == "bot run stopped"
    assert len(posted_texts(bsky_network, bsky_account)) == 4
