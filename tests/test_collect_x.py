"""The X collector: the real tweepy Client over HTTP against a loopback fake of API v2."""

from __future__ import annotations

import json
import threading

import pytest

from bot.settings import Source
from collectors.base import RateLimited
from collectors.http import CollectorError, TransientError, rebase
from collectors.ratelimit import Policy
from collectors.x import XCollector, parse_ref, to_rows
from collectors.x_thread import merge_thread
from tests.fakes.common import ABSENT, FakeClock, Reply
from tests.fakes.x_server import (
    CONVERSATION,
    XServer,
    load_cassette,
    load_example,
    serve_conversation,
    synthetic_tweets,
)

SEARCH = Source(name="x-search", platform="x", kind="search", target="Tweepy")


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def server(clock):
    with XServer(clock=clock) as fake:
        yield fake
        fake.check()


def collector(server, clock, **policy) -> XCollector:
    return XCollector(
        bearer_token="test-bearer", base_url=server.base_url, timeout=5,
        policy=Policy(clock=clock, sleeper=clock.sleep, **policy),
    )


# -- transform ----------------------------------------------------------------------------------
def test_to_rows_reads_the_documented_body_with_includes():
    rows = to_rows(load_example("search_tweets_query.json"))

    assert [p["id"] for p in rows.posts] == [
        "x:1276035977375477760", "x:1275882613572583424", "x:1275763727908798470",
        "x:1275653067283759104", "x:1273733248749690880", "x:1274086728471461889",
    ]
    post = rows.posts[0]
    raw = json.loads(post.pop("raw"))
    assert raw["id"] == "1276035977375477760"
    assert post == {
        "id": "x:1276035977375477760", "platform": "x",
        # no conversation_id in this body: the thread comes from the reply chain it holds
        "thread_id": "x:1273733248749690880", "parent_id": "x:1275653067283759104",
        "author_id": "x:63046977",
        "text": "@snowman Ooo, thanks error message, public_metircs are not the metrics you’re looking for https://t.co/14TzLYBBXi",
        "created_at": "2020-06-25T06:14:19Z",
        "url": "https://x.com/happycamper/status/1276035977375477760",
        "like_count": None, "repost_count": None, "reply_count": None, "quote_count": None,
    }
    assert rows.threads == [{
        "id": "x:1273733248749690880", "platform": "x", "root_post_id": "x:1273733248749690880",
        "author_id": "x:17200003", "title": "So, what's your favorite thing about Twitter Developer Labs?",
        "url": "https://x.com/snowman/status/1273733248749690880",
    }]
    assert [(a["id"], a["handle"], a["display_name"]) for a in rows.authors] == [
        ("x:63046977", "happycamper", "Emily Waligoske 🏕"),
        ("x:17200003", "snowman", "Jim Moffitt"),
        ("x:196883832", "jellybeanjones", "zachariah jones"),
    ]
    # Both URLs are the tweets' own photos, not links worth keeping.
    assert rows.links == []
    assert rows.skipped == []


def test_to_rows_keeps_metrics_and_expanded_links():
    tweets, users = synthetic_tweets(1)
    rows = to_rows({"data": tweets, "includes": {"users": users[:1]}})

    post = rows.posts[0]
    assert (post["like_count"], post["repost_count"], post["reply_count"], post["quote_count"]) == (0, 0, 0, 0)
    assert rows.links == [{"post_id": post["id"], "url": "https://arxiv.org/abs/2401.00000", "domain": "arxiv.org"}]
    assert rows.authors[0]["followers_count"] == 0


def test_ids_that_arrive_as_int_are_stored_as_exact_text():
    body = {"data": [{"id": 1460323737035677698, "text": "big id", "author_id": 783214,
                      "conversation_id": 1460323737035677698}]}
    post = to_rows(body).posts[0]
    assert (post["id"], post["thread_id"], post["author_id"]) == (
        "x:1460323737035677698", "x:1460323737035677698", "x:783214")


def test_malformed_tweets_are_skipped_with_a_warning_naming_them():
    body = {"data": [{"id": "1", "text": "fine"}, {"id": "2"}, "junk", {"id": "abc", "text": "x"},
                     {"id": "5", "text": "bad time", "created_at": "yesterday"}]}
    rows = to_rows(body)

    assert [p["id"] for p in rows.posts] == ["x:1"]
    assert rows.skipped == [
        "x: skipped tweet #2 (id 2): 'text'",
        "x: skipped tweet #3 (no id): not an object but str",
        "x: skipped tweet #4 (id abc): id 'abc' is not numeric",
        "x: skipped tweet #5 (id 5): Invalid isoformat string: 'yesterday'",
    ]
    assert to_rows(["not", "a", "body"]).skipped == ["x: body is a list, not a JSON object"]


