"""bot harvest, bot harvest --load and bot thread, in-process, against the loopback fakes."""

from __future__ import annotations

import json

import pytest

from bot.errors import InputError
from bot.harvest import thread_platform
from tests.fakes.common import Reply
from tests.fakes.reddit_server import RedditServer, recorded_json
from tests.fakes.x_server import (
    load_example,
    serve_conversation,
    synthetic_tweets,
)

TOML = """
[[sources]]
name = "x-ml"
platform = "x"
search = "machine learning materials"

[[sources]]
name = "reddit-new"
platform = "reddit"
subreddit = "askreddit"
"""


@pytest.fixture
def reddit_server():
    with RedditServer() as fake:
        yield fake
        fake.check()


@pytest.fixture
def bot(cli_run, tmp_path, x_server, reddit_server):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")
    env = {
        "X_BEARER_TOKEN": "x-secret-token", "X_API_BASE_URL": x_server.base_url,
        "REDDIT_CLIENT_ID": "cid", "REDDIT_CLIENT_SECRET": "reddit-secret", "REDDIT_BASE_URL": reddit_server.base_url,
        "REDDIT_USER_AGENT": "ml4sci-bot tests",
    }

    def run(*args, **overrides):
        return cli_run(*args, env={**env, **overrides})

    return run


def test_harvest_prints_a_summary_table(bot, db, x_server, reddit_server):
    tweets, users = synthetic_tweets(120)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    reddit_server.serve_cassette("TestSubredditListings.test_new.json")

    result = bot("harvest")

    assert result.exit_code == 0, result.output
    run = next(db.query("select reads, cost_usd from harvest_runs where platform = 'x'"))
    # X charges each post and user returned; a user on both pages is counted twice (an upper
    # bound: X deduplicates a resource within a UTC day): 120 posts, 50 + 20 users.
    assert run["reads"] == 120 + 50 + 20
    assert run["cost_usd"] == pytest.approx(120 * 0.005 + 70 * 0.010)
    assert [line.split() for line in result.stdout.splitlines()] == [
        "source platform seen new requests skipped reads cost status".split(),
        ["x-ml", "x", "120", "120", "2", "0", str(run["reads"]), f"${run['cost_usd']:.2f}", "ok"],
        "reddit-new reddit 100 100 2 0 0 $0.00 ok".split(),  # Reddit's reads are free
    ]
    assert db["posts"].count == 220
    assert "x-secret-token" not in result.output


def test_harvest_one_source_twice(bot, x_server):
    tweets, users = synthetic_tweets(10)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)

    bot("harvest", "--source", "x-ml")
    again = bot("harvest", "--source", "x-ml")

    assert again.exit_code == 0
    assert again.stdout.splitlines()[1].split() == ["x-ml", "x", "0", "0", "1", "0", "ok"]
    assert x_server.count() == 2


def test_a_rate_limited_source_is_reported_with_when_to_retry(bot, x_server):
    x_server.route("GET", "/2/tweets/search/recent", Reply(
        status=429, body={}, headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": "9999999999"}))

    result = bot("harvest", "--platform", "x")

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].split()[-1] == "rate-limited"
    assert "x-ml: x rate limit reached: try again after 2286-11-20T17:46:40Z" in result.stderr


def test_a_failing_source_exits_non_zero_with_its_reason(bot, x_server):
    x_server.route("GET", "/2/tweets/search/recent", Reply(status=403, body={"title": "Forbidden"}))

    result = bot("harvest", "--platform", "x")

    assert result.exit_code == 1
    assert "x-ml: x: forbidden (403)" in result.stderr


@pytest.mark.parametrize(
    "args,env,message",
    [
        (("harvest", "--source", "nope"), {}, "Error: unknown source 'nope' (known: x-ml, reddit-new)"),
        (("harvest", "--platform", "x"), {"X_BEARER_TOKEN": None},
         "Error: missing credential: set X_BEARER_TOKEN in the environment or .env (needed for X harvest)"),
        (("harvest", "--platform", "reddit"), {"REDDIT_CLIENT_ID": ""},
         "Error: missing credential: set REDDIT_CLIENT_ID in the environment or .env (needed for Reddit harvest)"),
        (("harvest", "--platform", "bluesky"), {}, "Error: no sources to harvest for platform bluesky"),
        (("thread", "https://example.com/a/post/1"), {},
         "Error: cannot recognise 'https://example.com/a/post/1': give an X status URL, a bsky.app post URL"),
    ],
)
def test_bad_input_is_one_line(bot, args, env, message):
    result = bot(*args, **env)

    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_load_an_x_body(bot, db, tmp_path):
    path = tmp_path / "search.json"
    path.write_text(json.dumps(load_example("search_tweets_query.json")), encoding="utf-8")

    result = bot("harvest", "--platform", "x", "--load", str(path))

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1].split() == ["load:search.json", "x", "6", "6", "0", "0", "ok"]
    assert [r["handle"] for r in db.query("SELECT handle FROM authors ORDER BY handle")] == [
        "happycamper", "jellybeanjones", "snowman"]
    assert next(db.query("SELECT post_count FROM threads"))["post_count"] == 6
    assert next(db.query("SELECT source, platform, status FROM harvest_runs")) == {
        "source": "load:search.json", "platform": "x", "status": "ok"}


