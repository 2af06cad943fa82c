"""bot.harvest: sources through the real clients, the fakes and the store, run after run."""

from __future__ import annotations

import logging

import pytest

from bot.errors import ConfigError, MissingCredential
from bot.harvest import harvest
from bot.settings import load
from collectors.ratelimit import Policy
from tests.fakes.common import FakeClock, Reply
from tests.fakes.reddit_server import RedditServer, recorded_json
from tests.fakes.x_server import XServer, synthetic_tweets

TOML = """
[[sources]]
name = "x-ml"
platform = "x"
search = "machine learning materials"

[[sources]]
name = "reddit-new"
platform = "reddit"
subreddit = "askreddit"
sort = "new"
"""
DATA_TABLES = ("posts", "authors", "threads", "links", "harvest_state")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def x_server(clock):
    with XServer(clock=clock) as fake:
        yield fake
        fake.check()


@pytest.fixture
def reddit_server(clock):
    with RedditServer(clock=clock) as fake:
        yield fake
        fake.check()


@pytest.fixture
def settings_for(tmp_path):
    def make(x_server=None, reddit_server=None, *, toml=TOML, **env):
        config = tmp_path / "bot.toml"
        config.write_text(toml, encoding="utf-8")
        environ = {"X_BEARER_TOKEN": "x-token", "REDDIT_CLIENT_ID": "cid", "REDDIT_CLIENT_SECRET": "csecret"}
        if x_server:
            environ["X_API_BASE_URL"] = x_server.base_url
        if reddit_server:
            environ["REDDIT_BASE_URL"] = reddit_server.base_url
        environ.update(env)
        return load(config, environ={k: v for k, v in environ.items() if v is not None}, dotenv=None)

    return make


def snapshot(db) -> dict[str, list[dict]]:
    return {table: list(db.query(f"SELECT * FROM {table} ORDER BY rowid")) for table in DATA_TABLES}


def test_a_second_run_over_unchanged_sources_costs_one_request_each_and_writes_nothing(
    db, x_server, reddit_server, settings_for, clock
):
    tweets, users = synthetic_tweets(250)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    reddit_server.serve_cassette("TestSubredditListings.test_new.json")
    settings = settings_for(x_server, reddit_server)
    policy = Policy(clock=clock, sleeper=clock.sleep)

    first = harvest(settings, db, policy=policy)

    assert [(r.source, r.posts_seen, r.posts_new, r.requests, r.status) for r in first] == [
        ("x-ml", 250, 250, 3, "ok"), ("reddit-new", 100, 100, 2, "ok")]
    assert db["posts"].count == 350
    assert db["links"].count == 250 + 0  # every synthetic tweet links a paper; the askreddit posts do not
    before = snapshot(db)
    x_calls, reddit_calls = x_server.count(), reddit_server.count("/r/askreddit/new")

    second = harvest(settings, db, policy=policy)

    assert [(r.source, r.posts_seen, r.posts_new, r.requests, r.status) for r in second] == [
        ("x-ml", 0, 0, 1, "ok"), ("reddit-new", 0, 0, 2, "ok")]
    assert x_server.count() - x_calls == 1
    assert reddit_server.count("/r/askreddit/new") - reddit_calls == 1  # plus one OAuth token
    assert snapshot(db) == before
    runs = list(db.query("SELECT source, status, posts_seen, posts_new, requests FROM harvest_runs ORDER BY id"))
    assert runs == [
        {"source": "x-ml", "status": "ok", "posts_seen": 250, "posts_new": 250, "requests": 3},
        {"source": "reddit-new", "status": "ok", "posts_seen": 100, "posts_new": 100, "requests": 2},
        {"source": "x-ml", "status": "ok", "posts_seen": 0, "posts_new": 0, "requests": 1},
        {"source": "reddit-new", "status": "ok", "posts_seen": 0, "posts_new": 0, "requests": 2},
    ]


