"""The Reddit collector: the real praw client over HTTP against a loopback fake of Reddit's API."""

from __future__ import annotations

import base64
import json

import pytest

from bot.settings import Source
from collectors.base import RateLimited
from collectors.http import CollectorError, TransientError
from collectors.ratelimit import Policy
from collectors.reddit import RedditCollector, parse_ref, to_rows
from tests.fakes.common import ABSENT, FakeClock, Reply
from tests.fakes.reddit_server import (
    TOKEN_PATH,
    RedditServer,
    load_cassette,
    recorded_json,
    synthetic_submissions,
)

NEW = Source(name="r-new", platform="reddit", kind="subreddit", target="askreddit", options={"sort": "new"})


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with RedditServer(clock=clock) as fake:
        yield fake
        fake.check()


def collector(server, clock, **policy) -> RedditCollector:
    return RedditCollector(
        client_id="test-client", client_secret="test-secret", user_agent="ml4sci-bot tests",
        base_url=server.base_url, timeout=5, policy=Policy(clock=clock, sleeper=clock.sleep, **policy),
    )


def _ids(raw) -> list[str]:
    return [p["id"] for p in to_rows(raw).posts]


# -- transform --------------------------------------------------------------------------------
def test_to_rows_reads_a_submission_with_its_comments():
    rows = to_rows(recorded_json("TestSubmission.test_comments.json", "/comments/2gmzqe/"))

    assert [{k: v for k, v in p.items() if k != "raw"} for p in rows.posts] == [
        {"id": "reddit:t3_2gmzqe", "platform": "reddit", "thread_id": "reddit:t3_2gmzqe", "parent_id": None,
         "author_id": "reddit:u/bboe",
         "text": rows.posts[0]["text"], "created_at": "2014-09-17T06:34:31Z",
         "url": "https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing_needed/",
         "like_count": 11, "repost_count": None, "reply_count": 2, "quote_count": None},
        {"id": "reddit:t1_cklfmye", "platform": "reddit", "thread_id": "reddit:t3_2gmzqe",
         "parent_id": "reddit:t3_2gmzqe", "author_id": "reddit:u/paneer_burrito",
         "text": rows.posts[1]["text"], "created_at": "2014-09-18T01:51:52Z",
         "url": "https://www.reddit.com/comments/2gmzqe/_/cklfmye/",
         "like_count": 1, "repost_count": None, "reply_count": None, "quote_count": None},
        {"id": "reddit:t1_cklhv0f", "platform": "reddit", "thread_id": "reddit:t3_2gmzqe",
         "parent_id": "reddit:t1_cklfmye", "author_id": "reddit:u/bboe",
         "text": rows.posts[2]["text"], "created_at": "2014-09-18T03:13:54Z",
         "url": "https://www.reddit.com/comments/2gmzqe/_/cklhv0f/",
         "like_count": 1, "repost_count": None, "reply_count": None, "quote_count": None},
    ]
    assert rows.posts[0]["text"].startswith("[PRAW] HTTPS enabled PRAW testing needed\n\nPRAW client developers,")
    assert rows.posts[2]["text"].startswith("Yes it does.")
    assert json.loads(rows.posts[1]["raw"])["id"] == "cklfmye"
    assert rows.threads == [{
        "id": "reddit:t3_2gmzqe", "platform": "reddit", "root_post_id": "reddit:t3_2gmzqe",
        "author_id": "reddit:u/bboe", "title": "[PRAW] HTTPS enabled PRAW testing needed",
        "url": "https://www.reddit.com/r/redditdev/comments/2gmzqe/praw_https_enabled_praw_testing_needed/",
    }]
    assert rows.links == [{"post_id": "reddit:t3_2gmzqe", "url": "https://github.com/praw-dev/praw/issues", "domain": "github.com"}]
    assert [(a["id"], a["url"]) for a in rows.authors] == [
        ("reddit:u/bboe", "https://www.reddit.com/user/bboe"),
        ("reddit:u/paneer_burrito", "https://www.reddit.com/user/paneer_burrito"),
    ]


