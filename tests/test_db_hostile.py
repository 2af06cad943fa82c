"""The database and the run lock against hostile conditions (issue 10, cases 5, 6, 8 and 9),
through the CLI: a newer schema, a symlink, a read-only or locked file, a huge issue number,
and bot status's one header per issue.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import FIXTURES, ROOT, SAMPLE_ISSUE
from tests.support.hostile import one_line_error

X_BODY = FIXTURES / "recorded" / "x_v2_examples" / "search_tweets_query.json"


def _bot_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BOT_")}
    return {**env, "PYTHONPATH": str(ROOT)}


def test_a_database_from_a_newer_version_is_refused(hostile_cli, db_path):
    assert hostile_cli("status").exit_code == 0
    connection = sqlite3.connect(db_path)
    connection.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
                       " VALUES ('ml4sci-bot', '0099_from_the_future', '2030-01-01')")
    connection.commit()
    connection.close()
    for command in (["status"], ["post", str(SAMPLE_ISSUE), "--yes"], ["migrate"]):
        result = hostile_cli(*command)
        assert result.exit_code == 1, command
        assert result.output == (
            f"Error: database {db_path} was written by a newer ml4sci-bot (migration "
            "0099_from_the_future is unknown to 0.1.0): upgrade the bot, or use another --db\n"
        )


def test_the_run_lock_holds_through_a_symlink(tmp_path):
    real, link = tmp_path / "r.db", tmp_path / "link.db"
    subprocess.run([sys.executable, "-m", "bot", "--db", str(real), "migrate"], cwd=tmp_path,
                   env=_bot_env(), check=True, capture_output=True)
    link.symlink_to(real)
    first = subprocess.Popen([sys.executable, "-m", "bot", "--db", str(real), "run"], cwd=tmp_path,
                             env=_bot_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        from bot.scheduler import run_lock_held

        deadline = time.monotonic() + 30
        while not run_lock_held(real) and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.05)  # waiting for the child to start, not simulating time
        assert run_lock_held(real) and run_lock_held(link)
        second = subprocess.run([sys.executable, "-m", "bot", "--db", str(link), "run"], cwd=tmp_path,
                                env=_bot_env(), capture_output=True, text=True, timeout=60)
        line = one_line_error(second.stdout + second.stderr, second.returncode)
        assert line.startswith(f"Error: another bot run is already using {link} (pid {first.pid})")
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=60)


@pytest.mark.parametrize("ref", ["99999999999999999999999", "#99999999999999999999999", "²"])
def test_hold_of_an_impossible_issue_number_is_one_line(hostile_cli, ref):
    result = hostile_cli("hold", ref)
    assert result.exit_code == 1
    assert result.output == f"Error: unknown issue {ref.lstrip('#')!r}: bot has not seen it (bot status lists issues)\n"


def _open_read_only(monkeypatch) -> None:
    """From now on SQLite opens every file read-only, as it does a file the user may not write.

    The tests run as root, whom file modes do not stop; SQLite's answer is the same.
    """
    connect = sqlite3.connect

    def read_only(path, *args, **kwargs):
        return connect(f"file:{path}?mode=ro", *args, uri=True, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only)


def test_a_read_only_database_is_one_line(hostile_cli, db_path, monkeypatch):
    assert hostile_cli("status").exit_code == 0
    _open_read_only(monkeypatch)
    for command in (["harvest", "--platform", "x", "--load", str(X_BODY)],):
        result = hostile_cli(*command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"Error: database {db_path} is read-only (")
        assert result.output.endswith("): use a writable file or directory\n")


def test_a_read_only_database_file_is_one_line_for_a_user(hostile_cli, db_path):
    if os.geteuid() == 0:
        pytest.skip("root writes read-only files (test_a_read_only_database_is_one_line covers it)")
    assert hostile_cli("status").exit_code == 0
    db_path.chmod(0o444)
    result = hostile_cli("harvest", "--platform", "x", "--load", str(X_BODY))
    assert result.exit_code == 1 and "is read-only" in result.output


def test_a_database_locked_by_another_process_is_one_line(hostile_cli, db_path, monkeypatch):
    import bot.db

    assert hostile_cli("status").exit_code == 0
    monkeypatch.setattr(bot.db, "BUSY_TIMEOUT_MS", 300)  # instead of waiting 15 s
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sqlite3, sys, time\n"
         f"c = sqlite3.connect({str(db_path)!r}, isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        result = hostile_cli("harvest", "--platform", "x", "--load", str(X_BODY))
        assert result.exit_code == 1
        assert result.output == (f"Error: database {db_path} is locked by another process (waited 0 s):"
                                 " try again when it finishes\n")
    finally:
        holder.kill()
        holder.wait()


def test_status_shows_each_issue_once_with_its_platforms(hostile_cli, db):
    from bot.compose.plan import plan_threads
    from bot.newsletter.reader import read_issue
    from bot.newsletter.store import save_issue
    from bot.publish.outbox import record_thread
    from bot.settings import load

    issue = read_issue(str(SAMPLE_ISSUE))
    save_issue(db, issue)
    for thread in plan_threads(issue, load(None, environ={}, dotenv=None)).values():
        record_thread(db, thread, account="me")
    result = hostile_cli("status")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert sum(line.startswith("#33 ") for line in lines) == 1
    assert sorted(line.split()[0] for line in lines[1:3]) == ["bluesky", "x"]
