"""bot run's jobs with a feed on loopback, the real local Bluesky network, the fake X and a
controlled clock: back catalogue, review window, hold/release, feed failures, crash and
restart. Every issue goes to both platforms: exactly one thread on each."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from bot.db import open_db
from bot.holds import hold, release
from bot.runner import Runner
from bot.settings import load
from tests.conftest import ROOT
from tests.support.clock import Clock
from tests.fakes.x_posting import XPostingServer
from tests.support.feeds import FeedServer
from tests.support.proxy import HoldingProxy

pytestmark = pytest.mark.network

T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)



@pytest.fixture
def feed(http_server) -> FeedServer:
    return FeedServer(http_server)


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server
        server.check()


def write_config(tmp_path: Path, feed_url: str, *, review: str = "30m") -> Path:
    path = tmp_path / "bot.toml"
    path.write_text(
        f'[newsletter]\nfeed_url = "{feed_url}"\n[post]\nplatforms = ["x", "bluesky"]\n'
        f'review_delay = "{review}"\n[compose]\nhighlights = 2\n',
        encoding="utf-8",
    )
    return path


def env_for(account, pds_url: str, x: XPostingServer) -> dict[str, str]:
    return {"BLUESKY_HANDLE": account.handle, "BLUESKY_APP_PASSWORD": account.password,
            "BLUESKY_PDS_URL": pds_url, **x.credentials.env(x.base_url)}


@pytest.fixture
def runner_for(tmp_path, feed, bsky_network, bsky_account, db, x):
    clock = Clock(T0)

    def make(*, review: str = "30m", backfill: bool = False) -> Runner:
        settings = load(write_config(tmp_path, feed.url, review=review), dotenv=None,
                        environ=env_for(bsky_account, bsky_network.pds_url, x))
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


def x_threads(x: XPostingServer) -> list[list[str]]:
    """The texts of each thread on the fake X, root first; every tweet belongs to one."""
    roots = [t for t in x.tweets if t.in_reply_to is None]
    threads = [[t.submitted for t in x.chain(root.id)] for root in roots]
    assert sum(len(t) for t in threads) == len(x.tweets)
    assert x.refused == []
    return threads


def assert_one_x_thread(x: XPostingServer, number: int) -> None:
    (thread,) = x_threads(x)
    assert len(thread) == 4 and thread[0].startswith(f"ML4Sci #{number}:")


def test_first_start_records_the_back_catalogue_and_posts_none(runner_for, feed, bsky_network, bsky_account, db, x):
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
    assert x.tweets == []


def test_a_new_issue_is_posted_once_after_the_review_window(runner_for, feed, bsky_network, bsky_account, db, x):
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
    assert x.tweets == []
    runner_for.clock.advance(minutes=1)
    assert jobs(runner.run_once())["post-due"][1] == {"due": 1, "posted": 1, "failed": 0}
    texts = posted_texts(bsky_network, bsky_account)
    assert len(texts) == 4 and any("ML4Sci #2" in t for t in texts)
    assert_one_x_thread(x, 2)
    x_requests = len(x.requests)
    for _ in range(3):  # later polls and checks post nothing more
        runner_for.clock.advance(minutes=10)
        results = jobs(runner.run_once())
        assert results["feed-poll"][1] == {"not_modified": True, "new": 0}
        assert results["post-due"][1]["due"] == 0
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert_one_x_thread(x, 2)
    assert len(x.requests) == x_requests  # nothing more was even asked of X
    assert {(r["platform"], r["state"], r["n"]) for r in db.query(
        "select platform, state, count(*) n from outbox group by platform, state")} == {
        ("x", "sent", 4), ("bluesky", "sent", 4)}
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


def test_a_held_issue_waits_until_released(runner_for, feed, bsky_network, bsky_account, db, x):
    runner = runner_for()
    runner.run_once()  # first start, empty feed
    feed.publish(3, runner_for.clock.advance(minutes=1))
    runner.run_once()
    hold(db, "3", clock=runner_for.clock)
    runner_for.clock.advance(hours=5)
    assert jobs(runner.run_once())["post-due"][1]["due"] == 0
    assert posted_texts(bsky_network, bsky_account) == []
    assert x.tweets == []
    release(db, "3", clock=runner_for.clock)
    assert jobs(runner.run_once())["post-due"][1] == {"due": 1, "posted": 1, "failed": 0}
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert_one_x_thread(x, 3)


@pytest.mark.parametrize("failure", ["500", "malformed", "down"])
def test_feed_failures_are_logged_and_retried_nothing_posted_nothing_lost(
    runner_for, feed, http_server, bsky_network, bsky_account, db, failure, caplog, x
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
    assert x.tweets == []
    feed.failure = None
    runner.settings.values["feed_url"] = feed.url
    runner_for.clock.advance(minutes=10)
    results = jobs(runner.run_once())
    assert results["feed-poll"] == ("ok", {"entries": 1, "new": 1, "backlog": 0})
    assert results["post-due"][1]["posted"] == 1
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert_one_x_thread(x, 4)


def _run_once(tmp_path: Path, db_path: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db_path), "run", "--once"],
        cwd=tmp_path, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


@pytest.mark.parametrize("crash_on", ["bluesky", "x"])
def test_killed_in_the_middle_of_a_post_and_restarted_posts_one_thread(
    tmp_path, feed, bsky_network, bsky_account, db_path, x, crash_on
):
    """SIGKILL while Bluesky's applyWrites was done but unanswered, or while X held the
    answer to the thread's second post (created); the restart posts one thread on each."""
    write_config(tmp_path, feed.url, review="0s")
    first = _run_once(tmp_path, db_path, env_for(bsky_account, bsky_network.pds_url, x))
    assert first.wait(60) == 0, first.communicate()
    feed.publish(5, dt.datetime.now(dt.UTC))
    proxy = HoldingProxy(bsky_network.pds_url).start()
    try:
        if crash_on == "bluesky":
            proxy.hold("/xrpc/com.atproto.repo.applyWrites", when="after")
            held = proxy.held
        else:
            x.fault_on_create(2, "hold")
            held = x.arrived
        crashing = _run_once(tmp_path, db_path, env_for(bsky_account, proxy.url, x))
        assert held.wait(60), crashing.communicate(timeout=5)
        crashing.send_signal(signal.SIGKILL)
        crashing.wait(30)
    finally:
        proxy.stop()
        x.release()
    restarted = _run_once(tmp_path, db_path, env_for(bsky_account, bsky_network.pds_url, x))
    out, err = restarted.communicate(timeout=120)
    assert restarted.returncode == 0, err
    assert "posted=1" in out
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert_one_x_thread(x, 5)
    assert x.endpoint_counts()["POST /2/tweets"] == 4  # none sent twice
    db = open_db(db_path)
    assert [r["status"] for r in db.query("select status from schedule")] == ["posted"]
    assert {r["state"] for r in db.query("select state from outbox")} == {"sent"}