def test_to_rows_reads_a_continue_this_thread_body():
    body = json.loads(next(i["body"] for i in load_cassette("TestMore.test_comments__continue_thread_type.json")
                           if i["path"] == "/comments/3hahrw/_/cu5v5h7"))
    rows = to_rows(body)

    assert _ids(body) == ["reddit:t3_3hahrw", "reddit:t1_cu5v5h7", "reddit:t1_cu5vad7", "reddit:t1_cu5w1ko"]
    assert [p["parent_id"] for p in rows.posts[1:]] == ["reddit:t1_cu5v4if", "reddit:t1_cu5v5h7", "reddit:t1_cu5vad7"]


def test_malformed_things_are_skipped_and_named():
    listing = recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new")
    children = listing["data"]["children"]
    del children[1]["data"]["title"]
    children[2]["data"]["created_utc"] = "soon"
    children[3] = {"kind": "t5", "data": {"id": "abc"}}

    rows = to_rows(listing)

    assert len(rows.posts) == 97
    assert rows.skipped == [
        "reddit: skipped item #2 (id 48fbig): 'title'",
        "reddit: skipped item #3 (id 48fbgl): created_utc 'soon' is not a number",
        "reddit: skipped item #4 (id abc): unexpected kind 't5'",
    ]
    assert to_rows({"json": {}}).skipped == ["reddit: body is neither a Listing nor a [submission, comments] array"]


def test_parse_ref():
    assert parse_ref("https://www.reddit.com/r/MachineLearning/comments/1abcd2/some_title/") == "1abcd2"
    assert parse_ref("https://old.reddit.com/comments/3hahrw") == "3hahrw"
    assert parse_ref("https://redd.it/2gmzqe") == "2gmzqe"
    assert parse_ref("https://www.reddit.com/r/MachineLearning/") is None


# -- listings through praw -------------------------------------------------------------------------
def test_new_listing_replays_the_recording_with_app_only_oauth(server, clock):
    server.serve_cassette("TestSubredditListings.test_new.json")
    recorded = recorded_json("TestSubredditListings.test_new.json", "/r/askreddit/new")

    pages = list(collector(server, clock).fetch(NEW, None))

    assert [_ids(p.raw) for p in pages] == [[f"reddit:t3_{c['data']['id']}" for c in recorded["data"]["children"]]]
    token, listing = server.requests
    assert (token.method, token.path, token.form) == ("POST", TOKEN_PATH, {"grant_type": "client_credentials"})
    assert token.headers["authorization"] == "Basic " + base64.b64encode(b"test-client:test-secret").decode()
    assert listing.headers["authorization"] == "bearer <ACCESS_TOKEN>"
    assert listing.headers["user-agent"].startswith("ml4sci-bot tests")
    assert listing.query == {"limit": "100", "raw_json": "1"}
    assert pages[0].requests == 2  # the OAuth token, then the listing
    assert pages[0].state["newest_utc"] == 1456821458.0
    assert pages[0].state["seen"] == sorted(c["data"]["name"] for c in recorded["data"]["children"][:25])
    assert clock.sleeps == []


def test_an_unchanged_subreddit_costs_one_listing_request(server, clock):
    server.serve_cassette("TestSubredditListings.test_new.json")
    reddit = collector(server, clock)
    state = list(reddit.fetch(NEW, None))[-1].state

    pages = list(reddit.fetch(NEW, state))

    assert [(_ids(p.raw), p.requests, p.state) for p in pages] == [([], 1, state)]
    assert server.count("/r/askreddit/new") == 2


