"""Secrets never appear in output, logs or the database.

Every credential is a distinctive string containing ``sekrit``. ``bot`` runs as a subprocess
with ``--debug`` (debug logs on stderr; there is no log-file option) through the paths that
handle credentials: posting to X and Bluesky, status, harvesting X, Reddit and Bluesky, the
long-running ``bot run`` scheduler (JSON logs, its job store), and failures: a wrong
Bluesky password, a 401 from X on posting and on harvesting. Then every captured stream,
every table of every database (text and blobs) and the raw database files are searched.
"""

from __future__ import annotations

import base64
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.conftest import ROOT, SAMPLE_ISSUE
from tests.fakes.common import Reply
from tests.fakes.reddit_server import RedditServer
from tests.fakes.x_posting import UNAUTHORIZED, Credentials, XPostingServer
from tests.fakes.x_server import synthetic_tweets
from tests.support.feeds import FeedServer
from tests.support.http_server import LoopbackServer

pytestmark = pytest.mark.network

MARKER = "sekrit"
X_CREDENTIALS = Credentials(
    consumer_key="sekrit-xkey-5b1f0e", consumer_secret="sekrit-xsecret-c0ffee",
    access_token="1500000000000000001-sekrit-xtoken-9c2d",
    access_token_secret="sekrit-xtokensecret-d00d",
)
OTHER_SECRETS = {
    "X_BEARER_TOKEN": "sekrit-xbearer-4242",
    "REDDIT_CLIENT_SECRET": "sekrit-redditsecret-77aa",
    "REDDIT_PASSWORD": "sekrit-redditpw-31f0",
}
BSKY_PASSWORD = "sekrit-bskypw-5e5e"
WRONG_BSKY_PASSWORD = "sekrit-wrongbskypw-0b0b"
WRONG_X_SECRET = "sekrit-wrongxsecret-ffee"
REDDIT_CLIENT_ID = "reddit-client-id"

HARVEST_TOML = """
[[sources]]
name = "x-ml"
platform = "x"
search = "machine learning materials"

[[sources]]
name = "reddit-new"
platform = "reddit"
subreddit = "askreddit"

[[sources]]
name = "bsky-ml4sci"
platform = "bluesky"
search = "ML4Sci"
"""


@dataclass
class Run:
    name: str
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def every_secret() -> list[str]:
    """Each secret and the forms it could leak in: URL-encoded, Reddit's basic-auth header."""
    values = [*X_CREDENTIALS.env("").values(), *OTHER_SECRETS.values(), BSKY_PASSWORD,
              WRONG_BSKY_PASSWORD, WRONG_X_SECRET]
    values = [v for v in values if MARKER in v]
    values.append(X_CREDENTIALS.access_token.split("-", 1)[1])  # the token without the user id
    values += [quote(v, safe="") for v in values]
    values.append(base64.b64encode(
        f"{REDDIT_CLIENT_ID}:{OTHER_SECRETS['REDDIT_CLIENT_SECRET']}".encode()).decode())
    return sorted(set(values))


