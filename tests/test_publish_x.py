"""Posting to X exactly once: the real tweepy client over HTTP against the fake X API v2.

``bot post`` runs in-process (CliRunner) and as a subprocess (to SIGKILL it mid-thread).
Every assertion about what X holds is made on the fake's stored tweets: how many, their
texts as submitted, and the reply chain.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import unicodedata

import pytest

from collectors.ratelimit import utc_iso
from tests.conftest import ROOT, SAMPLE_ISSUE
from tests.fakes.common import FakeClock, Reply
from tests.fakes.x_posting import DAY, TOO_MANY, XPostingServer

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def x(clock):
    with XPostingServer(clock=clock) as server:
        yield server
        server.check()


@pytest.fixture
def env(x) -> dict[str, str]:
    return {**x.credentials.env(x.base_url), "BOT_HTTP_TIMEOUT": "5"}


@pytest.fixture
def no_grace(tmp_path):
    """``[x] reconcile_grace = "0s"``: a post not on the account is taken not to exist at once
    (as if X's timelines never lagged); the grace itself is tested in test_publish_x_2026.py."""
    (tmp_path / "bot.toml").write_text('[x]\nreconcile_grace = "0s"\n', encoding="utf-8")


@pytest.fixture
def shown(cli_run) -> list[dict]:
    """The X thread exactly as ``bot preview --format json`` shows it."""
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x",
                     "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["threads"]["x"]


def post(cli_run, env: dict[str, str]):
    return cli_run("post", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x", "--yes", env=env)


def post_process(db_path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db_path), "post", str(SAMPLE_ISSUE), "--url",
         ISSUE_URL, "--platform", "x", "--yes"],
        cwd=db_path.parent, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def kill_while_x_holds(x, db_path, env: dict[str, str], position: int, fault: str) -> None:
    """Run ``bot post`` with X faulting (``hold``: created, never answered; ``stall``: never
    received) on post ``position``, SIGKILL it there, then let X go on."""
    x.fault_on_create(position, fault)
    process = post_process(db_path, env)
    assert x.arrived.wait(60), process.communicate(timeout=5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    x.release()


def errors(result) -> list[str]:
    """The error lines ``bot`` printed (log lines go to stderr too)."""
    return [line for line in result.stderr.splitlines() if line.startswith("Error:")]


def outbox(db) -> list[dict]:
    return list(db.query("select * from outbox where platform = 'x' order by position"))


def assert_one_thread(x: XPostingServer, shown: list[dict]) -> list:
    """X holds exactly the previewed thread, once, each post replying to the one before."""
    assert len(x.tweets) == len(shown)
    chain = x.chain(x.tweets[0].id)
    assert [t.submitted for t in chain] == [p["text"] for p in shown]
    assert [x.expanded(t) for t in chain] == [unicodedata.normalize("NFC", p["text"]) for p in shown]
    for previous, tweet in itertools.pairwise(chain):
        assert tweet.in_reply_to == previous.id
        assert tweet.conversation_id == chain[0].id
    assert chain[0].in_reply_to is None
    return chain


# -- a whole issue ------------------------------------------------------------------------------
def test_a_whole_issue_is_posted_as_previewed_and_a_rerun_makes_no_request(cli_run, x, env, shown, db):
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output

    n = len(shown)
    assert n == 7  # opening, five stories, closing
    chain = assert_one_thread(x, shown)
    # X stores and returns every link as t.co; the first post's link was the issue's URL.
    assert ISSUE_URL not in chain[0].text and "https://t.co/" in chain[0].text
    assert chain[0].urls[0]["expanded_url"] == ISSUE_URL
    # One request per post: the account id comes from the access token, nothing is read.
    assert x.endpoint_counts() == {"POST /2/tweets": n}
    assert f"x: posted {n}/{n} ({n} new, {n} requests) https://x.com/i/status/{chain[0].id}" in result.stdout
    rows = outbox(db)
    assert [r["remote_id"] for r in rows] == [t.id for t in chain]
    assert {r["state"] for r in rows} == {"sent"} and {r["attempts"] for r in rows} == {1}
    assert rows[0]["account"] == x.credentials.user_id

    status = cli_run("status")
    assert status.exit_code == 0, status.output
    assert f"x        posted       {n}/{n} sent" in status.stdout
    assert f"https://x.com/i/status/{chain[0].id}" in status.stdout

    before = len(x.requests)
    again = post(cli_run, env)
    assert again.exit_code == 0, again.output
    assert f"x: posted {n}/{n} (0 new, 0 requests)" in again.stdout
    assert len(x.requests) == before


# -- crashes -------------------------------------------------------------------------------------
@pytest.mark.parametrize("k", [0, 3, 6])  # the first, a middle and the last post
def test_killed_after_post_k_then_rerun_posts_the_thread_exactly_once(x, env, shown, db_path, k):
    """SIGKILL while X holds post k+1's answer: it was created, the client never heard."""
    kill_while_x_holds(x, db_path, env, k + 1, "hold")

    from bot.db import open_db

    db = open_db(db_path)
    n = len(shown)
    assert [r["state"] for r in outbox(db)] == ["sent"] * k + ["sending"] + ["pending"] * (n - k - 1)
    assert len(x.tweets) == k + 1
    requests_before = dict(x.endpoint_counts())

    rerun = post_process(db_path, env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"x: posted {n}/{n} ({n - k} new, {n - k} requests)" in out
    chain = assert_one_thread(x, shown)
    assert [r["remote_id"] for r in outbox(db)] == [t.id for t in chain]
    counts = x.endpoint_counts()
    # The rerun read the timeline once (found post k+1) and sent only the rest.
    assert counts["GET /2/users/:id/tweets"] == 1
    assert counts["POST /2/tweets"] - requests_before["POST /2/tweets"] == n - k - 1
    assert x.refused == []


def test_killed_before_x_received_the_post_sends_it_once(x, env, shown, db_path, no_grace):
    """The held request never reached X: the rerun looks, finds nothing, and sends it."""
    kill_while_x_holds(x, db_path, env, 3, "stall")
    assert len(x.tweets) == 2

    rerun = post_process(db_path, env)
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert_one_thread(x, shown)
    assert x.endpoint_counts()["GET /2/users/:id/tweets"] == 1
    assert x.refused == []


# -- uncertain outcomes --------------------------------------------------------------------------
@pytest.mark.parametrize("fault", ["late", "drop", "500"])
def test_created_but_unconfirmed_is_reconciled_not_resent(cli_run, x, env, shown, db, fault):
    """A timeout (the answer came after the client gave up), a dropped connection, a 500:
    X did create the post; the same run finds it on the account and carries on."""
    x.fault_on_create(3, fault)
    result = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert result.exit_code == 0, result.output
    n = len(shown)
    assert f"x: posted {n}/{n} ({n} new, {n + 1} requests)" in result.stdout
    assert_one_thread(x, shown)
    assert x.endpoint_counts() == {"POST /2/tweets": n, "GET /2/users/:id/tweets": 1}
    third = outbox(db)[2]
    events = [r["to_state"] for r in db.query(
        "select to_state from outbox_events where outbox_id = ? order by id", [third["id"]])]
    assert events == ["sending", "unknown", "sent"]
    assert third["attempts"] == 1


def test_a_timeline_that_lags_leaves_the_post_unknown_and_the_next_run_finds_it(cli_run, x, env, shown, db):
    x.timeline_lag = 1  # the new post is not in the first timeline read after it
    x.fault_on_create(3, "late")
    first = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert first.exit_code == 1
    assert "not on the account yet (timelines lag); it is never sent twice: run bot post again after" in first.stderr
    assert [r["state"] for r in outbox(db)][:4] == ["sent", "sent", "unknown", "pending"]
    assert len(x.tweets) == 3

    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert_one_thread(x, shown)
    assert x.endpoint_counts()["POST /2/tweets"] == len(shown)  # post 3 was never sent again


def test_a_503_that_created_nothing_is_sent_once_on_the_next_run(cli_run, x, env, shown, db, no_grace):
    x.fault_on_create(3, "503")
    first = post(cli_run, env)
    assert first.exit_code == 1
    assert "X did not confirm post 3/7" in first.stderr
    assert outbox(db)[2]["state"] == "unknown"
    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert_one_thread(x, shown)
    assert outbox(db)[2]["attempts"] == 2


def test_a_rate_limited_timeline_read_sends_nothing_and_the_next_run_resumes(cli_run, x, env, shown, db, clock):
    """Reconciliation must read before anything is sent: a 429 on that read stops the run."""
    x.fault_on_create(3, "late")
    reset = int(clock()) + 600
    x.fault("GET", f"/2/users/{x.credentials.user_id}/tweets", Reply(
        status=429, body=TOO_MANY,
        headers={"x-rate-limit-limit": "900", "x-rate-limit-remaining": "0", "x-rate-limit-reset": str(reset)}))
    first = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert first.exit_code == 1
    (line,) = errors(first)
    assert "X did not confirm post 3/7" in line
    assert line.endswith(f"X's 15-minute rate limit reached reading the account's recent posts; nothing "
                         f"is sent before it is read: run bot post again after {utc_iso(reset)}")
    assert [r["state"] for r in outbox(db)][:4] == ["sent", "sent", "unknown", "pending"]
    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert_one_thread(x, shown)
    assert x.endpoint_counts() == {"POST /2/tweets": len(shown), "GET /2/users/:id/tweets": 2}


# -- rate limits ---------------------------------------------------------------------------------
@pytest.mark.parametrize("limit", ["window", "cap"])
def test_a_429_names_when_to_resume_keeps_the_thread_and_a_later_run_finishes_it(
    cli_run, x, env, shown, db, clock, limit
):
    n = len(shown)
    if limit == "window":
        x.post_limit = 5
        reset = (int(clock()) // 900 + 1) * 900
        which = "X's 15-minute rate limit"
    else:
        x.daily_cap = 5
        reset = int(clock()) + DAY  # the first post of the day leaves the 24-hour window
        which = "X's 24-hour posting limit"
    stopped_at = 6
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    assert line == (
        f"Error: x: {which} reached at post {stopped_at}/{n} of issue {outbox(db)[0]['issue_key']} "
        f"({stopped_at - 1} sent, kept); run bot post again after {utc_iso(reset)} to finish the thread"
    )
    rows = outbox(db)
    assert [r["state"] for r in rows] == ["sent"] * (stopped_at - 1) + ["pending"] * (n - stopped_at + 1)
    assert utc_iso(reset) in rows[stopped_at - 1]["last_error"]
    status = cli_run("status")
    assert f"{stopped_at - 1}/{n} sent" in status.stdout and utc_iso(reset) in status.stdout

    early = post(cli_run, env)  # before the reset: refused again, nothing sent, nothing lost
    assert early.exit_code == 1 and utc_iso(reset) in early.stderr
    assert len(x.tweets) == stopped_at - 1

    clock.now = reset
    later = post(cli_run, env)
    assert later.exit_code == 0, later.output
    assert f"x: posted {n}/{n} ({n - stopped_at + 1} new" in later.stdout
    chain = assert_one_thread(x, shown)
    assert chain[stopped_at - 1].in_reply_to == rows[stopped_at - 2]["remote_id"]
    assert "GET /2/users/:id/tweets" not in x.endpoint_counts()  # nothing was uncertain


def test_a_parent_deleted_on_x_before_the_resume_fails_the_next_post_clearly(cli_run, x, env, shown, db, clock):
    x.daily_cap = 3
    assert post(cli_run, env).exit_code == 1
    x.delete(x.tweets[-1].id)  # post 3 deleted by hand while the thread waited
    clock.now += DAY
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    assert line.startswith("Error: x: X refused post 4/7 of issue ")
    assert line.endswith("403 Forbidden You attempted to reply to a Tweet that is deleted or not visible to you.")
    assert [r["state"] for r in outbox(db)][2:5] == ["sent", "failed", "pending"]
    assert len(x.tweets) == 2


# -- duplicate content ---------------------------------------------------------------------------
def test_duplicate_content_for_a_post_of_ours_is_reconciled_to_sent(cli_run, x, env, shown, db, no_grace):
    """Post 3 was created but the timeline hid it twice; the resend is refused as duplicate
    content, and only finding it on the account makes it sent."""
    x.timeline_lag = 2
    x.fault_on_create(3, "late")
    first = post(cli_run, {**env, "BOT_HTTP_TIMEOUT": "0.5"})
    x.release()
    assert first.exit_code == 1
    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert x.refused == [(shown[2]["text"], 403)]
    chain = assert_one_thread(x, shown)
    third = outbox(db)[2]
    assert third["remote_id"] == chain[2].id and third["attempts"] == 2
    events = [r["to_state"] for r in db.query(
        "select to_state from outbox_events where outbox_id = ? order by id", [third["id"]])]
    assert events == ["sending", "unknown", "pending", "sending", "unknown", "sent"]


def test_duplicate_content_not_on_the_thread_stops_with_a_clear_error(cli_run, x, env, shown, db, no_grace):
    """The closing post's text was already posted on its own (an earlier issue's thread, by
    hand): X refuses it as a duplicate, it is not in this thread, so it is not sent; it stays
    unknown (never failed: a duplicate refusal says the text exists) and is never sent again."""
    earlier = x.add_tweet(shown[-1]["text"])
    n = len(shown)
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = errors(result)
    parent = outbox(db)[n - 2]["remote_id"]
    assert f"post {n}/{n} of issue" in line
    assert ("as duplicate content, and 0 s later the account still has no such post as a "
            f"reply to {parent}: the same text was posted elsewhere; it is kept unknown and never "
            "sent again") in line
    rows = outbox(db)
    assert [r["state"] for r in rows] == ["sent"] * (n - 1) + ["unknown"]
    assert "duplicate content" in rows[-1]["last_error"]
    assert len(x.tweets) == n  # the earlier one and seven of ours: never "sent" by assumption
    assert all(t.id != rows[-1]["remote_id"] for t in x.tweets) and rows[-1]["remote_id"] is None
    assert x.refused == [(shown[-1]["text"], 403)]
    assert earlier in x.tweets

    status = cli_run("status")
    assert "in progress" in status.stdout and "duplicate content" in status.stdout
    creates = x.endpoint_counts()["POST /2/tweets"]
    again = post(cli_run, env)  # looks again (one read), sends nothing
    assert again.exit_code == 1 and "never sent again" in again.stderr
    assert x.endpoint_counts()["POST /2/tweets"] == creates


# -- credentials -----------------------------------------------------------------------------------
def test_a_401_keeps_the_post_pending_and_names_the_credentials(cli_run, x, env, shown, db):
    result = post(cli_run, {**env, "X_API_SECRET": "not-the-secret"})
    assert result.exit_code == 1
    assert "401 Unauthorized" in result.stderr
    assert "check X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN and X_ACCESS_TOKEN_SECRET" in result.stderr
    assert {r["state"] for r in outbox(db)} == {"pending"}
    assert x.tweets == []
    fixed = post(cli_run, env)
    assert fixed.exit_code == 0, fixed.output
    assert_one_thread(x, shown)


# -- two processes -----------------------------------------------------------------------------------
@pytest.mark.parametrize("overlap", ["race", "held"])
def test_two_processes_started_together_post_one_thread(x, env, shown, db_path, overlap):
    """``race``: both launched at once, whatever happens. ``held``: the first create is held,
    so the lease holder is mid-thread while the other one tries."""
    if overlap == "held":
        x.fault_on_create(1, "hold")
    processes = [post_process(db_path, env) for _ in range(2)]
    if overlap == "held":
        assert x.arrived.wait(60)
        loser = None
        while loser is None:  # one of them cannot take the lease and exits
            for process in processes:
                try:
                    process.wait(timeout=0.05)
                    loser = process
                except subprocess.TimeoutExpired:
                    pass
        x.release()
    outcomes = [p.communicate(timeout=120) + (p.returncode,) for p in processes]
    assert any(code == 0 for _, _, code in outcomes), outcomes
    for out, err, code in outcomes:
        assert code == 0 or "is posting issue" in err, (out, err)
    if overlap == "held":
        assert sorted(code for _, _, code in outcomes) == [0, 1]
    assert_one_thread(x, shown)
    assert x.refused == []