def test_parse_ref_accepts_status_urls_only():
    assert parse_ref("https://x.com/ml4sci/status/1460323737035677698") == "1460323737035677698"
    assert parse_ref("https://twitter.com/i/web/status/123?s=20") == "123"
    assert parse_ref("https://mobile.twitter.com/a_b/statuses/77/photo/1") == "77"
    assert parse_ref("https://x.com/ml4sci") is None
    assert parse_ref("https://example.com/a/status/1") is None


def test_rebase_moves_path_and_query_onto_the_base_url():
    assert rebase("https://api.twitter.com/2/tweets?ids=1", "http://127.0.0.1:9/prefix/") == (
        "http://127.0.0.1:9/prefix/2/tweets?ids=1")


# -- fetching through tweepy ------------------------------------------------------------------------
def test_search_replays_the_recording_through_tweepy(server, clock):
    server.serve_recording("test_client_search_recent_tweets.yaml")
    recorded = load_cassette("test_client_search_recent_tweets.yaml")[0]["json"]
    server.route("GET", "/2/tweets/search/recent", Reply(body={"meta": {"result_count": 0}}),
                 match={"next_token": recorded["meta"]["next_token"]})

    pages = list(collector(server, clock).fetch(SEARCH, None))

    assert [p["id"] for p in to_rows(pages[0].raw).posts] == [f"x:{t['id']}" for t in recorded["data"]]
    assert [p.state for p in pages] == [
        {"since_id": None, "next_token": recorded["meta"]["next_token"], "newest_id": "1578516068309794817"},
        {"since_id": "1578516068309794817"},
    ]
    assert [p.requests for p in pages] == [1, 1]
    first = server.requests[0]
    assert first.headers["authorization"] == "Bearer test-bearer"
    assert first.query["query"] == "Tweepy"
    assert first.query["max_results"] == "100"
    assert first.query["expansions"] == "author_id,referenced_tweets.id,referenced_tweets.id.author_id,attachments.media_keys,in_reply_to_user_id"
    assert "conversation_id" in first.query["tweet.fields"].split(",")
    assert clock.sleeps == []


def test_paging_then_since_id_fetches_only_new_tweets(server, clock):
    tweets, users = synthetic_tweets(250)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    x = collector(server, clock)

    first = list(x.fetch(SEARCH, None))
    assert [len(p.raw["data"]) for p in first] == [100, 100, 50]
    assert first[-1].state == {"since_id": tweets[0]["id"]}

    newer, _ = synthetic_tweets(5, start_id=int(tweets[0]["id"]))
    tweets[:0] = newer
    second = list(x.fetch(SEARCH, first[-1].state))

    assert [p["id"] for p in to_rows(second[0].raw).posts] == [f"x:{t['id']}" for t in newer]
    assert second[0].state == {"since_id": newer[0]["id"]}
    assert server.requests[-1].query["since_id"] == tweets[5]["id"]
    assert server.count("/2/tweets/search/recent") == 4


def test_an_unchanged_source_costs_one_request(server, clock):
    tweets, users = synthetic_tweets(30)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    x = collector(server, clock)
    state = list(x.fetch(SEARCH, None))[-1].state

    pages = list(x.fetch(SEARCH, state))

    assert [(p.raw, p.requests, p.state) for p in pages] == [({"meta": {"result_count": 0}}, 1, state)]


def test_limit_stops_the_pass_and_moves_since_id(server, clock):
    tweets, users = synthetic_tweets(250)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    source = Source(name="s", platform="x", kind="search", target="q", options={"limit": 150})

    pages = list(collector(server, clock).fetch(source, None))

    assert len(pages) == 2
    assert pages[-1].state == {"since_id": tweets[0]["id"]}


