"""Harvesting Mastodon: the real Mastodon.py over HTTP against the fake instance and its recordings.

Hashtag timelines, lists and accounts page by their ``Link`` headers into the same tables as
the other platforms (``mastodon:`` ids), a repeated run writes nothing new, ``bot thread``
rebuilds a thread through the context endpoint, a 429 names its ``X-RateLimit-Reset``, and
``bot harvest --load`` replays saved bodies; search and the digest include what was saved.
"""

from __future__ import annotations

import json
import time

import pytest

from collectors.ratelimit import utc_iso
from tests.fakes.common import ABSENT, Reply
from tests.fakes.mastodon_server import MastodonServer, iso_z, recorded

TOML = """
[[sources]]
name = "hoot"
platform = "mastodon"
hashtag = "hoot"

[[sources]]
name = "hams"
platform = "mastodon"
list = "6"

[[sources]]
name = "me"
platform = "mastodon"
account = "mastodonpy_test"
"""
TAG = "/api/v1/timelines/tag/hoot"
LIST = "/api/v1/timelines/list/6"


@pytest.fixture
def mastodon():
    with MastodonServer() as server:
        yield server
        server.check()


@pytest.fixture
def bot(cli_run, tmp_path, mastodon):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")

    def run(*args, **overrides):
        return cli_run(*args, env={**mastodon.env(), **overrides})

    return run


def table(result) -> list[list[str]]:
    return [line.split() for line in result.stdout.splitlines()[1:]]


def test_a_hashtag_harvested_twice_writes_nothing_new_the_second_time(bot, db, mastodon):
    mastodon.serve_recording("test_hashtag_tl.yaml", TAG, match={"max_id": ABSENT, "min_id": ABSENT})
    mastodon.route("GET", TAG, Reply(body=[]), match={"max_id": "117020593741189701"})  # the Link "next"
    mastodon.route("GET", TAG, Reply(body=[]), match={"min_id": "117020593741189701"})  # the next run

    first = bot("harvest", "--source", "hoot")
    assert first.exit_code == 0, first.output
    # Mastodon.py asks /api/v2/instance whether the timeline is open, then the two pages.
    assert table(first) == [["hoot", "mastodon", "1", "1", "3", "0", "ok"]]
    post = next(db.query("select * from posts"))
    assert post["id"] == "mastodon:http://localhost:3000/@mastodonpy_test_2/117020593741189701"
    assert post["text"] == "#hoot (hashtag toot)" and post["platform"] == "mastodon"
    assert post["thread_id"] == post["id"] and post["created_at"].endswith("Z")
    author = next(db.query("select * from authors"))
    assert (author["id"], author["handle"]) == ("mastodon:http://localhost:3000/@mastodonpy_test_2",
                                                "mastodonpy_test_2@localhost:3000")

    again = bot("harvest", "--source", "hoot")
    assert again.exit_code == 0, again.output
    assert table(again) == [["hoot", "mastodon", "0", "0", "2", "0", "ok"]]
    assert db["posts"].count == 1
    assert [r.query.get("min_id") for r in mastodon.requests][-1] == "117020593741189701"


def test_a_list_timeline_fills_posts_authors_threads_and_links(bot, db, mastodon):
    mastodon.serve_recording("test_list_timeline.yaml", LIST, match={"max_id": ABSENT})
    mastodon.route("GET", LIST, Reply(body=[]), match={"max_id": "117020574694606796"})
    result = bot("harvest", "--source", "hams")
    assert result.exit_code == 0, result.output
    assert db["posts"].count == 7 and db["threads"].count == 7
    handles = {r["handle"] for r in db.query("select handle from authors")}
    assert handles == {"admin@localhost:3000"}
    texts = [r["text"] for r in db.query("select text from posts order by created_at")]
    assert texts[0] == "I have never stolen a ham in my life." and "you can't say that on television" in texts
    assert mastodon.requests[0].headers["authorization"].startswith("Bearer ")  # lists need the token


def test_an_account_pages_by_link_headers_then_resumes_from_the_newest(bot, db, mastodon):
    for n in range(50):
        mastodon.add_status(f"Status {n} about https://arxiv.org/abs/2401.{n:05d} and materials")
    first = bot("harvest", "--source", "me")
    assert first.exit_code == 0, first.output
    # lookup, 40 statuses, the 10 older ones by the Link "next", then an empty page
    assert table(first) == [["me", "mastodon", "50", "50", "4", "0", "ok"]]
    assert mastodon.endpoint_counts()["GET /api/v1/accounts/:id/statuses"] == 3
    assert db["links"].count == 50 and {r["domain"] for r in db.query("select domain from links")} == {"arxiv.org"}

    for n in range(3):
        mastodon.add_status(f"Newer status {n}")
    again = bot("harvest", "--source", "me")
    assert table(again) == [["me", "mastodon", "3", "3", "2", "0", "ok"]]  # forward by min_id
    assert db["posts"].count == 53