def test_new_listing_pages_and_then_fetches_only_newer_posts(server, clock):
    things = synthetic_submissions(250)
    server.serve_listing("/r/askreddit/new", things)
    source = Source(name="r", platform="reddit", kind="subreddit", target="r/askreddit", options={"limit": 1000})
    reddit = collector(server, clock)

    first = list(reddit.fetch(source, None))
    assert [len(_ids(p.raw)) for p in first] == [100, 100, 50]
    assert first[0].state["after"] == things[99]["data"]["name"]
    assert first[0].state["newest_utc"] is None and first[0].state["pending"]["newest_utc"] == 1_700_000_000.0
    assert first[-1].state["newest_utc"] == 1_700_000_000.0 and "after" not in first[-1].state

    newer = synthetic_submissions(3, newest_utc=1_700_000_500.0)
    for n, thing in enumerate(newer):
        thing["data"]["name"] = thing["data"]["id"] = f"new{n}"
    things[:0] = newer
    second = list(reddit.fetch(source, first[-1].state))

    assert [_ids(p.raw) for p in second] == [["reddit:t3_new0", "reddit:t3_new1", "reddit:t3_new2"]]
    assert second[0].state["newest_utc"] == 1_700_000_500.0


def test_top_asks_for_the_time_filter_and_keeps_no_mark(server, clock):
    server.serve_listing("/r/MachineLearning/top", synthetic_submissions(5))
    source = Source(name="r", platform="reddit", kind="subreddit", target="MachineLearning",
                    options={"sort": "top", "time_filter": "week", "limit": 5})

    pages = list(collector(server, clock).fetch(source, None))

    assert len(_ids(pages[0].raw)) == 5
    assert pages[0].state == {}
    assert server.requests[-1].query == {"t": "week", "limit": "5", "raw_json": "1"}


def test_search_in_a_subreddit_uses_the_recorded_search(server, clock):
    server.serve_cassette("TestSubreddit.test_search.json")
    source = Source(name="r", platform="reddit", kind="subreddit", target="all",
                    options={"search": "praw oauth search", "sort": "top", "time_filter": "all"})

    pages = list(collector(server, clock).fetch(source, None))

    assert _ids(pages[0].raw) == [f"reddit:t3_{i}" for i in ("3gpbiu", "3x4kt2", "3b4erh", "1qvzkd", "3qc02b", "4at068")]
    assert server.requests[-1].query == {
        "q": "praw oauth search", "restrict_sr": "on", "sort": "top", "t": "all", "limit": "100", "raw_json": "1"}


@pytest.mark.parametrize(
    "options,message",
    [({"sort": "rising"}, "sort must be one of new, top, hot"), ({"sort": "top", "time_filter": "decade"}, "time_filter must be one of")],
)
def test_bad_listing_options_are_clear_errors(server, clock, options, message):
    source = Source(name="r", platform="reddit", kind="subreddit", target="x", options=options)
    with pytest.raises(CollectorError, match=message):
        list(collector(server, clock).fetch(source, None))


# -- whole threads -----------------------------------------------------------------------------------
def test_thread_expands_every_more_comments_and_continue_this_thread(server, clock):
    replies = server.serve_cassette("TestCommentForest.test_replace__all.json")
    recorded_ids = set()

    def collect(node):
        if isinstance(node, dict):
            if node.get("kind") == "t1":
                recorded_ids.add(f"reddit:t1_{node['data']['id']}")
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    for interaction in load_cassette("TestCommentForest.test_replace__all.json")[1:]:
        collect(json.loads(interaction["body"]))

    pages = list(collector(server, clock).fetch_thread("https://www.reddit.com/r/funny/comments/3hahrw/_/"))

    rows = to_rows(pages[0].raw)
    assert len(recorded_ids) == 541
    assert {p["id"] for p in rows.posts} == recorded_ids | {"reddit:t3_3hahrw"}
    assert len(rows.posts) == 542  # each comment once
    ids = {p["id"] for p in rows.posts}
    assert all(p["parent_id"] in ids for p in rows.posts[1:])
    assert {p["thread_id"] for p in rows.posts} == {"reddit:t3_3hahrw"}
    assert '"kind": "more"' not in json.dumps(pages[0].raw)
    assert len(replies) == 19 and all(r.served == 1 for r in replies)  # 1 + 12 morechildren + 6 continues
    assert pages[0].requests == 20  # and the token


