"""bot status's X spend counts every read X bills, checked against the fakes' own bills: the
owned reads made while reconciling a post left uncertain (bot post, bot run) and an account
source's user lookup, beside the posts sent and the harvest's posts and users. Real tweepy over
HTTP against the loopback fakes."""

from __future__ import annotations

import re

import pytest

from tests.fakes.x_billing import PRICE_OWNED_READ
from tests.fakes.x_server import XServer, synthetic_tweets
from tests.test_publish_x import assert_one_thread, outbox, post
from tests.test_publish_x import clock, env, shown, x  # noqa: F401  (the fixtures)

SPEND = re.compile(r"X spend this month \(UTC, our records\): \$([\d.]+) · (\d+) posts \$([\d.]+) · "
                   r"(\d+) reads \$([\d.]+)")


def owned_reads(x) -> int:
    """The posts X billed as owned reads (the account's own timeline)."""
    return round(sum(usd for what, usd in x.billing.ledger if what.startswith("GET")) / PRICE_OWNED_READ)


def test_reconciliation_reads_and_the_user_lookup_are_in_bot_status_spend(cli_run, x, env, shown, tmp_path, db):
    # A post whose answer comes after the client gave up: the run looks for it on the account
    # (owned reads, $0.001 a post) before going on.
    x.fault_on_create(3, "late")
    posted = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert posted.exit_code == 0, posted.output
    assert_one_thread(x, shown)
    reads = owned_reads(x)
    assert reads >= 1  # the timeline read while reconciling post 3
    (row,) = db.query("select what, resources, cost_usd from publish_reads")
    assert (row["what"], row["resources"]) == ("owned reads", reads)
    assert row["cost_usd"] == pytest.approx(reads * 0.001)

    (tmp_path / "bot.toml").write_text(
        '[[sources]]\nname = "acct"\nplatform = "x"\naccount = "karpathy"\n', encoding="utf-8")
    with XServer() as search:
        tweets, users = synthetic_tweets(3, start_id=1900000000000000000, authors=1)
        search.serve_body("/2/users/by/username/karpathy", {"data": users[0]})
        search.serve_tweets(f"/2/users/{users[0]['id']}/tweets", tweets, users=users)
        harvested = cli_run("harvest", "--source", "acct",
                            env={"X_BEARER_TOKEN": "t", "X_API_BASE_URL": search.base_url})
        assert harvested.exit_code == 0, harvested.output
        posts, authors, harvest_usd = search.billed()
    assert (search.count("/2/users/by/username/karpathy"), posts, authors) == (1, 3, 2)  # the lookup is a user

    status = cli_run("status")
    assert status.exit_code == 0, status.output
    (found,) = SPEND.findall(status.stdout)
    total, sent, sent_usd, read_count, read_usd = found
    assert (int(sent), float(sent_usd)) == (7, pytest.approx(0.29))
    assert int(read_count) == reads + posts + authors
    assert float(read_usd) == pytest.approx(round(reads * 0.001 + harvest_usd, 3), abs=0.0005)
    assert float(total) == pytest.approx(round(x.billing.spent() + harvest_usd, 3), abs=0.0005)
    assert [r["state"] for r in outbox(db)] == ["sent"] * 7


def test_bot_status_json_spend_adds_up_to_both_fakes_bills(cli_run, x, env, shown, db):
    x.fault_on_create(2, "late")
    posted = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert posted.exit_code == 0, posted.output
    import json

    status = cli_run("status", "--format", "json")
    spend = json.loads(status.stdout)["spend"]["x"]
    assert spend["reads"] == owned_reads(x) >= 1
    assert spend["total_usd"] == pytest.approx(x.billing.spent())  # posts and owned reads, to the cent
