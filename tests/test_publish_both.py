"""Posting to both platforms at once: each is independent, and a refused post can be retried."""

from __future__ import annotations

import json

import pytest

from tests.conftest import SAMPLE_ISSUE
from tests.fakes.x_posting import XPostingServer

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server


def args(*platforms: str) -> list[str]:
    out = ["post", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--yes"]
    for platform in platforms:
        out += ["--platform", platform]
    return out


@pytest.mark.network
def test_a_refused_bluesky_login_does_not_stop_the_x_thread(cli_run, x, bsky_network, bsky_account):
    env = {**x.credentials.env(x.base_url), "BLUESKY_HANDLE": bsky_account.handle,
           "BLUESKY_APP_PASSWORD": "not-the-password", "BLUESKY_PDS_URL": bsky_network.pds_url}
    result = cli_run(*args("bluesky", "x"), env=env)
    assert result.exit_code == 1
    assert "x: posted 7/7 (7 new, 7 requests)" in result.stdout
    assert "bluesky: incomplete 0/7" in result.stdout
    (error,) = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert error.startswith(f"Error: bluesky: Bluesky ({bsky_account.handle} on {bsky_network.pds_url}): 401")
    assert error.endswith("(check BLUESKY_HANDLE and BLUESKY_APP_PASSWORD)")
    assert "not-the-password" not in result.output
    assert len(x.tweets) == 7


def test_retry_failed_sends_a_refused_post_once_its_cause_is_gone(cli_run, x, tmp_path):
    (tmp_path / "bot.toml").write_text('[x]\nreconcile_grace = "0s"\n', encoding="utf-8")
    shown = json.loads(cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x",
                               "--format", "json").stdout)["threads"]["x"]
    squatter = x.add_tweet(shown[2]["text"])  # the account posted this text before, elsewhere
    env = x.credentials.env(x.base_url)
    first = cli_run(*args("x"), env=env)
    assert first.exit_code == 1
    assert "x: incomplete 2/7 (2 new" in first.stdout
    again = cli_run(*args("x"), env=env)
    assert again.exit_code == 1
    assert "the same text was posted elsewhere" in again.stderr
    assert "delete the other post, then bot post --retry-failed" in again.stderr
    x.delete(squatter.id)  # the author removes the old post
    retried = cli_run(*args("x") + ["--retry-failed"], env=env)
    assert retried.exit_code == 0, retried.output
    assert "x: posted 7/7 (5 new" in retried.stdout
    assert len(x.tweets) == 7
    chain = x.chain(x.tweets[0].id)
    assert [x.expanded(t) for t in chain] == [post["text"] for post in shown]