def test_a_saved_thread_body_round_trips_through_to_rows(server, clock):
    server.serve_cassette("TestSubmission.test_comments.json")

    page = next(collector(server, clock).fetch_thread("https://redd.it/2gmzqe"))

    expected = to_rows(recorded_json("TestSubmission.test_comments.json", "/comments/2gmzqe/"))
    got = to_rows(json.loads(json.dumps(page.raw)))
    strip = lambda rows: [{k: v for k, v in p.items() if k != "raw"} for p in rows.posts]
    assert strip(got) == strip(expected)
    assert got.threads == expected.threads and got.links == expected.links


# -- rate limits and failures ---------------------------------------------------------------------
def test_a_429_waits_for_reddits_reset_then_continues(server, clock):
    server.serve_listing("/r/askreddit/new", synthetic_submissions(3))
    server.fault("GET", "/r/askreddit/new", Reply(status=429, body={"message": "Too Many Requests"},
                 headers={"x-ratelimit-remaining": "0", "x-ratelimit-used": "1000", "x-ratelimit-reset": "12"}))

    pages = list(collector(server, clock).fetch(NEW, None))

    assert len(_ids(pages[0].raw)) == 3
    assert clock.sleeps == [12.0]


def test_a_used_up_window_beyond_the_cap_stops_instead_of_prawcore_sleeping(server, clock):
    things = synthetic_submissions(150)
    server.serve_listing("/r/askreddit/new", things)
    lister = server.routes[-1].handler

    def empties_the_window(request):
        reply = lister(request)
        reply.headers = {"x-ratelimit-remaining": "0", "x-ratelimit-used": "1000", "x-ratelimit-reset": "300"}
        return reply

    server.routes[-1].handler = empties_the_window
    source = Source(name="r", platform="reddit", kind="subreddit", target="askreddit", options={"limit": 150})
    pages = []

    with pytest.raises(RateLimited) as caught:
        for page in collector(server, clock).fetch(source, None):
            pages.append(page)  # noqa: PERF402 -- keep the pages yielded before the raise

    assert len(pages) == 1 and pages[0].state["after"] == things[99]["data"]["name"]
    assert caught.value.retry_at == "2023-11-14T22:18:20Z"
    assert server.count("/r/askreddit/new") == 1


def test_5xx_is_retried_by_our_policy_not_prawcores(server, clock):
    server.serve_listing("/r/askreddit/new", synthetic_submissions(2))
    server.fault("GET", "/r/askreddit/new", Reply(status=502, body={}), Reply(status=503, body={}))

    pages = list(collector(server, clock).fetch(NEW, None))

    assert len(_ids(pages[0].raw)) == 2
    assert clock.sleeps == [1.0, 2.0]


def test_persistent_5xx_gives_up_after_bounded_retries(server, clock):
    server.route("GET", "/r/askreddit/new", Reply(status=500, body={}))

    with pytest.raises(TransientError, match="HTTP 500 on GET /r/askreddit/new, 3 attempts"):
        list(collector(server, clock, retries=2).fetch(NEW, None))

    assert server.count("/r/askreddit/new") == 3


def test_refused_credentials_are_a_clear_error(server, clock):
    server.fault("POST", TOKEN_PATH, Reply(status=401, body={"message": "Unauthorized", "error": 401}))

    with pytest.raises(CollectorError, match="credentials refused: check REDDIT_CLIENT_ID and REDDIT_CLIENT_SECRET"):
        list(collector(server, clock).fetch(NEW, None))


def test_a_missing_subreddit_is_a_clear_error(server, clock):
    server.route("GET", "/r/nosuchsub/new", Reply(status=404, body={"message": "Not Found", "error": 404}))
    source = Source(name="r", platform="reddit", kind="subreddit", target="nosuchsub")

    with pytest.raises(CollectorError, match="reddit: r/nosuchsub/new not found"):
        list(collector(server, clock).fetch(source, None))
    assert server.requests[-1].query.get("after", ABSENT) is ABSENT