class Scenario:
    """Runs ``bot`` in a clean directory with the secrets in its environment."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.runs: list[Run] = []
        self.databases: list[Path] = []
        self.x_tweets = 0

    def db(self, name: str) -> Path:
        path = self.workdir / f"{name}.db"
        if path not in self.databases:
            self.databases.append(path)
        return path

    def bot(self, name: str, db: str, *args: str, **env: str) -> Run:
        argv = [sys.executable, "-m", "bot", "--debug", "--db", str(self.db(db)), *args]
        done = subprocess.run(argv, check=False, cwd=self.workdir, env={**self.env, **env},
                              capture_output=True, text=True, timeout=180)
        run = Run(name, tuple(args), done.returncode, done.stdout, done.stderr)
        self.runs.append(run)
        return run

    def by_name(self, name: str) -> Run:
        return next(r for r in self.runs if r.name == name)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory, bsky_network):
    workdir = tmp_path_factory.mktemp("secrets")
    account = bsky_network.create_account("sec", password=BSKY_PASSWORD)
    with XPostingServer(credentials=X_CREDENTIALS) as x, RedditServer() as reddit, \
            LoopbackServer() as http:
        tweets, users = synthetic_tweets(30)
        x.serve_tweets("/2/tweets/search/recent", tweets, users=users)
        reddit.serve_cassette("TestSubredditListings.test_new.json")
        env = {
            **os.environ, "PYTHONPATH": str(ROOT), **X_CREDENTIALS.env(x.base_url), **OTHER_SECRETS,
            "BLUESKY_HANDLE": account.handle, "BLUESKY_APP_PASSWORD": BSKY_PASSWORD,
            "BLUESKY_PDS_URL": bsky_network.pds_url, "REDDIT_BASE_URL": reddit.base_url,
            "REDDIT_CLIENT_ID": REDDIT_CLIENT_ID, "REDDIT_USER_AGENT": "ml4sci-bot tests",
            "BOT_HTTP_TIMEOUT": "10",
        }
        for variable in ("BOT_DB", "BOT_CONFIG", "BOT_FEED_URL"):
            env.pop(variable, None)
        (workdir / "harvest.toml").write_text(HARVEST_TOML, encoding="utf-8")
        scene = Scenario(workdir, env)
        issue = ("post", str(SAMPLE_ISSUE), "--url", "https://ml4sci.substack.com/p/ml4sci-33", "--yes")

        scene.bot("post", "main", *issue)
        scene.bot("status", "main", "status")
        scene.bot("status-json", "main", "status", "--format", "json")
        scene.bot("harvest", "main", "--config", "harvest.toml", "harvest")
        x.fault("GET", "/2/tweets/search/recent", Reply(status=401, body=UNAUTHORIZED))
        scene.bot("harvest-x-401", "main", "--config", "harvest.toml", "harvest", "--source", "x-ml")
        scene.bot("post-wrong-bsky-password", "wrong-bsky", *issue, "--platform", "bluesky",
                  BLUESKY_APP_PASSWORD=WRONG_BSKY_PASSWORD)
        scene.bot("harvest-wrong-bsky-password", "wrong-bsky", "--config", "harvest.toml", "harvest",
                  "--source", "bsky-ml4sci", BLUESKY_APP_PASSWORD=WRONG_BSKY_PASSWORD)
        scene.bot("post-x-401", "x-401", *issue, "--platform", "x", X_API_SECRET=WRONG_X_SECRET)
        _bot_run(scene, FeedServer(http))
        scene.x_tweets = len(x.tweets)
        yield scene


def _bot_run(scene: Scenario, feed: FeedServer) -> None:
    """The real scheduler with JSON logs: it posts a new issue, then stops on SIGTERM."""
    from bot.db import open_db

    config = scene.workdir / "run.toml"
    config.write_text(
        f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nreview_delay = "0s"\n'
        '[compose]\nhighlights = 2\n[run]\npoll_interval = "1s"\npost_check_interval = "1s"\n',
        encoding="utf-8",
    )
    feed.publish(1, dt.datetime.now(dt.UTC) - dt.timedelta(days=7))
    db_path = scene.db("run")
    argv = [sys.executable, "-m", "bot", "--debug", "--config", str(config), "--db", str(db_path),
            "run", "--log-format", "json"]
    process = subprocess.Popen(argv, cwd=scene.workdir, env=scene.env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not feed.polls and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the child process, not simulating time
        feed.publish(2, dt.datetime.now(dt.UTC))
        status = None
        while status != "posted" and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)
            db = open_db(db_path)
            row = next(db.query("select s.status from schedule s join issues i"
                                " on i.key = s.issue_key where i.number = 2"), None)
            db.close()
            status = row["status"] if row else None
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
    scene.runs.append(Run("run", tuple(argv[2:]), process.returncode, out, err))


# -- the paths ran as intended ---------------------------------------------------------------------
def test_every_path_ran_and_failed_where_it_should(scenario):
    ok = {"post", "status", "status-json", "harvest", "run"}
    for run in scenario.runs:
        assert (run.returncode == 0) == (run.name in ok), (run.name, run.stdout, run.stderr)
    assert "x: posted 7/7" in scenario.by_name("post").stdout
    assert "bluesky: posted" in scenario.by_name("post").stdout
    assert scenario.x_tweets == 7 + 4  # #33 on X, then bot run's issue #2
    assert "x-ml" in scenario.by_name("harvest").stdout and "bsky-ml4sci" in scenario.by_name("harvest").stdout
    assert "401" in scenario.by_name("harvest-x-401").stderr
    assert "401 Unauthorized" in scenario.by_name("post-x-401").stderr
    assert "Invalid identifier or password" in scenario.by_name("post-wrong-bsky-password").stderr
    assert "bsky-ml4sci" in scenario.by_name("harvest-wrong-bsky-password").stdout
    # --debug really logged at debug level, so the logs were there to leak
    assert " DEBUG " in scenario.by_name("post").stderr
    assert '"level": "debug"' in scenario.by_name("run").stderr
    # tweepy's debug log shows the bearer token's header: the log filter masked it
    assert "'Authorization': 'Bearer ***'" in scenario.by_name("harvest").stderr


# -- the searches ------------------------------------------------------------------------------------
@pytest.mark.parametrize("secret", every_secret())
def test_no_secret_in_any_output_or_log(scenario, secret):
    for run in scenario.runs:
        assert secret not in run.stdout, (run.name, "stdout")
        assert secret not in run.stderr, (run.name, "stderr")


def test_no_secret_marker_anywhere_in_output(scenario):
    """Not even part of one (a truncated or re-encoded value still carries the marker)."""
    for run in scenario.runs:
        assert MARKER not in run.stdout + run.stderr, run.name


def test_no_secret_in_any_table(scenario):
    import sqlite3

    tables_seen = set()
    for path in scenario.databases:
        connection = sqlite3.connect(path)
        try:
            names = [r[0] for r in connection.execute(
                "select name from sqlite_master where type = 'table'")]
            for table in names:
                tables_seen.add(table)
                for row in connection.execute(f'select * from "{table}"'):
                    for value in row:
                        text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                        assert MARKER not in text, (path.name, table, text[:200])
        finally:
            connection.close()
    # the tables where a leak would matter were there and filled
    assert {"outbox", "outbox_events", "sessions", "posts", "job_runs", "apscheduler_jobs",
            "issues", "leases"} <= tables_seen


def test_no_secret_in_the_database_files(scenario):
    """Raw bytes, WAL included: free pages keep what a table no longer shows."""
    for path in scenario.databases:
        for file in (path, path.with_name(path.name + "-wal")):
            if file.exists():
                data = file.read_bytes()
                for secret in every_secret():
                    assert secret.encode() not in data, (file.name, secret)
                    assert secret.encode("utf-16-le") not in data, (file.name, secret)