def test_a_429_stops_the_source_and_names_the_reset_time(bot, db, mastodon):
    reset = int(time.time()) + 3600
    mastodon.route("GET", TAG, Reply(status=429, body={"error": "Too many requests"},
                                     headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": iso_z(reset)}))
    result = bot("harvest", "--source", "hoot")
    assert result.exit_code == 0
    assert table(result)[0][-1] == "rate-limited"
    run = next(db.query("select status, retry_at from harvest_runs"))
    assert run["status"] == "rate-limited" and run["retry_at"] in (utc_iso(reset), utc_iso(reset - 1))
    assert "mastodon rate limit reached: try again after" in result.stderr


def test_bot_thread_rebuilds_a_thread_through_the_context_endpoint(bot, db, mastodon):
    root = mastodon.add_status("A thread on protein folding, 1/3")
    middle = mastodon.add_status("2/3 https://doi.org/10.1000/xyz", reply_to=root.id)
    mastodon.add_status("3/3 thanks", reply_to=middle.id)
    url = middle.body["url"]
    result = bot("thread", url)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("3 posts\n")
    assert result.stdout.index("1/3") < result.stdout.index("2/3") < result.stdout.index("3/3")
    rows = {r["text"]: r for r in db.query("select * from posts")}
    assert rows["2/3 https://doi.org/10.1000/xyz"]["parent_id"] == "mastodon:" + root.body["url"]
    assert {r["thread_id"] for r in rows.values()} == {"mastodon:" + root.body["url"]}
    assert mastodon.endpoint_counts() == {"GET /api/v1/statuses/:id": 1, "GET /api/v1/statuses/:id/context": 1}


def test_bot_thread_on_a_recorded_lone_status(bot, db, mastodon):
    status = json.loads(recorded("test_status.yaml", "GET", "/api/v1/statuses/117020583223442465")["body"])
    mastodon.serve_recording("test_status.yaml", "/api/v1/statuses/117020583223442465")
    # A lone status's context is empty: the recorded one (of another lone status) serves.
    mastodon.serve_recording("test_status_context.yaml", "/api/v1/statuses/117020585487094447/context",
                             at="/api/v1/statuses/117020583223442465/context")
    result = bot("thread", f"{mastodon.base_url}/@mastodonpy_test/117020583223442465")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("1 posts\n") and "Toot!" in result.stdout
    assert next(db.query("select id from posts"))["id"] == "mastodon:" + status["url"]


def test_a_status_that_does_not_exist_is_one_line(bot, mastodon):
    missing = recorded("test_status_missing.yaml", "GET", "/api/v1/statuses/0")
    mastodon.serve_recording("test_status_missing.yaml", "/api/v1/statuses/0")
    result = bot("thread", f"{mastodon.base_url}/@someone/0")
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    assert line == f"Error: mastodon: 404 Not Found: {json.loads(missing['body'])['error']}"


def test_load_a_context_body_and_a_list_of_statuses(bot, db, mastodon, tmp_path):
    root = mastodon.add_status("Root of a saved thread")
    reply = mastodon.add_status("Its reply", reply_to=root.id)
    context = tmp_path / "context.json"
    context.write_text(json.dumps({"ancestors": [root.body], "status": reply.body, "descendants": []}))
    result = bot("harvest", "--platform", "mastodon", "--load", str(context))
    assert result.exit_code == 0, result.output
    saved = {r["text"]: r for r in db.query("select * from posts")}
    assert saved["Its reply"]["parent_id"] == saved["Root of a saved thread"]["id"]

    statuses = tmp_path / "list.json"
    statuses.write_text(recorded("test_list_timeline.yaml", "GET", LIST)["body"])
    again = bot("harvest", "--platform", "mastodon", "--load", str(statuses))
    assert again.exit_code == 0, again.output
    assert db["posts"].count == 9
    assert mastodon.requests == []  # a saved body needs no network


def test_search_and_the_digest_include_mastodon(bot, db, mastodon, tmp_path):
    statuses = tmp_path / "list.json"
    statuses.write_text(recorded("test_list_timeline.yaml", "GET", LIST)["body"])
    assert bot("harvest", "--platform", "mastodon", "--load", str(statuses)).exit_code == 0
    found = bot("search", "ham", "--platform", "mastodon")
    assert found.exit_code == 0, found.output
    assert "[mastodon] @admin@localhost:3000" in found.stdout and "2 matches" in found.stdout
    digest = bot("digest", "--since", "3650d", "--platform", "mastodon")
    assert digest.exit_code == 0, digest.output
    assert "### On Mastodon" in digest.stdout and "admin@localhost:3000" in digest.stdout
