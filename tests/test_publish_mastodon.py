"""Posting to Mastodon exactly once: the real Mastodon.py over HTTP against the fake instance.

``bot post`` runs in-process (CliRunner) and as a subprocess (to SIGKILL it mid-thread). What
the instance holds is asserted on the fake's stored statuses: how many, their texts as
submitted, and the reply chain.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys

import pytest

from bot.platforms.mastodon.publish import idempotency_key
from tests.conftest import ROOT, SAMPLE_ISSUE
from tests.fakes.common import FakeClock
from tests.fakes.mastodon_server import TOKEN, WINDOW, MastodonServer, iso_z

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def mastodon(clock):
    with MastodonServer(clock=clock) as server:
        yield server
        server.check()


@pytest.fixture
def env(mastodon) -> dict[str, str]:
    return {**mastodon.env(), "BOT_HTTP_TIMEOUT": "5"}


@pytest.fixture
def shown(cli_run) -> list[dict]:
    """The Mastodon thread exactly as ``bot preview --format json`` shows it."""
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "mastodon",
                     "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["threads"]["mastodon"]


def post(cli_run, env: dict[str, str]):
    return cli_run("post", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "mastodon", "--yes", env=env)


def post_process(db_path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(db_path), "post", str(SAMPLE_ISSUE), "--url",
         ISSUE_URL, "--platform", "mastodon", "--yes"],
        cwd=db_path.parent, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def outbox(db) -> list[dict]:
    return list(db.query("select * from outbox where platform = 'mastodon' order by position"))


def assert_one_thread(mastodon: MastodonServer, shown: list[dict]) -> list:
    """The instance holds exactly the previewed thread, once, each status replying to the one before."""
    assert len(mastodon.statuses) == len(shown)
    chain = mastodon.chain()
    assert [s.text for s in chain] == [p["text"] for p in shown]
    for previous, status in itertools.pairwise(chain):
        assert status.in_reply_to == previous.id
    assert chain[0].in_reply_to is None
    return chain


def kill_while_held(mastodon: MastodonServer, db_path, env, *, at: int) -> None:
    mastodon.fault_on_create(at, "hold")
    process = post_process(db_path, env)
    assert mastodon.arrived.wait(60), process.communicate(timeout=5)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    mastodon.release()


def test_preview_json_has_the_mastodon_thread_counted_with_urls_at_23(shown):
    opening = shown[0]
    assert ISSUE_URL in opening["text"] and opening["limit"] == 500
    # 23 for the URL, whatever its length; every other character once.
    assert opening["length"] == len(opening["text"]) - len(ISSUE_URL) + 23
    assert opening["links"] == [ISSUE_URL] and "facets" not in opening


def test_a_whole_issue_is_posted_as_previewed_and_a_rerun_makes_no_request(cli_run, mastodon, env, shown, db):
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    n = len(shown)
    chain = assert_one_thread(mastodon, shown)
    account = "mastodonpy_test@localhost:3000"  # user@instance, from the recorded account's URL
    # Each status carried its own key, derived from (issue, account, position).
    issue_key = outbox(db)[0]["issue_key"]
    assert mastodon.keys_seen == [idempotency_key(issue_key, account, p) for p in range(n)]
    assert len(set(mastodon.keys_seen)) == n
    assert {s.body["visibility"] for s in chain} == {"public"} and {s.body["language"] for s in chain} == {"en"}
    # The account, the instance's limits, then one request per status.
    assert mastodon.endpoint_counts() == {"GET /api/v1/accounts/verify_credentials": 1,
                                          "GET /api/v2/instance": 1, "POST /api/v1/statuses": n}
    assert f"mastodon: posted {n}/{n} ({n} new, {n + 2} requests) {chain[0].body['url']}" in result.stdout
    rows = outbox(db)
    assert [r["remote_id"] for r in rows] == [s.id for s in chain]
    assert {r["state"] for r in rows} == {"sent"} and rows[0]["account"] == account

    before = len(mastodon.requests)
    again = post(cli_run, env)
    assert again.exit_code == 0, again.output
    assert f"mastodon: posted {n}/{n} (0 new" in again.stdout
    assert len(mastodon.requests) == before + 1  # only the account is read, to find the outbox rows


def test_visibility_comes_from_bot_toml(cli_run, mastodon, env, shown, tmp_path):
    (tmp_path / "bot.toml").write_text('[mastodon]\nvisibility = "unlisted"\n', encoding="utf-8")
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    assert {s.body["visibility"] for s in mastodon.statuses} == {"unlisted"}


def test_killed_with_status_3_created_but_unanswered_the_rerun_posts_the_thread_once(mastodon, env, shown, db_path):
    """Within the key's lifetime the rerun sends status 3 again with its key: the instance
    answers with the status it already made, and nothing is made twice."""
    kill_while_held(mastodon, db_path, env, at=3)
    from bot.db import open_db

    db = open_db(db_path)
    n = len(shown)
    assert [r["state"] for r in outbox(db)] == ["sent", "sent", "sending"] + ["pending"] * (n - 3)
    assert len(mastodon.statuses) == 3

    rerun = post_process(db_path, env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    chain = assert_one_thread(mastodon, shown)
    assert [r["remote_id"] for r in outbox(db)] == [s.id for s in chain]
    assert mastodon.keys_seen[2] == mastodon.keys_seen[3]  # status 3 twice, with one key
    assert mastodon.creates == n + 1 and mastodon.refused == []
    assert "GET /api/v1/accounts/:id/statuses" not in mastodon.endpoint_counts()


def test_past_the_keys_lifetime_the_rerun_finds_status_3_on_the_account(mastodon, env, shown, db_path, clock):
    """Two hours later the instance has forgotten the key: the rerun reads the account's own
    statuses, finds status 3 replying to status 2, and sends only the rest."""
    kill_while_held(mastodon, db_path, env, at=3)
    from bot.db import open_db

    db = open_db(db_path)
    clock.now += 7200
    db.execute("UPDATE outbox SET updated_at = '2000-01-01T00:00:00Z' WHERE platform = 'mastodon' AND state = 'sending'")
    db.conn.commit()

    rerun = post_process(db_path, env)
    _out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert_one_thread(mastodon, shown)
    assert mastodon.endpoint_counts()["GET /api/v1/accounts/:id/statuses"] == 1
    assert mastodon.creates == len(shown)  # status 3 was never sent again


def test_a_429_names_the_reset_time_keeps_the_thread_and_a_later_run_finishes_it(cli_run, mastodon, env, shown, db, clock):
    n = len(shown)
    mastodon.post_limit = 4
    reset = (int(clock()) // WINDOW + 1) * WINDOW
    result = post(cli_run, env)
    assert result.exit_code == 1
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
    expected_at = iso_z(reset).replace(".000Z", "Z")
    assert line == (f"Error: mastodon: Mastodon's rate limit reached at post 5/{n} of issue "
                    f"{outbox(db)[0]['issue_key']} (4 sent, kept); run bot post again after "
                    f"{expected_at} to finish the thread")
    assert [r["state"] for r in outbox(db)] == ["sent"] * 4 + ["pending"] * (n - 4)

    clock.now = reset + 1
    later = post(cli_run, env)
    assert later.exit_code == 0, later.output
    assert_one_thread(mastodon, shown)


def test_a_dropped_answer_is_found_on_the_account_in_the_same_run_not_resent(cli_run, mastodon, env, shown, db):
    """Status 2 was made but the connection closed before the answer: the run looks at the
    account's statuses before deciding, finds it, and carries on."""
    mastodon.fault_on_create(2, "drop")
    result = post(cli_run, env)
    assert result.exit_code == 0, result.output
    assert_one_thread(mastodon, shown)
    assert mastodon.creates == len(shown)
    assert mastodon.endpoint_counts()["GET /api/v1/accounts/:id/statuses"] == 1
    second = outbox(db)[1]
    events = [r["to_state"] for r in db.query(
        "select to_state from outbox_events where outbox_id = ? order by id", [second["id"]])]
    assert events == ["sending", "unknown", "sent"]


