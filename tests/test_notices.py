"""Review notices reach the author: a real SMTP server (aiosmtpd, AUTH required) and a webhook
receiver on 127.0.0.1, through Apprise, from bot run. A notifier that is down costs one log
line and never stops posting; no notice, log line or table holds a notifier's secret."""

from __future__ import annotations

import base64
import datetime as dt
import json

import msgspec
import pytest

from bot.db import open_db
from bot.notices.notifier import Notifier
from bot.runner import Runner
from bot.settings import load
from tests.fakes.x_posting import XPostingServer
from tests.support.clock import Clock
from tests.support.feeds import FeedServer
from tests.support.smtp import SMTPServer

MAIL_PASSWORD = "sekrit-mailpw-7731"
HOOK_PASSWORD = "sekrit-hookpw-8842"
T0 = dt.datetime(2026, 11, 27, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def smtp():
    with SMTPServer("ml4sci-bot", MAIL_PASSWORD) as server:
        yield server


@pytest.fixture
def x():
    with XPostingServer() as server:
        yield server


@pytest.fixture
def feed(http_server) -> FeedServer:
    http_server.route("/hook", status=200, body="ok")
    return FeedServer(http_server)


def notify_urls(smtp: SMTPServer, http_server, *, down: bool = True) -> str:
    hook = http_server.url("/hook").replace("http://", f"json://hook:{HOOK_PASSWORD}@")
    urls = [f"mailto://ml4sci-bot:{MAIL_PASSWORD}@127.0.0.1:{smtp.port}?from=bot@ml4sci.test"
            "&to=author@ml4sci.test&mode=insecure", hook]
    if down:
        urls.append("json://127.0.0.1:9/")  # nothing listens on the discard port
    return ",".join(urls)


def hooks(http_server) -> list[dict]:
    return [json.loads(r.body) for r in http_server.requests_for("/hook")]


def assert_no_secret(*texts: str | bytes) -> None:
    for text in texts:
        data = text if isinstance(text, bytes) else text.encode()
        for secret in (MAIL_PASSWORD, HOOK_PASSWORD):
            assert secret.encode() not in data
            assert base64.b64encode(secret.encode()) not in data


def database_dump(db_path) -> str:
    db = open_db(db_path)
    return "\n".join(json.dumps(row, default=str) for table in db.table_names()
                     for row in db[table].rows)


def test_bot_run_sends_a_review_notice_then_a_posted_one(cli_run, tmp_path, feed, http_server, smtp, x, db_path):
    (tmp_path / "bot.toml").write_text(
        f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nplatforms = ["x"]\nreview_delay = "30m"\n'
        '[compose]\nhighlights = 2\n[serve]\npublic_url = "http://review.ml4sci.test:8731"\n', encoding="utf-8")
    env = {**x.credentials.env(x.base_url), "BOT_NOTIFY_URLS": notify_urls(smtp, http_server),
           "BOT_HTTP_TIMEOUT": "5"}
    outputs = [cli_run("run", "--once", env=env)]  # first start: nothing new, no notice
    assert smtp.messages == [] and hooks(http_server) == []
    feed.publish(6, dt.datetime.now(dt.UTC))
    outputs.append(cli_run("run", "--once", env=env))
    assert "new=1" in outputs[-1].stdout

    (mail,) = smtp.messages
    assert mail["Subject"].startswith("Review: ML4Sci #6: Lab robots; Protein design posts at ")
    body = mail.get_body(("plain",)).get_content()
    assert "unless you hold it: bot hold 6" in body and "(in 30 minutes)" in body
    assert "Edit it first: bot draft --edit 6" in body
    assert "Review page: http://review.ml4sci.test:8731/issue/https%3A%2F%2Fml4sci.substack.com%2Fp%2Fml4sci-6" in body
    assert "── X · 4 posts" in body and "[1/4] opening" in body  # the text preview
    (attachment,) = list(mail.iter_attachments())
    assert attachment.get_filename() == "preview-6.html"
    page = attachment.get_content()
    page = page.decode() if isinstance(page, bytes) else page
    assert page.count('<article class="post') == 4
    (hook,) = hooks(http_server)
    assert hook["title"] == mail["Subject"] and "── X · 4 posts" in hook["message"]
    assert hook["attachments"][0]["filename"] == "preview-6.html"
    assert "<article" in base64.b64decode(hook["attachments"][0]["base64"]).decode()
    assert smtp.logins == [b"ml4sci-bot"]

    # The notifier that is down: one warning, no secret, and posting is not disturbed.
    log = outputs[-1].stderr
    (warning,) = [line for line in log.splitlines() if "not delivered" in line]
    assert warning.endswith("not delivered to json://127.0.0.1:9 (BOT_NOTIFY_URLS entry 3)")

    assert cli_run("approve", "6", env=env).exit_code == 0
    outputs.append(cli_run("run", "--once", env=env))
    assert "due=1 posted=1 failed=0" in outputs[-1].stdout and len(x.tweets) == 4
    assert [m["Subject"] for m in smtp.messages][1] == "Posted: ML4Sci #6: Lab robots; Protein design"
    posted = smtp.messages[1].get_body(("plain",)).get_content()
    assert f"x: 4 posts https://x.com/i/status/{x.tweets[0].id}" in posted
    assert [h["title"] for h in hooks(http_server)][1].startswith("Posted: ML4Sci #6")

    outputs.append(cli_run("status", env=env))
    assert_no_secret(*[o.output for o in outputs], *smtp.raw, *[r.body for r in http_server.requests],
                     database_dump(db_path))


def runner(db, feed, x, urls: str, clock):
    settings = load(None, dotenv=None, environ={
        **x.credentials.env(x.base_url), "BOT_FEED_URL": feed.url, "BOT_PLATFORMS": "x",
        "BOT_NOTIFY_URLS": urls, "BOT_HTTP_TIMEOUT": "5"})
    settings.values.update(review_delay="0s", highlights=2)
    # No timeline lag here: a post not on the account is taken not to exist at once (the
    # grace is tested in test_publish_x_2026.py).
    settings = msgspec.structs.replace(settings, raw={"x": {"reconcile_grace": "0s"}})
    return Runner(db, settings, clock=clock, notifier=Notifier.from_settings(settings))



def test_a_stuck_thread_is_told_once_then_its_posting(db, feed, http_server, smtp, x, caplog):
    clock = Clock(T0)
    run = runner(db, feed, x, notify_urls(smtp, http_server, down=False), clock)
    run.run_once()
    feed.publish(7, T0)
    x.fault_on_create(1, "503")  # refused before anything is created: the thread is not done
    run.run_once()
    subjects = [m["Subject"] for m in smtp.messages]
    assert subjects[0].startswith("Review: ML4Sci #7") and subjects[1] == "Not posted yet: ML4Sci #7: Lab robots; Protein design"
    stuck = smtp.messages[1].get_body(("plain",)).get_content()
    assert "x: " in stuck and "bot run tries again after 2026-11-27T08:01:00Z" in stuck
    clock.now += dt.timedelta(minutes=1)
    x.fault_on_create(2, "503")  # the same trouble again: no second notice
    run.run_once()
    assert len(smtp.messages) == 2
    clock.now += dt.timedelta(minutes=5)
    run.run_once()
    assert [m["Subject"] for m in smtp.messages][2] == "Posted: ML4Sci #7: Lab robots; Protein design"
    kinds = [r["kind"] for r in db.query("select kind from notices order by id")]
    assert kinds == ["new", "stuck", "posted"]
    assert {r["delivered"] for r in db.query("select delivered from notices")} == {2}


def test_a_refused_post_is_told(db, feed, http_server, smtp, x):
    clock = Clock(T0)
    run = runner(db, feed, x, notify_urls(smtp, http_server, down=False), clock)
    run.run_once()
    feed.publish(8, T0)
    # The account posted the closing text before: X refuses it as duplicate content. (With
    # [x] links = "opening", the default, the closing post carries no subscribe link.)
    x.add_tweet("Thanks for reading ML4Sci #8! 4/4")
    run.run_once()
    refused = [m for m in smtp.messages if m["Subject"].startswith("Refused: ML4Sci #8")]
    assert len(refused) == 1
    text = refused[0].get_body(("plain",)).get_content()
    assert "duplicate content" in text
    assert "bot draft --edit 8 if it is the text" in text
    assert "bot post https://ml4sci.substack.com/p/ml4sci-8 --retry-failed" in text


def test_no_notifier_configured_sends_nothing_and_a_broken_url_is_one_line(db, feed, x, caplog):
    clock = Clock(T0)
    run = runner(db, feed, x, "", clock)
    assert not run.notifier
    run.run_once()
    feed.publish(9, T0)
    run.run_once()
    assert db.execute("select count(*) from notices").fetchone()[0] == 0
    broken = runner(db, feed, x, "notascheme://sekrit-hookpw-8842", clock)
    feed.publish(10, T0)
    with caplog.at_level("WARNING"):
        assert broken.run_once()[-1].counts["posted"] == 1  # #10 still posts
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.notices"]
    assert lines == [  # one line per notice, without the URL
        "notice 'Review: ML4Sci #10: Lab robots; Protein design posts at 2026-11-27T08:00:00Z' "
        "not sent: BOT_NOTIFY_URLS entry 1 is not an Apprise URL",
        "notice 'Posted: ML4Sci #10: Lab robots; Protein design' not sent: BOT_NOTIFY_URLS entry 1 "
        "is not an Apprise URL"]


def test_debug_logs_of_a_run_hold_no_notifier_secret(tmp_path, feed, http_server, smtp, x):
    """bot --debug run --once as a subprocess: every log line at DEBUG, the mail notifier
    logging in, one that is down, one with a token in its path; no secret comes out."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    token = "sekrit-pathtoken-4711"
    urls = ",".join([
        f"mailto://ml4sci-bot:{MAIL_PASSWORD}@127.0.0.1:{smtp.port}?from=bot@ml4sci.test&to=a@ml4sci.test&mode=insecure",
        f"json://hook:{HOOK_PASSWORD}@127.0.0.1:9/",
        f"json://127.0.0.1:9/{token}",
    ])
    (tmp_path / "bot.toml").write_text(
        f'[newsletter]\nfeed_url = "{feed.url}"\n[post]\nplatforms = ["x"]\nreview_delay = "0s"\n', encoding="utf-8")
    env = {**os.environ, **x.credentials.env(x.base_url), "BOT_NOTIFY_URLS": urls, "PYTHONPATH": str(ROOT)}
    argv = [sys.executable, "-m", "bot", "--debug", "--db", str(tmp_path / "bot.db"), "run", "--once"]
    first = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    feed.publish(11, dt.datetime.now(dt.UTC))
    second = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "posted=1" in second.stdout and len(x.tweets) == 4
    failures = [line for line in second.stderr.splitlines() if "not delivered" in line]
    assert len(failures) == 4  # two notifiers are down, two notices each
    assert [m["Subject"].split(":")[0] for m in smtp.messages] == ["Review", "Posted"]
    for run in (first, second):
        assert_no_secret(run.stdout, run.stderr)
        assert token not in run.stdout + run.stderr
    assert_no_secret(database_dump(tmp_path / "bot.db"))