def test_load_reddit_bodies_a_listing_and_a_submission_with_comments(bot, db, tmp_path):
    listing = tmp_path / "new.json"
    listing.write_text(json.dumps(recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new")))
    thread = tmp_path / "thread.json"
    thread.write_text(json.dumps(recorded_json("TestSubmission.test_comments.json", "/comments/2gmzqe/")))

    first = bot("harvest", "--platform", "reddit", "--load", str(listing))
    second = bot("harvest", "--platform", "reddit", "--load", str(thread))

    assert first.stdout.splitlines()[1].split()[2:4] == ["100", "100"]
    assert second.stdout.splitlines()[1].split()[2:4] == ["3", "3"]
    assert db["posts"].count == 103
    assert next(db.query("SELECT post_count, reply_count FROM threads WHERE id = 'reddit:t3_2gmzqe'")) == {
        "post_count": 3, "reply_count": 2}


def test_load_counts_and_names_a_malformed_item(bot, db, tmp_path):
    body = load_example("timeline_tweets.json")
    body["data"][2].pop("id")
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(body))

    result = bot("harvest", "--platform", "x", "--load", str(path))

    assert result.exit_code == 0
    assert result.stdout.splitlines()[1].split()[2:6] == ["4", "4", "0", "1"]
    assert "x: skipped tweet #3 (no id): 'id'" in result.stderr
    assert next(db.query("SELECT skipped FROM harvest_runs"))["skipped"] == 1


@pytest.mark.parametrize(
    "content,args,message",
    [
        ("{not json", ("--platform", "x"), "is not JSON: Expecting property name"),
        ('"a string"', ("--platform", "reddit"), "no reddit posts in it (reddit: body is neither a Listing"),
        ("{}", (), "--load needs --platform"),
    ],
)
def test_load_bad_files(bot, tmp_path, content, args, message):
    path = tmp_path / "body.json"
    path.write_text(content)

    result = bot("harvest", *args, "--load", str(path))

    assert result.exit_code in (1, 2)
    assert message in result.output


def test_thread_from_an_x_status_url(bot, db, x_server):
    serve_conversation(x_server)

    result = bot("thread", "https://x.com/snowman/status/1275882613572583424")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:9] == [
        "3 posts",
        "",
        "@snowman · 2020-06-18T21:44:05Z",
        "  So, what's your favorite thing about Twitter Developer Labs? ",
        "  ",
        "  I find it hard to pick one and am loving the ability to select the Tweet object fields of interest. ",
        "  ",
        "  tweet.fields=created_at,author_id,context_annotations",
        "  https://x.com/snowman/status/1273733248749690880",
    ]
    lines = result.stdout.splitlines()
    assert "  @snowman · 2020-06-24T20:04:54Z" in lines  # a reply, indented
    assert "    @snowman · 2020-06-25T10:00:00Z" in lines
    assert db["posts"].count == 3
    assert next(db.query("SELECT post_count, title FROM threads")) == {
        "post_count": 3, "title": "So, what's your favorite thing about Twitter Developer Labs?"}


def test_thread_from_a_reddit_comments_url(bot, db, reddit_server):
    reddit_server.serve_cassette("TestSubmission.test_comments.json")

    result = bot("thread", "https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing_needed/")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "3 posts"
    assert lines[2] == "@bboe · 2014-09-17T06:34:31Z"
    assert "  @paneer_burrito · 2014-09-18T01:51:52Z" in lines
    assert "    @bboe · 2014-09-18T03:13:54Z" in lines
    assert db["posts"].count == 3


def test_thread_platforms_are_recognised_without_network():
    assert thread_platform("https://x.com/a/status/1") == "x"
    assert thread_platform("https://www.reddit.com/r/a/comments/abc12/t/") == "reddit"
    assert thread_platform("https://bsky.app/profile/ml4sci.bsky.social/post/3kabcdefgh2x") == "bluesky"
    assert thread_platform("at://did:plc:abc/app.bsky.feed.post/3kabcdefgh2x") == "bluesky"
    with pytest.raises(InputError):
        thread_platform("https://bsky.app/profile/ml4sci.bsky.social")