def test_a_503_that_made_nothing_is_sent_once_on_the_next_run(cli_run, mastodon, env, shown, db):
    mastodon.fault_on_create(3, "503")
    first = post(cli_run, env)
    assert first.exit_code == 1
    assert "Mastodon did not confirm post 3/" in first.stderr and "not on the account yet" in first.stderr
    assert outbox(db)[2]["state"] == "unknown"
    second = post(cli_run, env)
    assert second.exit_code == 0, second.output
    assert_one_thread(mastodon, shown)


def test_an_instance_with_a_lower_limit_stops_before_anything_is_sent(cli_run, mastodon, env, shown, db):
    mastodon.max_characters = 300
    result = post(cli_run, env)
    assert result.exit_code == 1
    assert "of the Mastodon thread for issue" in result.stderr
    assert "allows 300 characters (every URL counts 23): nothing was sent" in result.stderr
    assert mastodon.statuses == [] and {r["state"] for r in outbox(db)} == {"pending"}


def test_a_wrong_token_is_one_line_naming_the_variable_and_never_shown(cli_run, mastodon, env, db_path):
    bad = "not-the-token-0123456789"
    result = post(cli_run, {**env, "MASTODON_ACCESS_TOKEN": bad})
    assert result.exit_code == 1
    assert "could not read the account on Mastodon: 401" in result.stderr
    assert bad not in result.output and TOKEN not in result.output
    assert bad.encode() not in db_path.read_bytes()


def test_the_token_reaches_no_output_log_or_database_file(mastodon, env, shown, db_path):
    """--debug logs every request Mastodon.py makes; the bearer token is scrubbed from them."""
    mastodon.fault_on_create(2, "drop")  # an uncertain post: its error and reconciliation are logged too
    argv = [sys.executable, "-m", "bot", "--debug", "--db", str(db_path), "post", str(SAMPLE_ISSUE),
            "--url", ISSUE_URL, "--platform", "mastodon", "--yes"]
    done = subprocess.run(argv, cwd=db_path.parent, env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    status = subprocess.run([sys.executable, "-m", "bot", "--db", str(db_path), "status"], cwd=db_path.parent,
                            env={**os.environ, **env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True)
    assert "mastodon" in status.stdout
    for text in (done.stdout, done.stderr, status.stdout, status.stderr):
        assert TOKEN not in text
    for path in db_path.parent.glob(db_path.name + "*"):  # the database, its WAL and shared memory
        assert TOKEN.encode() not in path.read_bytes()
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in mastodon.requests)  # it was sent