def test_bot_run_schedules_posts_refuses_a_second_scheduler_and_stops_on_sigterm(
    tmp_path, feed, bsky_network, bsky_account, db_path, x
):
    """The real APScheduler loop, briefly: 1-second intervals, JSON logs, SIGTERM."""
    import json
    import time

    config = write_config(tmp_path, feed.url, review="0s")
    config.write_text(config.read_text() + '[run]\npoll_interval = "1s"\npost_check_interval = "1s"\n')
    feed.publish(1, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    env = {**os.environ, **env_for(bsky_account, bsky_network.pds_url, x), "PYTHONPATH": str(ROOT)}
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
        second = subprocess.run(argv, check=False, cwd=tmp_path, env=env, capture_output=True,
                                text=True, timeout=60)
        assert second.returncode == 1
        assert f"another bot run is already using {db_path}" in second.stderr
        jobs_stored = {r["id"] for r in db.query("select id from apscheduler_jobs")}
        assert jobs_stored == {"feed-poll", "post-due"}
    finally:
        process.send_signal(signal.SIGTERM)
        _out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    lines = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    runs = [line for line in lines if line.get("job") == "post-due" and line.get("counts", {}).get("posted")]
    assert len(runs) == 1 and runs[0]["status"] == "ok" and runs[0]["duration_ms"] >= 0
    assert lines[-1]["message"] == "bot run stopped"
    assert len(posted_texts(bsky_network, bsky_account)) == 4
    assert_one_x_thread(x, 2)
