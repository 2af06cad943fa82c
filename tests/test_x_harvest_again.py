"""X source harvests do not read again what they hold, and still find what is new: bot harvest
in-process, the real tweepy over HTTP against the loopback fake X, its requests and the posts
and users it bills for (X charges per resource returned, ``XServer.billed``)."""

from __future__ import annotations

import copy

import pytest

from tests.fakes.x_server import synthetic_tweets

TOML = """
[[sources]]
name = "x-ml"
platform = "x"
search = "machine learning materials"

[[sources]]
name = "x-acct"
platform = "x"
account = "karpathy"
"""
TABLES = ("posts", "authors", "threads", "links")


@pytest.fixture
def harvest(cli_run, tmp_path, x_server):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")

    def run():
        before = (len(x_server.requests), len(x_server.reads))
        result = cli_run("harvest", env={"X_BEARER_TOKEN": "t", "X_API_BASE_URL": x_server.base_url})
        assert result.exit_code == 0, result.output
        billed = x_server.reads[before[1]:]
        return x_server.requests[before[0]:], (sum(p for _, p, _ in billed), sum(u for _, _, u in billed))

    return run


def counts(db) -> dict[str, int]:
    return {table: db[table].count for table in TABLES}


def test_a_second_harvest_reads_nothing_it_holds_and_a_new_reply_is_all_the_third_reads(harvest, db, x_server):
    tweets, users = synthetic_tweets(30, authors=10)
    x_server.serve_tweets("/2/tweets/search/recent", tweets, users=users)
    mine, me = synthetic_tweets(3, start_id=1900000000000000000, authors=1)
    me[0].update(id="777", username="karpathy")  # not one of the search's authors
    for tweet in mine:
        tweet["author_id"] = "777"
    x_server.serve_body("/2/users/by/username/karpathy", {"data": me[0]})
    x_server.serve_tweets(f"/2/users/{me[0]['id']}/tweets", mine, users=me)

    first, first_billed = harvest()
    assert len(first) == 3  # the search, the user lookup, the timeline
    assert first_billed == (33, 12)  # 30 + 3 posts; 10 authors, the account (looked up, then its author)
    assert sum(r["cost_usd"] for r in db.query("select cost_usd from harvest_runs")) == pytest.approx(
        33 * 0.005 + 12 * 0.010)  # $0.285, what the fake billed, in our records
    held = counts(db)
    assert held == {"posts": 33, "authors": 11, "threads": 33, "links": 33}

    second, second_billed = harvest()
    assert len(second) == 2 < len(first)  # no lookup: the account's id is in the source's state
    assert second_billed == (0, 0)  # each asks only for posts newer than it holds
    assert [r.query["since_id"] for r in second] == [tweets[0]["id"], mine[0]["id"]]
    assert counts(db) == held  # nothing new written
    runs = list(db.query("select posts_new, reads, cost_usd from harvest_runs order by id"))
    assert [(r["posts_new"], r["reads"], r["cost_usd"]) for r in runs[2:]] == [(0, 0, 0.0)] * 2

    # Someone replies to a conversation we hold (its root and everything else in it).
    root = tweets[5]
    reply = copy.deepcopy(tweets[0])
    reply.update(id=str(int(tweets[0]["id"]) + 1), text="A reply to paper 5", author_id=users[7]["id"],
                 conversation_id=root["id"], referenced_tweets=[{"type": "replied_to", "id": root["id"]}])
    reply.pop("entities")
    tweets.insert(0, reply)

    third, third_billed = harvest()
    assert len(third) == 2 and third_billed == (1, 1)  # the reply and its author, nothing else
    assert counts(db) == {**held, "posts": 34}
    (row,) = db.query("select thread_id, parent_id from posts where id = ?", [f"x:{reply['id']}"])
    assert (row["thread_id"], row["parent_id"]) == (f"x:{root['id']}", f"x:{root['id']}")

    fourth, fourth_billed = harvest()
    assert len(fourth) == 2 and fourth_billed == (0, 0)
    assert counts(db) == {**held, "posts": 34}
