"""A fetch has a total deadline on top of the per-read timeout (issue 10, case 3).

A server sending one byte at a time, each well within ``BOT_HTTP_TIMEOUT``, kept ``bot preview
URL`` (and so ``bot run``'s feed poll) running for minutes. The deadline is
``DEADLINE_FACTOR`` times the timeout: with a 0.5 s timeout, 1.5 s.
"""

from __future__ import annotations

import time

import pytest

from bot.errors import FetchError
from bot.newsletter.fetch import DEADLINE_FACTOR, fetch
from tests.conftest import FIXTURES
from tests.support.hostile import bot, one_line_error

FEED = (FIXTURES / "newsletters" / "substack-feed-synthetic.xml").read_bytes()
TIMEOUT = 0.5


def test_preview_of_a_dripping_server_stops_at_the_deadline(http_server, tmp_path):
    http_server.route("/feed", headers={"Content-Type": "application/rss+xml"}, body=FEED, drip=0.05)
    started = time.monotonic()
    done = bot("--db", "d.db", "preview", http_server.url("/feed"), cwd=tmp_path,
               env={"BOT_HTTP_TIMEOUT": str(TIMEOUT)})
    elapsed = time.monotonic() - started
    line = one_line_error(done.output, done.returncode)
    assert line == (f"Error: cannot fetch {http_server.url('/feed')}: not finished within "
                    f"{DEADLINE_FACTOR * TIMEOUT:g} s (the server is too slow)")
    assert elapsed < DEADLINE_FACTOR * TIMEOUT + 5  # the whole body would take about 100 s


def test_a_slow_but_steady_body_within_the_deadline_is_read(http_server):
    http_server.route("/small", headers={"Content-Type": "text/plain"}, body=b"hello", drip=0.05)
    assert fetch(http_server.url("/small"), timeout=TIMEOUT).body == b"hello"


def test_headers_that_never_finish_hit_the_deadline_too(http_server):
    http_server.route("/hang", hang=True)
    started = time.monotonic()
    with pytest.raises(FetchError, match="no answer within 0.5 s"):
        fetch(http_server.url("/hang"), timeout=TIMEOUT)
    assert time.monotonic() - started < 2


def test_bot_run_feed_poll_of_a_dripping_server_stops_at_the_deadline(http_server, tmp_path):
    http_server.route("/feed", headers={"Content-Type": "application/rss+xml"}, body=FEED, drip=0.05)
    env = {"BOT_HTTP_TIMEOUT": str(TIMEOUT), "BOT_FEED_URL": http_server.url("/feed")}
    started = time.monotonic()
    done = bot("--db", "r.db", "run", "--once", cwd=tmp_path, env=env)
    assert time.monotonic() - started < DEADLINE_FACTOR * TIMEOUT + 10
    assert "not finished within 1.5 s" in done.output, done.output
    assert "Traceback" not in done.output
    status = bot("--db", "r.db", "status", cwd=tmp_path, env=env)
    assert "not finished within 1.5 s (the server is too slow)" in status.stdout
