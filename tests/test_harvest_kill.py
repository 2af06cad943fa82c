"""``bot harvest`` killed with SIGKILL mid-run: the rerun completes, no duplicates, no corruption."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading

from tests.conftest import ROOT
from tests.fakes.x_server import XServer, synthetic_tweets

TOML = """
[[sources]]
name = "x-ml"
platform = "x"
search = "machine learning materials"
limit = 10000
"""


def _bot(tmp_path, server, *args):
    env = {
        **os.environ, "X_BEARER_TOKEN": "x-token", "X_API_BASE_URL": server.base_url,
        "BOT_CONFIG": str(tmp_path / "bot.toml"), "PYTHONPATH": str(ROOT),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "bot", "--db", str(tmp_path / "bot.db"), "harvest", *args],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _query(path, sql):
    with sqlite3.connect(path) as conn:
        return conn.execute(sql).fetchall()


def test_sigkill_while_a_response_is_held_then_rerun(tmp_path):
    (tmp_path / "bot.toml").write_text(TOML, encoding="utf-8")
    tweets, users = synthetic_tweets(500)
    release = threading.Event()
    with XServer() as server:
        pages = server.serve_tweets("/2/tweets/search/recent", tweets, users=users)

        def hold_the_fourth_page(request):
            reply = pages(request)
            if request.query.get("next_token") == "p300" and not release.is_set():
                reply.hold = release
            return reply

        server.routes[-1].handler = hold_the_fourth_page
        killed = _bot(tmp_path, server)
        try:
            assert server.arrived.wait(60), killed.communicate(timeout=5)
            killed.send_signal(signal.SIGKILL)
            killed.wait(30)
        finally:
            release.set()
        assert killed.returncode == -signal.SIGKILL

        db = tmp_path / "bot.db"
        assert _query(db, "PRAGMA integrity_check") == [("ok",)]
        assert _query(db, "SELECT count(*) FROM posts") == [(300,)]
        assert _query(db, "SELECT state FROM harvest_state") == [
            (f'{{"newest_id": "{tweets[0]["id"]}", "next_token": "p300", "since_id": null}}',)]
        assert _query(db, "SELECT status, finished_at FROM harvest_runs") == [("running", None)]

        rerun = _bot(tmp_path, server)
        out, err = rerun.communicate(timeout=60)

    assert rerun.returncode == 0, err
    row = out.splitlines()[1].split()  # ... reads, cost (X's reads are priced), status
    assert row[:6] + row[-1:] == ["x-ml", "x", "200", "200", "2", "0", "ok"] and len(row) == 9
    assert _query(db, "PRAGMA integrity_check") == [("ok",)]
    assert _query(db, "SELECT count(*), count(DISTINCT id) FROM posts") == [(500, 500)]
    assert _query(db, "SELECT count(*) FROM links") == [(500,)]
    assert _query(db, "SELECT state FROM harvest_state") == [(f'{{"since_id": "{tweets[0]["id"]}"}}',)]
    assert _query(db, "SELECT status FROM harvest_runs ORDER BY id") == [("interrupted",), ("ok",)]
    assert [r.query.get("next_token") for r in server.requests] == [None, "p100", "p200", "p300", "p300", "p400"]

