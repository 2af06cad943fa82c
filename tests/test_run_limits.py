"""bot run schedules a rate-limited thread or source for the time the platform named, not a
fixed back-off: the fake Mastodon instance's 429 carries X-RateLimit-Reset, the clock is ours."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.runner import Runner, harvest_due_at
from bot.settings import load
from tests.fakes.common import FakeClock, Reply
from tests.support.clock import Clock
from tests.fakes.mastodon_server import MastodonServer, iso_z
from tests.support.feeds import FeedServer

T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)



@pytest.fixture
def mastodon():
    with MastodonServer(clock=FakeClock(T0.timestamp())) as server:
        yield server
        server.check()


@pytest.fixture
def runner(tmp_path, http_server, db, mastodon):
    feed = FeedServer(http_server)
    feed.publish(1, T0 - dt.timedelta(days=7))
    (tmp_path / "bot.toml").write_text(
        f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nplatforms = ["mastodon"]\nreview_delay = "0m"\n'
        '[compose]\nhighlights = 2\n[[sources]]\nname = "hoot"\nplatform = "mastodon"\nhashtag = "hoot"\n',
        encoding="utf-8")
    settings = load(tmp_path / "bot.toml", dotenv=None, environ=mastodon.env())
    made = Runner(db, settings, clock=Clock(T0), backfill=True)
    made.feed = feed  # type: ignore[attr-defined]
    return made


def test_a_rate_limited_thread_is_retried_when_the_limit_resets(runner, db, mastodon):
    mastodon.post_limit = 2
    reset = (int(T0.timestamp()) // 300 + 1) * 300
    runner.poll_feed()
    counts = runner.post_due()
    assert counts == {"due": 1, "posted": 0, "failed": 1}
    (row,) = db.query("select post_after, attempts, last_error from schedule")
    # the reset the instance named (08:05), not the 2-minute back-off of a first failure
    assert row["post_after"] == iso_z(reset).replace(".000Z", "Z") == "2026-11-27T08:05:00Z"
    assert "Mastodon's rate limit reached at post 3/4" in row["last_error"]
    assert len(mastodon.statuses) == 2


def test_a_rate_limited_source_is_not_due_before_its_reset(runner, db, mastodon):
    # The harvest's rate-limit policy reads the real clock: the reset is two hours from now.
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    reset = now + dt.timedelta(hours=2)
    mastodon.route("GET", "/api/v1/timelines/tag/hoot", Reply(status=429, body={"error": "Too many requests"},
                   headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": iso_z(reset.timestamp())}))
    interval = dt.timedelta(hours=1)
    with pytest.raises(Exception, match="rate-limited"):
        runner.harvest("hoot")
    due = harvest_due_at(db, "hoot", interval)
    assert due is not None and abs((due - reset).total_seconds()) <= 1
    runner.clock.now = now + dt.timedelta(minutes=90)
    assert not runner.harvest_due("hoot", interval)
    runner.clock.now = reset + dt.timedelta(seconds=1)
    assert runner.harvest_due("hoot", interval)
