"""Secrets stay masked in every form they reach output in, and the error path never raises.

Regressions from the hostile-tester report (issue 10): a secret with surrounding whitespace
was used stripped but scrubbed unstripped, so ``bot --debug harvest`` printed
``Authorization: Bearer <token>`` (1); a setting of the wrong type, or a ``.env`` with a stray
byte, gave a raw double traceback because the error handler reloaded the settings to scrub (2).
"""

from __future__ import annotations

import pytest

from bot.log import Scrub, secret_forms
from tests.fakes.x_server import XServer, synthetic_tweets
from tests.support.hostile import MARKER, assert_no_secret, bot, one_line_error

TOKEN = f"{MARKER}-bearer-3f3f"
SOURCES = '[[sources]]\nname = "x-ml"\nplatform = "x"\nsearch = "ml"\n'


@pytest.fixture(scope="module")
def x_api():
    with XServer() as fake:
        tweets, users = synthetic_tweets(3)
        fake.serve_tweets("/2/tweets/search/recent", tweets, users=users)
        yield fake


@pytest.mark.parametrize(
    "how,env,dotenv",
    [
        ("carriage return", {"X_BEARER_TOKEN": TOKEN + "\r"}, None),
        ("trailing space", {"X_BEARER_TOKEN": TOKEN + " "}, None),
        ("quoted with a space in .env", {}, f'X_BEARER_TOKEN="{TOKEN} "\n'),
        ("CRLF .env", {}, f"X_BEARER_TOKEN={TOKEN}\r\n"),
    ],
)
def test_a_secret_with_whitespace_is_masked_under_debug(tmp_path, x_api, how, env, dotenv):
    (tmp_path / "bot.toml").write_text(SOURCES, encoding="utf-8")
    if dotenv:
        (tmp_path / ".env").write_bytes(dotenv.encode())
    done = bot("--debug", "--db", "h.db", "harvest", cwd=tmp_path,
               env={"X_API_BASE_URL": x_api.base_url, **env})
    assert done.returncode == 0, done.output
    assert "'Authorization': 'Bearer ***'" in done.stderr  # the header was logged, masked
    assert_no_secret(done.output, TOKEN)


def test_every_form_of_a_secret_is_scrubbed():
    secret = "tok en/é\r"
    scrub = Scrub(secret_forms(secret))
    for form in ("tok en/é\r", "tok en/é", "tok%20en%2F%C3%A9", "tok+en%2F%C3%A9"):
        assert scrub.scrub(f"a {form} b") == "a *** b", form


def test_a_short_secret_is_masked_only_where_it_stands_alone():
    """A one-letter test password once turned "bluesky" into "***luesky" in an error line."""
    scrub = Scrub(["b"])
    assert scrub.scrub("bluesky: Bearer b, password='b'") == "bluesky: Bearer ***, password='***'"


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "toml,dotenv,message",
    [
        ("[post]\nplatforms = 5\n", None,
         'Error: bot.toml: post.platforms must be a list of strings (e.g. ["x", "bluesky"]), not 5'),
        ("sources = [1, 2]\n", None,
         "Error: bot.toml: source #1 must be a table ([[sources]]), not 1"),
        (None, b"X_BEARER_TOKEN=" + MARKER.encode() + b"\nBOT_DB=\xff\n",
         "Error: .env is not UTF-8 text: byte 0xff on line 2"),
    ],
    ids=["platforms-int", "sources-ints", "dotenv-0xff"],
)
def test_bad_settings_are_one_line_without_a_traceback(tmp_path, toml, dotenv, message, debug):
    if toml:
        (tmp_path / "bot.toml").write_text(toml, encoding="utf-8")
    if dotenv:
        (tmp_path / ".env").write_bytes(dotenv)
    args = ["--debug"] if debug else []
    done = bot(*args, "status", cwd=tmp_path, env={"REDDIT_PASSWORD": f"{MARKER}-pw-1"})
    assert one_line_error(done.output, done.returncode) == message
    assert_no_secret(done.output, f"{MARKER}-pw-1")


def test_extra_fields_of_a_json_log_line_are_scrubbed(capsys):
    import logging

    from bot.log import setup_logging

    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        setup_logging(level=logging.INFO, fmt="json", secrets=secret_forms(TOKEN + " "))
        logging.getLogger("bot.test").info("sent", extra={"header": f"Bearer {TOKEN}"})
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
    line = capsys.readouterr().err
    assert '"header": "Bearer ***"' in line and MARKER not in line


def test_notice_url_secrets_are_scrubbed_in_every_form():
    from bot.settings import secret_values

    secret = f"{MARKER}-notify-5e5e"
    forms = secret_values({"BOT_NOTIFY_URLS": f" mailtos://me:{secret}@mail.example.com "})
    scrub = Scrub(forms)
    for shown_as in (secret, f"mailtos://me:{secret}@mail.example.com", f"{secret}\r"):
        assert MARKER not in scrub.scrub(f"sent with {shown_as} ok"), shown_as