def test_account_timeline_looks_the_user_up_once(server, clock):
    server.serve_recording("test_client_get_user.yaml")
    server.serve_recording("test_client_get_users_tweets.yaml")
    server.route("GET", "/2/users/783214/tweets", Reply(body={"meta": {"result_count": 0}}),
                 match={"pagination_token": "7140dibdnow9c7btw4232poeq0wapgnwgwqwvuwn3peex"})
    account = Source(name="acct", platform="x", kind="account", target="@Twitter")
    x = collector(server, clock)

    pages = list(x.fetch(account, None))

    assert [p["id"] for p in to_rows(pages[0].raw).posts] == ["x:1577730467436138524", "x:1565318587736285184"]
    assert pages[0].requests == 2  # the user lookup counts against the first page
    assert pages[-1].state == {"user_id": "783214", "since_id": "1577730467436138524"}

    server.route("GET", "/2/users/783214/tweets", Reply(body={"meta": {"result_count": 0}}),
                 match={"since_id": "1577730467436138524"})
    list(x.fetch(account, pages[-1].state))
    assert server.count("/2/users/by/username/Twitter") == 1


def test_an_unknown_account_is_a_clear_error(server, clock):
    server.route("GET", "/2/users/by/username/nobody_here", Reply(body={"errors": [
        {"detail": "Could not find user with username: [nobody_here].", "title": "Not Found Error"}]}))
    account = Source(name="acct", platform="x", kind="account", target="nobody_here")

    with pytest.raises(CollectorError, match=r"no account @nobody_here \(Could not find user"):
        list(collector(server, clock).fetch(account, None))


# -- threads -----------------------------------------------------------------------------------------
def test_thread_keeps_the_authors_self_reply_chain_in_order(server, clock):
    serve_conversation(server)

    pages = list(collector(server, clock).fetch_thread("https://x.com/snowman/status/1275882613572583424"))

    rows = to_rows(pages[0].raw)
    assert [p["id"] for p in rows.posts] == [
        "x:1273733248749690880", "x:1275882613572583424", "x:1276100000000000000"]
    assert [p["parent_id"] for p in rows.posts] == [None, "x:1273733248749690880", "x:1275882613572583424"]
    assert {p["thread_id"] for p in rows.posts} == {f"x:{CONVERSATION}"}
    assert rows.links == [{"post_id": "x:1276100000000000000", "url": "https://arxiv.org/abs/2006.12345", "domain": "arxiv.org"}]
    assert [a["handle"] for a in rows.authors] == ["snowman"]
    # the tweet, the root, then both pages of the conversation search
    assert [r.path for r in server.requests] == [
        "/2/tweets/1275882613572583424", f"/2/tweets/{CONVERSATION}",
        "/2/tweets/search/recent", "/2/tweets/search/recent"]
    assert pages[0].requests == 4


def test_thread_with_everyones_replies(server, clock):
    serve_conversation(server)
    x = collector(server, clock)
    x.include_replies = True

    rows = to_rows(next(x.fetch_thread(f"https://twitter.com/snowman/status/{CONVERSATION}")).raw)

    assert [p["id"] for p in rows.posts] == [
        "x:1273733248749690880", "x:1274086728471461889", "x:1275653067283759104",
        "x:1275763727908798470", "x:1275882613572583424", "x:1276035977375477760", "x:1276100000000000000"]
    assert server.count(f"/2/tweets/{CONVERSATION}") == 1  # the root is the tweet asked for


def test_a_thread_of_one_recorded_tweet(server, clock):
    server.serve_recording("test_client_get_tweet.yaml")
    server.route("GET", "/2/tweets/search/recent", Reply(body={"meta": {"result_count": 0}}),
                 match={"query": "conversation_id:1293593516040269825"})

    page = next(collector(server, clock).fetch_thread("https://x.com/TwitterDev/status/1293593516040269825"))

    assert [p["id"] for p in to_rows(page.raw).posts] == ["x:1293593516040269825"]


def test_merge_thread_needs_the_root():
    with pytest.raises(CollectorError, match="first post 9 is not available"):
        merge_thread([{"data": [{"id": "10", "conversation_id": "9", "text": "t"}]}], "9")


# -- rate limits and failures ----------------------------------------------------------------
def test_a_429_waits_until_the_reset_then_continues(server, clock):
    tweets, users = synthetic_tweets(10)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    reset = int(clock()) + 30
    server.fault("GET", "/2/tweets/search/recent", Reply(status=429, body={"title": "Too Many Requests"},
                 headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))

    pages = list(collector(server, clock).fetch(SEARCH, None))

    assert clock.sleeps == [31.0]
    assert len(pages[0].raw["data"]) == 10
    assert pages[0].requests == 2


