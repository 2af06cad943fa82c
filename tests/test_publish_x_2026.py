"""Posting to X as X is in 2026, through the real tweepy over HTTP against the fake X API v2:
prices and budgets, replies X refuses, credits that run out, a usage cap, an app not enrolled,
and reconciliation that survives X's timeline lag. The fake's 2026 rules and the problem bodies
we model are in tests/fakes/x_billing.py."""

from __future__ import annotations

import pytest

from tests.fakes.x_posting import XPostingServer
from tests.test_publish_x import assert_one_thread, errors, kill_while_x_holds, outbox, post
from tests.test_publish_x import clock, env, shown, x  # noqa: F401  (the fixtures)


def creates(x: XPostingServer) -> int:
    return x.endpoint_counts().get("POST /2/tweets", 0)


def config(tmp_path, text: str) -> None:
    (tmp_path / "bot.toml").write_text(text, encoding="utf-8")


# -- prices and budgets ------------------------------------------------------------------------
def test_a_thread_over_its_budget_is_refused_before_any_request(cli_run, x, env, shown, tmp_path):
    config(tmp_path, "[x]\nmax_cost_per_issue = 0.25\n")
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    assert ("the X thread for issue https://ml4sci.substack.com/p/ml4sci-33 would cost $0.29 for 7 posts, "
            "$0.04 over [x] max_cost_per_issue = $0.25; nothing was sent") in line
    assert x.requests == [] and x.tweets == []


def test_what_a_thread_costs_is_what_the_fake_charged_and_bot_status_shows_it(cli_run, x, env, shown):
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    assert_one_thread(x, shown)
    assert x.billing.spent() == pytest.approx(0.2 + 6 * 0.015)  # the opening alone has a URL
    assert "x: 7 new posts, $0.29 at X's prices" in result.stdout
    status = cli_run("status")
    assert "X spend this month (UTC, our records): $0.29 · 7 posts $0.29 · 0 reads $0.00" in status.stdout


# -- replies X refuses ---------------------------------------------------------------------------
def test_refused_replies_leave_the_opening_alone_and_a_rerun_asks_nothing(cli_run, x, env, shown, tmp_path, db):
    x.billing.reply_policy = "summoned"  # a self-reply is not summoned: refused
    first = post(cli_run, env)
    assert first.exit_code == 1
    (line,) = errors(first)
    assert "X refused post 2/7 of issue" in line
    assert "Reply to this conversation is not allowed" in line
    assert "the thread stops after 1 post and is never resumed or re-posted in another form" in line
    assert 'set [x] format = "single"' in line
    assert len(x.tweets) == 1 and x.tweets[0].submitted == shown[0]["text"]
    rows = outbox(db)
    assert [r["state"] for r in rows] == ["sent"] + ["pending"] * 6  # nothing failed, nothing unknown

    before = len(x.requests)
    second = post(cli_run, env)
    assert second.exit_code == 1
    assert errors(second) == [line]
    assert len(x.requests) == before and len(x.tweets) == 1

    status = cli_run("status")
    assert "refused" in status.stdout and "refused: X refused post 2/7" in status.stdout

    config(tmp_path, '[x]\nformat = "single"\n')  # the fallback, for this issue too? never
    third = post(cli_run, env)
    assert third.exit_code == 1
    assert "already 1/7 posted on x with a different thread; refusing to change it" in third.stderr
    assert len(x.requests) == before and len(x.tweets) == 1


def test_self_replies_allowed_post_the_whole_thread(cli_run, x, env, shown):
    x.billing.reply_policy = "self"
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    assert_one_thread(x, shown)


def test_single_format_posts_one_post_where_replies_are_refused(cli_run, x, env, tmp_path):
    x.billing.reply_policy = "summoned"
    config(tmp_path, '[x]\nformat = "single"\n')
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    (tweet,) = x.tweets
    assert "• NVIDIA VP predicts" in tweet.submitted and tweet.urls
    assert x.billing.spent() == pytest.approx(0.2)


# -- credits, caps, enrolment --------------------------------------------------------------------
def test_credits_running_out_after_4_posts_stop_cleanly_then_the_thread_completes_once(cli_run, x, env, shown, db):
    x.billing.credit_posts = 4
    first = post(cli_run, env)
    assert first.exit_code == 1
    (line,) = errors(first)
    assert ("X's credit balance is too low at post 5/7 of issue https://ml4sci.substack.com/p/ml4sci-33 "
            "(4 sent, kept): add credits in X's Developer Console (console.x.com), then run bot post "
            "again to finish the thread") in line
    assert [r["state"] for r in outbox(db)] == ["sent"] * 4 + ["pending"] * 3
    assert len(x.tweets) == 4

    assert "x: 4 new posts, $0.245 at X's prices" in first.stdout
    x.billing.credit_posts = None  # credits added
    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert "x: 3 new posts, $0.045 at X's prices" in second.stdout
    assert_one_thread(x, shown)
    assert creates(x) == len(shown) + 1  # the one refused for credits created nothing


def test_a_usage_cap_stops_with_when_x_says_it_resets(cli_run, x, env, shown, db):
    x.billing.usage_capped, x.billing.usage_cap_reset = True, 1_900_000_000
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    assert ("X's monthly usage cap is exceeded at post 1/7 of issue https://ml4sci.substack.com/p/ml4sci-33 "
            "(0 sent, kept); X says it resets at 2030-03-17T17:46:40Z") in line
    assert [r["state"] for r in outbox(db)] == ["pending"] * 7


