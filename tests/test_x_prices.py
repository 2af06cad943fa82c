"""X's pay-per-use prices: the dated table, bot.toml's overrides, each X post's price in
``bot preview`` (text and JSON) and what each link policy costs, checked against the table."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from bot.errors import ConfigError
from bot.platforms.x.pricing import TABLE, prices, prices_on
from bot.platforms.x.rules import x_urls
from bot.settings import load
from tests.conftest import SAMPLE_ISSUE

ISSUE_URL = "https://ml4sci.substack.com/p/ml4sci-33"


def preview_json(cli_run, *extra: str) -> dict:
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_table_holds_xs_prices_of_2026_04_20():
    current = prices_on(dt.date(2026, 8, 22))
    assert current.effective == "2026-04-20"
    assert (current.post_create, current.post_create_url, current.post_read, current.owned_read) == (
        0.015, 0.200, 0.005, 0.001)
    assert prices_on(dt.date(2025, 1, 1)) == TABLE[0]  # before the table: its oldest prices


def test_bot_toml_overrides_a_price_and_refuses_a_wrong_one(tmp_path):
    assert prices({"post_create_url": 0.25}).post_create_url == 0.25
    with pytest.raises(ConfigError, match=r"unknown price x\.prices\.post_delete"):
        prices({"post_delete": 0.1})
    config = tmp_path / "bot.toml"
    config.write_text("[x.prices]\npost_create = -1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.prices\.post_create in bot.toml must be a number"):
        load(config, environ={}, dotenv=None).platform_options("x")
    config.write_text('[x]\nlinks = "some"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x\.links in bot.toml must be 'every' or 'opening' or 'none'"):
        load(config, environ={}, dotenv=None).platform_options("x")


def test_each_x_post_is_priced_from_the_table_and_the_thread_total_adds_up(cli_run):
    shown = preview_json(cli_run)
    table = prices_on()
    x_posts = shown["threads"]["x"]
    for post in x_posts:
        expected = table.post_create_url if x_urls(post["text"]) else table.post_create
        assert post["cost_usd"] == expected
    # The default policy ("opening"): only the opening post carries a link.
    assert [p["cost_usd"] for p in x_posts] == [0.2] + [0.015] * (len(x_posts) - 1)
    assert shown["cost_usd"]["x"] == pytest.approx(0.2 + 0.015 * (len(x_posts) - 1))
    assert "bluesky" not in shown["cost_usd"]  # Bluesky is free to post to
    assert all("cost_usd" not in p for p in shown["threads"]["bluesky"])
    by_links = shown["cost_usd_by_links"]["x"]
    assert by_links["opening"] == shown["cost_usd"]["x"]
    assert by_links["none"] == pytest.approx(0.015 * len(x_posts))
    assert by_links["every"] > by_links["opening"] > by_links["none"]


def test_links_every_links_each_highlight_and_bluesky_keeps_its_links(cli_run, tmp_path):
    default = preview_json(cli_run)
    (tmp_path / "bot.toml").write_text('[x]\nlinks = "every"\n', encoding="utf-8")
    every = preview_json(cli_run)
    linked = [p for p in every["threads"]["x"] if p["links"]]
    assert len(linked) > 1  # the highlights' links and the subscribe link are back
    assert every["cost_usd"]["x"] == pytest.approx(
        0.2 * len(linked) + 0.015 * (len(every["threads"]["x"]) - len(linked)))
    assert every["cost_usd"]["x"] == default["cost_usd_by_links"]["x"]["every"]
    assert every["threads"]["bluesky"] == default["threads"]["bluesky"]
    assert sum(1 for p in default["threads"]["bluesky"] if p["links"]) > 1
    (tmp_path / "bot.toml").write_text('[x]\nlinks = "none"\n', encoding="utf-8")
    none = preview_json(cli_run)
    assert all(not p["links"] for p in none["threads"]["x"])


def test_the_text_preview_prices_each_post_and_each_link_choice(cli_run):
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x")
    assert result.exit_code == 0, result.output
    assert "[1/7] opening · 219/280 · $0.20" in result.stdout
    assert "[2/7] highlight · story 2 · 184/280 · $0.015" in result.stdout
    assert ('X cost: $0.29 for 7 posts (links = "opening"; each choice: "every" $0.475, '
            '"opening" $0.29, "none" $0.105)') in result.stdout


def test_single_format_is_one_post_with_the_issue_link_and_the_topics(cli_run, tmp_path):
    (tmp_path / "bot.toml").write_text('[x]\nformat = "single"\n', encoding="utf-8")
    shown = preview_json(cli_run)
    (post,) = shown["threads"]["x"]
    assert post["links"] == [ISSUE_URL] and post["cost_usd"] == 0.2
    topics = [line for line in post["text"].split("\n") if line.startswith("• ")]
    assert topics[0] == "• NVIDIA VP predicts the next big language model…"
    assert len(topics) == 2  # as many of the five as fit beside the long title, and it says so
    assert "the single post on X names 2 of 5 topics" in shown["warnings"]
    assert len(shown["threads"]["bluesky"]) > 1  # only X's format changed


def test_the_issues_two_figures_follow_from_the_table():
    """Issue 12: 8 posts each with a link cost $1.60; with only the opening linked, $0.305."""
    from bot.platforms.x.pricing import thread_price

    linked = [f"story {n} https://example.org/{n}" for n in range(8)]
    plain = [f"story {n}, no link" for n in range(7)]
    assert thread_price(linked, prices_on()) == pytest.approx(1.60)
    assert thread_price(linked[:1] + plain, prices_on()) == pytest.approx(0.305)
    assert thread_price(["see arxiv.org/abs/2107.00001"], prices_on()) == 0.2  # no scheme: still a URL


def test_the_preview_says_when_a_thread_is_over_its_budget(cli_run, tmp_path):
    (tmp_path / "bot.toml").write_text("[x]\nmax_cost_per_issue = 0.25\n", encoding="utf-8")
    result = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x")
    assert result.exit_code == 0, result.output
    assert "; $0.04 over max_cost_per_issue = $0.25: bot post will refuse it" in result.stdout
    (tmp_path / "bot.toml").write_text("[x]\nmax_cost_per_issue = 0.29\n", encoding="utf-8")
    within = cli_run("preview", str(SAMPLE_ISSUE), "--url", ISSUE_URL, "--platform", "x")
    assert "over max_cost_per_issue" not in within.stdout
