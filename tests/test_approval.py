"""The approval gate as the author meets it: bot run --once with [run] require_approval posts
nothing until bot approve; bot status names each issue's state on the way; without the gate,
approving skips the rest of the review window. A feed on loopback, the fake X."""

from __future__ import annotations

import datetime as dt
import json
import sys

import pytest

from tests.fakes.x_posting import XPostingServer
from tests.support.feeds import FeedServer

EDITED = "Hand-written: lab robots that plan their own experiments https://arxiv.org/abs/2501.00002 2/4"

EDITOR = """\
import os, sys
path = sys.argv[-1]
text = open(path, encoding="utf-8").read()
head = next(l for l in text.splitlines() if l.startswith("--- x 2/4"))
start = text.index(head) + len(head) + 1
end = text.index("\\n\\n--- x 3/4")
open(path, "w", encoding="utf-8").write(text[:start] + os.environ["DRAFT_REPLACEMENT"] + text[end:])
"""


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server
        server.check()


@pytest.fixture
def feed(http_server) -> FeedServer:
    return FeedServer(http_server)


@pytest.fixture
def bot(cli_run, tmp_path, feed, x):
    """``bot`` in a directory whose bot.toml reads the loopback feed and posts to the fake X."""

    def configure(*, require_approval: bool, review: str = "0s") -> None:
        (tmp_path / "bot.toml").write_text(
            f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nplatforms = ["x"]\n'
            f'review_delay = "{review}"\n[compose]\nhighlights = 2\n'
            f"[run]\nrequire_approval = {'true' if require_approval else 'false'}\n", encoding="utf-8")

    env = {**x.credentials.env(x.base_url), "BOT_HTTP_TIMEOUT": "5"}

    def run(*args: str, extra_env: dict[str, str] | None = None):
        return cli_run(*args, env={**env, **(extra_env or {})})

    run.configure = configure
    return run


def issue_line(status_output: str, number: int) -> str:
    section = status_output.split("\nIssues", 1)[1].split("\nJobs:", 1)[0]
    (line,) = [l.strip() for l in section.splitlines() if l.strip().startswith(f"#{number} ")]
    return line


def test_require_approval_posts_nothing_until_bot_approve(bot, feed, x, tmp_path):
    bot.configure(require_approval=True)
    feed.publish(1, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    assert bot("run", "--once").exit_code == 0  # first start: #1 is the back catalogue
    feed.publish(2, dt.datetime.now(dt.UTC))
    result = bot("run", "--once")
    assert result.exit_code == 0, result.output
    assert "entries=2 new=1 backlog=0" in result.stdout
    assert "due=0 posted=0 failed=0 awaiting_approval=1" in result.stdout
    status = bot("status").stdout
    assert "Issues (approval required):" in status
    assert issue_line(status, 2).endswith(": new · waits for approval (bot approve 2)")
    for _ in range(2):  # the review window ("0s") has long passed: still nothing
        assert "due=0 posted=0" in bot("run", "--once").stdout
    assert x.tweets == []

    script = tmp_path / "editor.py"
    script.write_text(EDITOR, encoding="utf-8")
    edit = bot("draft", "--edit", "2", extra_env={"EDITOR": f"{sys.executable} {script}", "VISUAL": "",
                                                  "DRAFT_REPLACEMENT": EDITED})
    assert edit.exit_code == 0, edit.output
    assert issue_line(bot("status").stdout, 2).endswith(": drafted · waits for approval (bot approve 2)")
    assert "due=0 posted=0" in bot("run", "--once").stdout and x.tweets == []

    approved = bot("approve", "2")
    assert approved.exit_code == 0, approved.output
    assert approved.stdout.startswith("approved issue #2: bot run posts the stored draft saved ")
    assert issue_line(bot("status").stdout, 2).endswith(": approved · posts at bot run's next check")
    (row,) = [r for r in json.loads(bot("status", "--format", "json").stdout)["issues"] if r["number"] == 2]
    assert row["state"] == "approved" and row["drafted_at"] and row["approved_at"]
    result = bot("run", "--once")
    assert "due=1 posted=1 failed=0 awaiting_approval=0" in result.stdout, result.output
    (root,) = [t for t in x.tweets if t.in_reply_to is None]
    texts = [t.submitted for t in x.chain(root.id)]
    assert len(texts) == 4 and texts[1] == EDITED and texts[0].startswith("ML4Sci #2:")
    assert issue_line(bot("status").stdout, 2).endswith(": posted · 4/4 posts sent")
    assert "due=0" in bot("run", "--once").stdout and len(x.tweets) == 4  # once only


def test_a_new_draft_withdraws_the_approval(bot, feed, x, tmp_path):
    bot.configure(require_approval=True)
    assert bot("run", "--once").exit_code == 0
    feed.publish(3, dt.datetime.now(dt.UTC))
    assert bot("run", "--once").exit_code == 0
    path = tmp_path / "d.txt"
    assert bot("draft", "3", "-o", str(path)).exit_code == 0
    assert bot("approve", "3").exit_code == 0
    text = path.read_text(encoding="utf-8")
    head = next(l for l in text.splitlines() if l.startswith("--- x 2/4"))
    body = text.split(head + "\n", 1)[1].split("\n\n--- ", 1)[0]
    path.write_text(text.replace(body, EDITED), encoding="utf-8")
    result = bot("draft", "--apply", str(path))
    assert result.stdout.splitlines()[1] == "its approval is withdrawn (the text changed): bot approve 3 again"
    assert issue_line(bot("status").stdout, 3).endswith(": drafted · waits for approval (bot approve 3)")
    assert "due=0" in bot("run", "--once").stdout and x.tweets == []


def test_hold_wins_over_the_window_and_approve_lifts_it(bot, feed, x):
    bot.configure(require_approval=False, review="2h")
    assert bot("run", "--once").exit_code == 0
    feed.publish(4, dt.datetime.now(dt.UTC))
    assert bot("run", "--once").exit_code == 0
    line = issue_line(bot("status").stdout, 4)
    assert ": new · posts after " in line and "(bot hold 4 keeps it)" in line
    assert bot("hold", "4").exit_code == 0
    assert issue_line(bot("status").stdout, 4).endswith(": held · held until bot release 4 or bot approve 4")
    assert bot("approve", "4").exit_code == 0  # approving is the go: no need to wait the 2 hours
    assert "due=1 posted=1" in bot("run", "--once").stdout
    assert len(x.tweets) == 4


def test_approve_refuses_a_posted_or_unknown_issue(bot, feed, x):
    bot.configure(require_approval=False)
    assert bot("run", "--once").exit_code == 0
    feed.publish(5, dt.datetime.now(dt.UTC))
    assert "posted=1" in bot("run", "--once").stdout
    result = bot("approve", "5")
    assert result.exit_code == 1 and result.output == (
        "Error: issue 5 is already posted; there is nothing to approve\n")
    result = bot("approve", "99")
    assert result.output.startswith("Error: unknown issue '99': bot has not seen it")