def test_a_429_mid_paging_keeps_what_was_saved_and_a_rerun_completes(db, x_server, settings_for, clock):
    tweets, users = synthetic_tweets(500)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    reset = int(clock()) + 900
    x_server.fault("GET", "/2/tweets/search/recent", Reply(
        status=429, body={"title": "Too Many Requests"},
        headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}), match={"next_token": "p300"})
    settings = settings_for(x_server)
    policy = Policy(clock=clock, sleeper=clock.sleep, max_wait=60)

    [stopped] = harvest(settings, db, platform="x", policy=policy)

    assert (stopped.status, stopped.posts_seen, stopped.pages, stopped.retry_at) == (
        "rate-limited", 300, 3, "2023-11-14T22:28:21Z")
    assert "try again after 2023-11-14T22:28:21Z" in stopped.message
    assert clock.sleeps == []
    state = next(db.query("SELECT state FROM harvest_state WHERE source = 'x-ml'"))["state"]
    assert state == f'{{"newest_id": "{tweets[0]["id"]}", "next_token": "p300", "since_id": null}}'
    assert db["posts"].count == 300
    run = next(db.query("SELECT status, retry_at, posts_seen FROM harvest_runs ORDER BY id"))
    assert run == {"status": "rate-limited", "retry_at": "2023-11-14T22:28:21Z", "posts_seen": 300}

    still_blocked = harvest(settings, db, platform="x", policy=policy)  # asks nothing before the reset
    assert (still_blocked[0].status, still_blocked[0].requests) == ("rate-limited", 0)
    clock.now = reset + 1

    [resumed] = harvest(settings, db, platform="x", policy=Policy(clock=clock, sleeper=clock.sleep))

    assert (resumed.status, resumed.posts_seen, resumed.posts_new, resumed.requests) == ("ok", 200, 200, 2)
    assert db["posts"].count == 500
    assert next(db.query("SELECT count(DISTINCT id) AS n FROM posts"))["n"] == 500
    assert [r["id"] for r in db.query("SELECT id FROM posts ORDER BY id DESC LIMIT 1")] == [f"x:{tweets[0]['id']}"]
    assert next(db.query("SELECT state FROM harvest_state"))["state"] == f'{{"since_id": "{tweets[0]["id"]}"}}'
    assert x_server.requests[-2].query["next_token"] == "p300"


def test_a_malformed_item_is_skipped_warned_and_counted(db, x_server, settings_for, clock, caplog):
    tweets, users = synthetic_tweets(3)
    del tweets[1]["text"]
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)

    with caplog.at_level(logging.WARNING):
        [result] = harvest(settings_for(x_server), db, platform="x", policy=Policy(clock=clock, sleeper=clock.sleep))

    assert (result.status, result.posts_seen, result.skipped) == ("ok", 2, 1)
    warning = f"x-ml: x: skipped tweet #2 (id {tweets[1]['id']}): 'text'"
    assert result.warnings == [warning[len("x-ml: "):]]
    assert warning in caplog.messages
    assert next(db.query("SELECT skipped, status FROM harvest_runs")) == {"skipped": 1, "status": "ok"}


def test_one_failing_source_does_not_stop_the_others(db, x_server, reddit_server, settings_for, clock):
    x_server.route("GET", "/2/tweets/search/recent", Reply(status=401, body={"title": "Unauthorized"}))
    reddit_server.serve_cassette("TestSubredditListings.test_new.json")

    results = harvest(settings_for(x_server, reddit_server), db, policy=Policy(clock=clock, sleeper=clock.sleep))

    assert [(r.source, r.status) for r in results] == [("x-ml", "error"), ("reddit-new", "ok")]
    assert "check X_BEARER_TOKEN" in results[0].message
    assert list(db.query("SELECT source, status, errors FROM harvest_runs ORDER BY id")) == [
        {"source": "x-ml", "status": "error", "errors": 1}, {"source": "reddit-new", "status": "ok", "errors": 0}]


def test_missing_credentials_stop_before_any_request(db, x_server, reddit_server, settings_for):
    settings = settings_for(x_server, reddit_server, REDDIT_CLIENT_SECRET=None)

    with pytest.raises(MissingCredential, match="set REDDIT_CLIENT_SECRET .*needed for Reddit harvest"):
        harvest(settings, db)

    assert x_server.count() == reddit_server.count() == 0


def test_unknown_source_and_empty_selection_are_clear_errors(db, settings_for):
    settings = settings_for()
    with pytest.raises(ConfigError, match=r"unknown source 'nope' \(known: x-ml, reddit-new\)"):
        harvest(settings, db, names=["nope"])
    with pytest.raises(ConfigError, match="no sources to harvest for platform bluesky"):
        harvest(settings, db, platform="bluesky")


def test_a_submission_listing_saves_threads_with_counts(db, reddit_server, settings_for, clock):
    reddit_server.serve_cassette("TestSubredditListings.test_new.json")
    recorded = recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new")["data"]["children"][0]["data"]

    harvest(settings_for(reddit_server=reddit_server), db, platform="reddit", policy=Policy(clock=clock, sleeper=clock.sleep))

    thread = next(db.query("SELECT * FROM threads WHERE id = ?", [f"reddit:t3_{recorded['id']}"]))
    assert (thread["title"], thread["post_count"], thread["reply_count"], thread["like_count"]) == (
        recorded["title"], 1, 0, recorded["score"])


def test_wait_bounds_come_from_the_harvest_table(settings_for):
    from bot.harvest import make_policy

    policy = make_policy(settings_for(toml=TOML + '\n[harvest]\nmax_wait = "2m"\nmax_total_wait = "10m"\n'))
    assert (policy.max_wait, policy.max_total_wait) == (120.0, 600.0)
    with pytest.raises(ConfigError, match=r"bot.toml: harvest.max_wait must be a duration \(e.g. 30m, 0s\), not 'soon'"):
        make_policy(settings_for(toml=TOML + '\n[harvest]\nmax_wait = "soon"\n'))