def test_an_app_not_enrolled_stops_with_what_to_change(cli_run, x, env, shown, db):
    x.billing.not_enrolled = True
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    assert "X refused the app as not enrolled at post 1/7" in line
    assert "move the app to Pay-per-use and Production" in line
    assert {r["state"] for r in outbox(db)} == {"pending"}
    x.billing.not_enrolled = False
    again = post(cli_run, env)
    assert again.exit_code == 0, again.output
    assert_one_thread(x, shown)


# -- lag-proof reconciliation -----------------------------------------------------------------------
def test_sigkill_with_post_3_unanswered_and_a_20s_lag_posts_the_thread_exactly_once(
        cli_run, x, env, shown, db_path, db, clock):
    x.timeline_lag_seconds = 20.0
    kill_while_x_holds(x, db_path, env, 3, "hold")  # created, never answered
    assert len(x.tweets) == 3

    at_once = post(cli_run, env)  # the timeline does not show post 3 yet
    assert at_once.exit_code == 1
    (line,) = errors(at_once)
    assert "post 3/7 of issue https://ml4sci.substack.com/p/ml4sci-33 may be on X already" in line
    assert "is never sent twice: run bot post again after " in line
    assert creates(x) == 3
    assert [r["state"] for r in outbox(db)][:4] == ["sent", "sent", "unknown", "pending"]

    clock.now += 21  # the lag has passed
    later = post(cli_run, env)
    assert later.exit_code == 0, later.output
    assert_one_thread(x, shown)
    assert creates(x) <= len(shown) + 1
    assert creates(x) == len(shown)


def test_an_unanswered_post_in_run_stays_unknown_through_the_lag(cli_run, x, env, shown, clock):
    x.timeline_lag_seconds = 20.0
    x.fault_on_create(3, "late")  # created; the answer comes after the client gave up
    first = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert first.exit_code == 1 and "run bot post again after" in errors(first)[0]
    second = post(cli_run, env)  # still hidden: still not sent again
    assert second.exit_code == 1 and creates(x) == 3
    clock.now += 21
    third = post(cli_run, env)
    assert third.exit_code == 0, third.output
    assert_one_thread(x, shown)
    assert creates(x) == len(shown)


def test_a_duplicate_refusal_during_the_lag_is_never_failed(cli_run, x, env, shown, clock, tmp_path, db):
    """Post 3 made but unconfirmed; after a short grace the next run sends it again, X refuses
    it as duplicate content: evidence it exists. It stays unknown until the timeline shows it."""
    config(tmp_path, '[x]\nreconcile_grace = "0s"\n')
    x.timeline_lag_seconds = 20.0
    x.fault_on_create(3, "late")
    first = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert first.exit_code == 1
    second = post(cli_run, env)
    assert second.exit_code == 1
    assert "as duplicate content" in errors(second)[0]
    assert outbox(db)[2]["state"] == "unknown"
    assert x.refused == [(shown[2]["text"], 403)]
    clock.now += 21
    third = post(cli_run, env)
    assert third.exit_code == 0, third.output
    assert_one_thread(x, shown)
    assert "failed" not in {r["to_state"] for r in db.query("select to_state from outbox_events")}



# -- bot run ---------------------------------------------------------------------------------------
def test_bot_run_ends_a_refused_thread_once_and_asks_x_nothing_again(db, http_server, x, caplog, cli_run):
    import datetime as dt
    import logging
    import msgspec

    from bot.runner import Runner
    from tests.support.feeds import FeedServer
    from tests.test_notices import T0, Clock, runner

    feed, clock = FeedServer(http_server), Clock(T0)
    run = runner(db, feed, x, "", clock)
    run.run_once()  # the back catalogue (none)
    feed.publish(8, T0)
    x.billing.reply_policy = "summoned"
    with caplog.at_level(logging.INFO, logger="bot.run"):
        (_feed, posting) = run.run_once()
    assert len(x.tweets) == 1  # the opening post alone
    assert posting.counts == {"due": 1, "posted": 0, "failed": 0, "ended": 1}
    (row,) = db.query("select status, last_error from schedule")
    assert row["status"] == "failed" and "\n" not in row["last_error"]  # ended: never due again
    assert row["last_error"].startswith("x: X refused post 2/4 of issue")
    assert "is never resumed or re-posted in another form" in row["last_error"]
    ends = [r.getMessage() for r in caplog.records if "ends here" in r.getMessage()]
    assert len(ends) == 1 and "\n" not in ends[0] and "bot run will not post it again" in ends[0]

    status = cli_run("status")
    assert status.exit_code == 0, status.output
    assert ": refused · 1/4 posts sent; bot run will not post it again" in status.stdout
    assert "x        refused      1/4 sent" in status.stdout

    # The documented fallback, set after the refusal, is for later issues: this one is not
    # re-posted as one post, nor looked at again.
    single = Runner(db, msgspec.structs.replace(run.settings, raw={"x": {"reconcile_grace": "0s", "format": "single"}}),
                    clock=clock)
    before = len(x.requests)
    caplog.clear()
    for _ in range(3):
        clock.now += dt.timedelta(days=1)
        (_feed, posting) = single.run_once()
        assert posting.counts == {"due": 0, "posted": 0, "failed": 0}
    assert len(x.requests) == before and len(x.tweets) == 1
    assert not [r for r in caplog.records if "not posted yet" in r.getMessage() or "ends here" in r.getMessage()]

    # Released for another try, in the new form: the outbox refuses to change the thread and the
    # refusal still stands, so it ends again at once, asking X nothing.
    from bot.holds import release

    release(db, "8", clock=clock)
    (_feed, posting) = single.run_once()
    assert posting.counts == {"due": 1, "posted": 0, "failed": 0, "ended": 1}
    assert len(x.requests) == before and len(x.tweets) == 1
    (row,) = db.query("select status, last_error from schedule")
    assert row["status"] == "failed" and row["last_error"].startswith("x: X refused post 2/4 of issue")
