"""What a week of harvest and posting costs on X with the example bot.toml, measured on the
fakes: one run of its hourly X search (20 new posts by 10 authors, a busy hour for that query)
and two of its 6-hourly account source (3 new posts each; the first also looks the user up)
read through the real collector, and one issue posted as its thread (the README's "X in 2026"
quotes these figures; the test fails if they drift). Our records are checked against what the
fake bills for the posts and users it returned."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import ROOT, SAMPLE_ISSUE
from tests.fakes.x_posting import XPostingServer
from tests.fakes.x_server import XServer, synthetic_tweets

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"
HOURS = 24 * 7


def test_a_week_of_the_example_config_costs_what_the_readme_says(cli_run, tmp_path, db):
    shutil.copy(ROOT / "bot.toml.example", tmp_path / "bot.toml")
    with XServer() as search:
        tweets, users = synthetic_tweets(20, authors=10)
        search.serve_tweets("/2/tweets/search/recent", tweets, users=users)
        harvested = cli_run("harvest", "--source", "x-ml4sci",
                            env={"X_BEARER_TOKEN": "t", "X_API_BASE_URL": search.base_url})
        assert harvested.exit_code == 0, harvested.output
        assert search.count() == 1
        account_tweets, account_users = synthetic_tweets(3, start_id=1900000000000000000, authors=1)
        search.serve_body("/2/users/by/username/karpathy", {"data": account_users[0]})
        search.serve_tweets(f"/2/users/{account_users[0]['id']}/tweets", account_tweets, users=account_users)
        for _ in range(2):  # six hours later, three more posts
            account = cli_run("harvest", "--source", "x-karpathy",
                              env={"X_BEARER_TOKEN": "t", "X_API_BASE_URL": search.base_url})
            assert account.exit_code == 0, account.output
            newer, _ = synthetic_tweets(3, start_id=int(account_tweets[0]["id"]), authors=1)
            account_tweets[:0] = newer
        billed = search.billed()
    runs = {r["source"]: r for r in db.query("select source, sum(cost_usd) as usd from harvest_runs group by source")}
    assert sum(r["usd"] for r in runs.values()) == pytest.approx(billed[2])  # our records, the fake's bill
    run = next(db.query("select requests, reads, cost_usd from harvest_runs where source = 'x-ml4sci'"))
    assert (run["requests"], run["reads"]) == (1, 30)  # 20 posts and 10 users
    assert run["cost_usd"] == pytest.approx(20 * 0.005 + 10 * 0.010)  # $0.20 an hour
    first, acct = db.query("select requests, reads, cost_usd from harvest_runs where source = 'x-karpathy' order by id")
    # The user lookup (first run only, kept in the source's state) is a user read: $0.01 once.
    assert (first["requests"], first["reads"]) == (2, 5)  # the lookup, 3 posts and their author
    assert first["cost_usd"] == pytest.approx(3 * 0.005 + 2 * 0.010)
    assert (acct["requests"], acct["reads"]) == (1, 4)  # 3 posts and their author
    assert acct["cost_usd"] == pytest.approx(3 * 0.005 + 0.010)  # $0.025 every 6 hours

    with XPostingServer() as x:
        posted = cli_run("post", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x", "--yes",
                         env=x.credentials.env(x.base_url))
        assert posted.exit_code == 0, posted.output
        assert x.endpoint_counts() == {"POST /2/tweets": 7}  # no read: nothing to reconcile
        issue = x.billing.spent()
    assert issue == pytest.approx(0.2 + 6 * 0.015)  # $0.29: the opening post alone has a URL

    week = HOURS * run["cost_usd"] + HOURS // 6 * acct["cost_usd"] + issue
    assert round(week, 2) == 34.59  # 168 hourly searches ($33.60), 28 account runs ($0.70), one issue ($0.29)
    assert round(week + first["cost_usd"] - acct["cost_usd"], 2) == 34.60  # the first week's user lookup