def test_a_429_beyond_the_cap_stops_with_the_retry_time(server, clock):
    reset = int(clock()) + 900
    server.fault("GET", "/2/tweets/search/recent", Reply(status=429, body={},
                 headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))

    with pytest.raises(RateLimited) as caught:
        list(collector(server, clock, max_wait=60).fetch(SEARCH, None))

    assert caught.value.retry_at == "2023-11-14T22:28:21Z"
    assert "try again after 2023-11-14T22:28:21Z" in str(caught.value)
    assert clock.sleeps == []
    assert server.count() == 1


def test_the_total_wait_per_run_is_capped(server, clock):
    for _ in range(3):
        server.fault("GET", "/2/tweets/search/recent", Reply(status=429, body={}, headers={"retry-after": "50"}))

    with pytest.raises(RateLimited):
        list(collector(server, clock, max_wait=60, max_total_wait=120, retries=5).fetch(SEARCH, None))

    assert clock.sleeps == [50.0, 50.0]


def test_a_used_up_window_waits_before_asking_again(server, clock):
    tweets, users = synthetic_tweets(20)
    handler_pages = server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    reset = int(clock()) + 10

    def first_page_empties_the_window(request):
        reply = handler_pages(request)
        if "next_token" not in request.query:
            reply.headers = {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}
        return reply

    server.routes[-1].handler = first_page_empties_the_window
    x = collector(server, clock)
    x.page_size = 10

    pages = list(x.fetch(SEARCH, None))

    assert len(pages) == 2
    assert clock.sleeps == [11.0]
    assert server.count() == 2  # waited instead of collecting a 429


def test_5xx_and_dropped_connections_are_retried_with_backoff(server, clock):
    tweets, users = synthetic_tweets(5)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    server.fault("GET", "/2/tweets/search/recent", Reply(status=503, body={}), Reply(drop=True))

    pages = list(collector(server, clock).fetch(SEARCH, None))

    assert len(pages[0].raw["data"]) == 5
    assert clock.sleeps == [1.0, 2.0]
    assert pages[0].requests == 3


def test_a_server_that_keeps_failing_is_given_up_on(server, clock):
    server.route("GET", "/2/tweets/search/recent", Reply(status=500, body={}))

    with pytest.raises(TransientError, match=r"HTTP 500 on GET /2/tweets/search/recent, 4 attempts"):
        list(collector(server, clock, retries=3).fetch(SEARCH, None))

    assert server.count() == 4
    assert clock.sleeps == [1.0, 2.0, 4.0]


def test_a_slow_answer_times_out(server, clock):
    never = threading.Event()
    server.route("GET", "/2/tweets/search/recent", Reply(body={}, hold=never))
    x = collector(server, clock, retries=1)
    x.timeout = 0.2

    with pytest.raises(TransientError, match="ReadTimeout"):
        list(x.fetch(SEARCH, None))

    assert server.count() == 2
    never.set()


def test_a_refused_token_is_a_clear_error(server, clock):
    server.route("GET", "/2/tweets/search/recent", Reply(status=401, body={"title": "Unauthorized"}))

    with pytest.raises(CollectorError, match="refused the bearer token .* check X_BEARER_TOKEN"):
        list(collector(server, clock).fetch(SEARCH, None))


def test_an_expired_resume_token_restarts_the_pass(server, clock):
    tweets, users = synthetic_tweets(15)
    server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    server.fault("GET", "/2/tweets/search/recent", Reply(status=400, body={"title": "Invalid Request"}),
                 match={"next_token": "stale"})

    state = {"since_id": None, "next_token": "stale", "newest_id": "1"}
    pages = list(collector(server, clock).fetch(SEARCH, state))

    assert pages[-1].state == {"since_id": tweets[0]["id"]}
    assert server.requests[1].query.get("next_token", ABSENT) is ABSENT


def test_a_refused_query_is_an_error_not_a_restart(server, clock):
    server.route("GET", "/2/tweets/search/recent", Reply(status=400, body={
        "errors": [{"message": "There were errors processing your request: Ambiguous use of and as a keyword"}],
        "title": "Invalid Request", "detail": "One or more parameters to your request was invalid."}))

    with pytest.raises(CollectorError, match="x: 400 Bad Request"):
        list(collector(server, clock).fetch(SEARCH, None))
    assert server.count() == 1
