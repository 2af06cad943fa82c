"""Settings resolve with the documented precedence: CLI > environment > bot.toml > default."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.errors import ConfigError, MissingCredential
from bot.settings import load

TOML = """
[bot]
db = "from-toml.db"
[newsletter]
feed_url = "https://toml.example/feed"
[compose]
highlights = 3
[[sources]]
name = "x-search"
platform = "x"
search = "protein folding"
interval = "30m"
[[sources]]
name = "r-ml"
platform = "reddit"
subreddit = "MachineLearning"
sort = "top"
time_filter = "week"
"""


@pytest.fixture
def config(tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(TOML)
    return path


def test_defaults_without_any_config(tmp_path):
    settings = load(None, environ={}, dotenv=tmp_path / "absent.env")
    assert settings.db == "ml4sci.db"
    assert settings.highlights == 5
    assert settings.platforms == ["x", "bluesky"]
    assert settings.x_api_base_url == "https://api.x.com"
    assert settings.review_delay_td == dt.timedelta(minutes=30)
    assert settings.sources == ()


def test_toml_beats_default(config):
    settings = load(config, environ={}, dotenv=None)
    assert settings.db == "from-toml.db"
    assert settings.feed_url == "https://toml.example/feed"
    assert settings.highlights == 3


def test_environment_beats_toml_and_cli_beats_environment(config):
    env = {"BOT_DB": "from-env.db", "BOT_FEED_URL": "https://env.example/feed"}
    settings = load(config, environ=env, dotenv=None)
    assert settings.db == "from-env.db"
    assert settings.feed_url == "https://env.example/feed"
    settings = load(config, environ=env, dotenv=None, overrides={"db": "from-cli.db"})
    assert settings.db == "from-cli.db"
    assert settings.feed_url == "https://env.example/feed"


def test_dotenv_is_read_but_real_environment_wins(tmp_path, config):
    dotenv = tmp_path / ".env"
    dotenv.write_text("BOT_DB=from-dotenv.db\nX_BEARER_TOKEN=dotenv-token\n")
    settings = load(config, environ={}, dotenv=dotenv)
    assert settings.db == "from-dotenv.db"
    assert settings.secret("X_BEARER_TOKEN", purpose="X harvest") == "dotenv-token"
    settings = load(config, environ={"BOT_DB": "real.db"}, dotenv=dotenv)
    assert settings.db == "real.db"


def test_missing_secret_names_the_variable(config):
    settings = load(config, environ={}, dotenv=None)
    with pytest.raises(MissingCredential) as err:
        settings.secret("X_BEARER_TOKEN", purpose="X harvest")
    assert str(err.value) == (
        "missing credential: set X_BEARER_TOKEN in the environment or .env (needed for X harvest)"
    )


def test_secret_values_lists_only_set_secrets(config):
    settings = load(config, environ={"X_BEARER_TOKEN": "tok-123456", "BOT_DB": "x.db"}, dotenv=None)
    assert settings.secret_values() == ["tok-123456"]
    settings = load(config, environ={"X_BEARER_TOKEN": "tok 12/34\r"}, dotenv=None)
    # as set, as used (stripped) and URL-encoded: every form output could show
    assert {"tok 12/34\r", "tok 12/34", "tok%2012%2F34", "tok+12%2F34"} <= set(settings.secret_values())


def test_sources_parsed(config):
    settings = load(config, environ={}, dotenv=None)
    search, reddit = settings.sources
    assert (search.name, search.platform, search.kind, search.target) == (
        "x-search", "x", "search", "protein folding"
    )
    assert search.interval == dt.timedelta(minutes=30)
    assert (reddit.kind, reddit.target, dict(reddit.options)) == (
        "subreddit", "MachineLearning", {"sort": "top", "time_filter": "week"}
    )
    assert settings.source("r-ml") is reddit


def test_unknown_source_names_known_ones(config):
    settings = load(config, environ={}, dotenv=None)
    with pytest.raises(ConfigError, match=r"unknown source 'nope' \(known: x-search, r-ml\)"):
        settings.source("nope")


@pytest.mark.parametrize(
    "body,message",
    [
        ('[[sources]]\nplatform = "x"\nsearch = "a"\n', "source #1 in bot.toml has no name"),
        ('[[sources]]\nname = "a"\nplatform = "myspace"\n', "unknown platform 'myspace'"),
        ('[[sources]]\nname = "a"\nplatform = "x"\n', "give exactly one of search or account"),
        ('[post]\nplatforms = ["x", "reddit"]\n', r"unknown platform 'reddit' in post.platforms \(use x, bluesky, mastodon\)"),
        ('[post]\nreview_delay = "soon"\n', "bot.toml: post.review_delay must be a duration \\(e.g. 30m, 0s\\), not 'soon'"),
    ],
)
def test_invalid_config_is_a_clear_error(tmp_path, body, message):
    path = tmp_path / "bot.toml"
    path.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load(path, environ={}, dotenv=None)


def test_example_config_is_valid():
    from tests.conftest import ROOT

    settings = load(ROOT / "bot.toml.example", environ={}, dotenv=None)
    assert {s.platform for s in settings.sources} == {"x", "bluesky", "reddit", "mastodon"}
    assert settings.platform_options("mastodon") == {"visibility": "public"}
    assert settings.poll_interval_td == dt.timedelta(minutes=10)
    from bot.harvest import make_policy

    policy = make_policy(settings)
    assert (policy.max_wait, policy.max_total_wait) == (60.0, 300.0)


# -- typed settings, through the CLI (issue 10: cases 8 and 9) ------------------------------------
@pytest.mark.parametrize(
    "toml,env,message",
    [
        ("[bot]\ndb = 5\n", {}, "bot.toml: bot.db must be a file path (a non-empty string), not 5"),
        ("[bot]\nhttp_timeout = 0\n", {},
         "bot.toml: bot.http_timeout must be a positive number of seconds (e.g. 20), not 0"),
        ("[bot]\nhttp_timeout = -1\n", {},
         "bot.toml: bot.http_timeout must be a positive number of seconds (e.g. 20), not -1"),
        ("", {"BOT_HTTP_TIMEOUT": "soon"},
         "BOT_HTTP_TIMEOUT must be a positive number of seconds (e.g. 20), not 'soon'"),
        ('[[sources]]\nname = 42\nplatform = "x"\nsearch = "a"\n', {},
         "bot.toml: source #1 name must be a non-empty string, not 42"),
        ("", {"BLUESKY_PDS_URL": "not a url"},
         "BLUESKY_PDS_URL must be an http(s) URL (https://...), not 'not a url'"),
        ("", {"X_API_BASE_URL": "javascript:alert(1)"},
         "X_API_BASE_URL must be an http(s) URL (https://...), not 'javascript:alert(1)'"),
        ('[compose]\nnumbering = "maybe"\n', {},
         "bot.toml: compose.numbering must be true or false, not 'maybe'"),
        ('[[sources]]\nname = "r"\nplatform = "reddit"\nsubreddit = "ml"\nsearch = ["a", "b"]\n', {},
         "bot.toml: source 'r' search must be a non-empty string, not ['a', 'b']"),
        ('[[sources]]\nname = "s"\nplatform = "x"\nsearch = ["a", "b"]\n', {},
         "bot.toml: source 's' search must be a non-empty string, not ['a', 'b']"),
        ('[run]\npoll_interval = "0s"\n', {},
         "bot.toml: run.poll_interval must be a duration above zero (e.g. 10m), not '0s'"),
        ('[compose]\nlangs = "en"\n', {},
         'bot.toml: compose.langs must be a list of strings (e.g. ["x", "bluesky"]), not \'en\''),
        ("post = 5\n", {}, "bot.toml: [post] must be a table, not 5"),
        ('[run]\nrequire_approval = "maybe"\n', {},
         "bot.toml: run.require_approval must be true or false, not 'maybe'"),
        ("[serve]\nport = 70000\n", {}, "bot.toml: serve.port must be a port number (1 to 65535), not 70000"),
        ('[serve]\npublic_url = "javascript:x"\n', {},
         "bot.toml: serve.public_url must be an http(s) URL (https://...), not 'javascript:x'"),
        ('[newsletter]\nurl = "' + "https://e.example/" + "a" * 10_000 + '"\n[bot]\nhttp_timeout = true\n', {},
         "bot.toml: bot.http_timeout must be a positive number of seconds (e.g. 20), not True"),
    ],
)
def test_a_setting_of_the_wrong_type_is_one_line(hostile_cli, tmp_path, toml, env, message):
    (tmp_path / "bot.toml").write_text(toml, encoding="utf-8")
    result = hostile_cli("status", env=env)
    assert result.exit_code == 1
    assert result.output == f"Error: {message}\n"


def test_a_long_value_is_shortened_in_the_error(hostile_cli, tmp_path):
    url = "ftp://e.example/" + "a" * 10_000
    result = hostile_cli("status", env={"BOT_NEWSLETTER_URL": url})
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.startswith("Error: BOT_NEWSLETTER_URL must be an http(s) URL") and line.endswith("…")
    assert len(line) < 200


def test_unknown_keys_warn_with_the_nearest_known_key(hostile_cli, tmp_path):
    (tmp_path / "bot.toml").write_text(
        '[post]\nreveiw_delay = "1h"\n[compse]\nhighlights = 3\n'
        '[[sources]]\nname = "x-ml"\nplatform = "x"\nsearch = "ml"\nlimt = 5\n', encoding="utf-8")
    result = hostile_cli("status")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "Warning: bot.toml: unknown key post.reveiw_delay is ignored (did you mean post.review_delay?)",
        "Warning: bot.toml: unknown key compse is ignored (did you mean compose?)",
        "Warning: bot.toml: source 'x-ml': unknown key limt (did you mean limit?)",
    ]
    assert "Nothing posted yet." in result.stdout


@pytest.mark.parametrize("word,value", [("yes", True), ("off", False), ("TRUE", True), ("0", False)])
def test_booleans_from_toml_are_strict_and_typed(tmp_path, word, value):
    path = tmp_path / "bot.toml"
    path.write_text(f"[compose]\nnumbering = {str(value).lower()}\n")
    assert load(path, environ={}, dotenv=None).numbering is value
    from bot import config_types

    assert config_types.boolean(word, True) is value  # the environment's words


def test_example_config_has_no_unknown_keys():
    from tests.conftest import ROOT

    assert load(ROOT / "bot.toml.example", environ={}, dotenv=None).warnings == ()


def test_a_daily_harvest_budget_is_a_known_typed_key(tmp_path):
    # [harvest] x_max_cost_per_day is read by the harvest (issue 12): no "unknown key" warning,
    # a wrong type is one line, and a typo still gets the nearest key.
    from bot.settings import load

    path = tmp_path / "bot.toml"
    path.write_text("[harvest]\nx_max_cost_per_day = 1.5\n", encoding="utf-8")
    assert load(path, dotenv=None, environ={}).warnings == ()
    path.write_text('[harvest]\nx_max_cost_per_day = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"harvest\.x_max_cost_per_day must be US dollars"):
        load(path, dotenv=None, environ={}).warnings
    path.write_text("[harvest]\nx_max_cost_per_dy = 1\n", encoding="utf-8")
    (warning,) = load(path, dotenv=None, environ={}).warnings
    assert "did you mean harvest.x_max_cost_per_day?" in warning