def test_thread_replies_flag_keeps_everyones_replies(bot, db, x_server):
    serve_conversation(x_server)

    result = bot("thread", "--replies", "https://x.com/snowman/status/1273733248749690880")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "7 posts"
    # root -> happycamper -> snowman -> happycamper: three levels down
    assert "      @happycamper · 2020-06-25T06:14:19Z" in result.stdout.splitlines()


def test_an_x_harvest_stops_at_its_daily_budget_keeping_its_pages_and_state(bot, db, x_server, tmp_path):
    from bot.platforms.x.pricing import prices_on

    tweets, users = synthetic_tweets(120)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    (tmp_path / "bot.toml").write_text(TOML + "\n[harvest]\nx_max_cost_per_day = 0.30\n", encoding="utf-8")

    first = bot("harvest", "--source", "x-ml")

    assert first.exit_code == 0, first.output
    header, row = first.stdout.splitlines()
    assert header.split() == ["source", "platform", "seen", "new", "requests", "skipped", "reads", "cost", "status"]
    run = next(db.query("select * from harvest_runs where source = 'x-ml'"))
    posts, authors = db["posts"].count, db["authors"].count
    table = prices_on()
    assert run["reads"] == posts + authors and posts == 100  # one page of two: the budget was spent
    assert run["cost_usd"] == pytest.approx(posts * table.post_read + authors * table.user_read)
    assert row.split() == ["x-ml", "x", "100", "100", "1", "0", str(run["reads"]), f"${run['cost_usd']:.2f}", "budget"]
    assert "x-ml: stopped at [harvest] x_max_cost_per_day = $0.30" in first.stderr
    assert "kept its 1 pages and its state" in first.stderr
    assert db["harvest_state"].count == 1

    again = bot("harvest", "--source", "x-ml")  # the same day: not one request more

    assert again.exit_code == 0
    assert x_server.count() == 1
    assert again.stdout.splitlines()[1].split()[-1] == "budget"
    status = bot("status")
    assert (f"X spend this month (UTC, our records): ${run['cost_usd']:.2f} · 0 posts $0.00 · "
            f"{run['reads']} reads ${run['cost_usd']:.2f}") in status.stdout


@pytest.mark.parametrize("status, body, reason", [
    (402, "NO_CREDITS", "X's credit balance is too low to read: add credits in X's Developer Console"),
    (403, "NOT_ENROLLED", "X refused the app as not enrolled (client-not-enrolled)"),
])
def test_an_x_account_problem_stops_the_source_in_one_line(bot, db, x_server, status, body, reason):
    from tests.fakes import x_billing

    x_server.route("GET", "/2/tweets/search/recent", Reply(status=status, body=getattr(x_billing, body)))
    result = bot("harvest", "--source", "x-ml")
    assert result.exit_code == 1
    assert f"x-ml: x: {reason}" in result.stderr and "the source keeps its state" in result.stderr
    assert db["harvest_state"].count == 0 and db["posts"].count == 0


def test_a_thread_read_again_skips_the_tweets_we_hold(bot, db, x_server):
    serve_conversation(x_server)
    url = "https://x.com/snowman/status/1275882613572583424"
    first = bot("thread", url)
    assert first.exit_code == 0, first.output
    lookups = sum(1 for r in x_server.requests if r.path.startswith("/2/tweets/1"))
    assert lookups == 2  # the tweet and its conversation's root
    before = len(x_server.requests)

    again = bot("thread", url)

    assert again.exit_code == 0, again.output
    assert again.stdout == first.stdout
    new = x_server.requests[before:]
    assert [r.path for r in new] == ["/2/tweets/search/recent"] * 2  # no lookup: we hold both
    assert "since_id" not in new[0].query  # a 2020 thread: older than recent search's window
    assert db["posts"].count == 3


def test_since_id_is_the_newest_held_tweet_within_recent_searchs_window():
    from collectors.x_thread import TWEPOCH_MS, newest_recent

    now = 1_800_000_000.0
    fresh = str((int(now * 1000) - 3600_000 - TWEPOCH_MS) << 22)
    stale = str((int(now * 1000) - 8 * 86400_000 - TWEPOCH_MS) << 22)
    assert newest_recent({stale, fresh}, now=now) == fresh
    assert newest_recent({stale}, now=now) is None and newest_recent(set(), now=now) is None
