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
        ('[post]\nreview_delay = "soon"\n', "invalid post.review_delay 'soon'"),
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
