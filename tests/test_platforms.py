"""The platform registry: one record per network, and no platform named outside its own modules."""

from __future__ import annotations

import re

import pytest

from bot import platforms
from bot.errors import ConfigError
from bot.settings import SECRET_VARS, load
from tests.conftest import ROOT


def own_modules(platform: str) -> re.Pattern[str]:
    """A platform's own code: its package under bot/platforms/ and collectors/<id>*.py."""
    return re.compile(rf"^(bot/platforms/|collectors/{platform}[a-z_]*\.py$)")


def sources() -> dict[str, str]:
    files = [*ROOT.glob("bot/**/*.py"), *ROOT.glob("collectors/**/*.py")]
    return {str(f.relative_to(ROOT)): f.read_text(encoding="utf-8") for f in files}


def test_unknown_platform_is_an_error_naming_the_registered_ones():
    with pytest.raises(ConfigError, match=r"unknown platform 'myspace' \(use x, bluesky"):
        platforms.get("myspace")
    with pytest.raises(ConfigError, match="unknown platform 'reddit' to post to"):
        platforms.get("reddit", posting=True)


def test_every_posting_platform_has_length_rules_and_every_harvester_a_transform():
    for record in platforms.registry():
        assert record.name and record.id_prefix and record.digest_heading
        if record.posts:
            assert platforms.rules(record.id).platform == record.id
        if record.harvests:
            assert record.transformer is not None and record.source_kinds


def test_the_secrets_scrubbed_are_the_registry_secrets():
    assert {v for p in platforms.registry() for v in p.secrets} <= set(SECRET_VARS)
    assert "X_ACCESS_TOKEN_SECRET" in SECRET_VARS and "BLUESKY_APP_PASSWORD" in SECRET_VARS


def test_no_branch_on_a_platform_name_outside_the_platforms_own_modules():
    """Regression: 26 such branches once made a fourth platform a search through the codebase."""
    names = "|".join(re.escape(p) for r in platforms.registry() for p in {r.id, r.id_prefix})
    branch = re.compile(rf"""(==|!=|\bin)\s*\(?\s*["']({names})["']|["']({names})["']\s*(==|!=)""")
    found = [
        f"{path}:{n}: {line.strip()}"
        for path, text in sources().items()
        for n, line in enumerate(text.splitlines(), 1)
        if branch.search(line) and not any(own_modules(p).match(path) for p in platforms.ids())
    ]
    assert found == []


def test_collectors_import_nothing_from_bot():
    offenders = [path for path, text in sources().items()
                 if path.startswith("collectors/") and re.search(r"^\s*(from|import) bot\b", text, re.M)]
    assert offenders == []


def test_a_platform_table_in_bot_toml_takes_only_the_keys_its_record_declares(tmp_path):
    config = tmp_path / "bot.toml"
    config.write_text('[bluesky]\nvisibility = "public"\n', encoding="utf-8")
    settings = load(config, environ={}, dotenv=None)
    with pytest.raises(ConfigError, match=r"unknown setting bluesky\.visibility in bot.toml \(known: none\)"):
        settings.platform_options("bluesky")
    assert load(None, environ={}, dotenv=None).platform_options("bluesky") == {}


def test_rate_headers_read_each_form_of_reset():
    from collectors.ratelimit import RateHeaders

    now = 1_700_000_000.0
    iso = RateHeaders("x-ratelimit-remaining", "x-ratelimit-reset", "iso")
    headers = {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "2023-11-14T22:18:20.000Z"}
    assert iso.used_up(headers) and iso.delay(headers, now=now) == 300.0
    assert iso.reset_at(headers, now=now + 99_999) == now + 300  # absolute, whatever the clock
    seconds = RateHeaders("x-ratelimit-remaining", "x-ratelimit-reset", "seconds")
    assert seconds.reset_at({"x-ratelimit-reset": "60"}, now=now) == now + 60
    epoch = RateHeaders("x-rate-limit-remaining", "x-rate-limit-reset", "epoch", slack=1.0)
    assert epoch.delay({"x-rate-limit-reset": str(now + 10), "retry-after": "5"}, now=now) == 5.0
    assert epoch.delay({"x-rate-limit-reset": str(now + 10)}, now=now) == 11.0
    assert epoch.reset_at({"x-rate-limit-reset": str(now + 10)}, now=now) == now + 10
