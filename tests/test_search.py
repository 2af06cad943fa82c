"""bot search (FTS, parameterised) and the datasette view of the same database."""

from __future__ import annotations

import asyncio
import json
import shutil

import pytest

from bot.search import find_posts, fts_query
from collectors.reddit import to_rows as reddit_rows
from collectors.store import save_page
from collectors.x import to_rows as x_rows
from tests.conftest import ROOT
from tests.fakes.reddit_server import recorded_json
from tests.fakes.x_server import load_example, synthetic_tweets


@pytest.fixture
def filled(db):
    tweets, users = synthetic_tweets(30)
    tweets[0]["text"] = "Protein folding with diffusion models https://t.co/a"
    tweets[0]["created_at"] = "2024-02-01T00:00:00.000Z"
    save_page(db, x_rows({"data": tweets, "includes": {"users": users}}), source=None, state=None)
    save_page(db, x_rows(load_example("search_tweets_query.json")), source=None, state=None)
    save_page(db, reddit_rows(recorded_json("TestSubmission.test_comments.json", "/comments/2gmzqe/")), source=None, state=None)
    return db


def test_search_prints_matches_with_links(cli_run, filled):
    result = cli_run("search", "protein folding")

    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "2024-02-01T00:00:00Z  [x] @scientist0",
        "  Protein folding with diffusion models https://t.co/a",
        f"  https://x.com/scientist0/status/{1800000000000000030}",
        "1 match",
    ]


def test_search_filters_by_platform_and_date(filled):
    assert {r["platform"] for r in find_posts(filled, "PRAW")} == {"reddit"}
    assert find_posts(filled, "PRAW", platform="x") == []
    assert len(find_posts(filled, "materials", limit=100)) == 29  # tweet 0 now talks of proteins
    assert [r["id"] for r in find_posts(filled, "materials", since="2024-01-28T00:00:00Z", limit=100)] == [
        "x:1800000000000000003"]  # tweet 27, of 2024-01-28
    # "@snowman" opens three replies (the author's handle itself is not indexed)
    assert sorted(r["handle"] for r in find_posts(filled, "snowman")) == ["happycamper", "happycamper", "jellybeanjones"]


@pytest.mark.parametrize("query", ['" OR 1=1 --', "'; DROP TABLE posts; --", "NEAR(a b)", "text:x", "-materials", "*"])
def test_hostile_queries_are_quoted_not_run(cli_run, filled, query):
    result = cli_run("search", "--", query)

    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.output and "unexpected" not in result.output
    assert filled["posts"].count == 39


def test_prefix_search_and_the_fts_query_quoting():
    assert fts_query('graph neur* "x') == '"graph" "neur"* """x"'
    assert fts_query("   ") == ""


def test_prefix_search_finds_words(filled):
    assert len(find_posts(filled, "materi*", limit=100)) == 29


def test_search_errors_are_one_line(cli_run, filled):
    assert "Error: --since takes a date (2024-05-01), a time or a duration (7d), not 'last week'" in cli_run(
        "search", "x", "--since", "last week").output
    assert cli_run("search", "***").output.strip() == "Error: search needs at least one word"
    assert cli_run("search", "zebra").output.strip() == "no posts match 'zebra'"


def test_datasette_opens_with_search_and_facets(filled, tmp_path):
    from datasette.app import Datasette

    path = tmp_path / "ml4sci.db"
    filled.close()
    shutil.copy(tmp_path / "bot.db", path)
    metadata = json.loads((ROOT / "datasette" / "metadata.json").read_text())
    ds = Datasette([str(path)], metadata=metadata)

    async def get(url):
        response = await ds.client.get(url)
        return response.status_code, (response.json() if response.status_code == 200 else None)

    async def run():
        return (
            await get("/ml4sci/posts.json?_search=protein&_shape=objects"),
            await get("/ml4sci/linked_posts.json?_shape=objects"),
            await get("/ml4sci/threads.json?_search=favorite&_shape=objects"),
            await get("/ml4sci/sessions.json"),
        )

    (status, posts), (_, linked), (_, threads), (sessions_status, _) = asyncio.run(run())

    assert status == 200
    assert [row["text"] for row in posts["rows"]] == ["Protein folding with diffusion models https://t.co/a"]
    assert posts["facet_results"]["platform"]["results"][0]["value"] == "x"
    domains = {r["value"]: r["count"] for r in linked["facet_results"]["domain"]["results"]}
    assert domains == {"arxiv.org": 10, "doi.org": 10, "github.com": 11}
    assert {r["value"] for r in linked["facet_results"]["platform"]["results"]} == {"x", "reddit"}
    assert [row["title"] for row in threads["rows"]] == ["So, what's your favorite thing about Twitter Developer Labs?"]
    assert sessions_status == 403
