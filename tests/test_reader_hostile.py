"""Hostile newsletter sources through ``bot preview`` (issue 10, cases 7 and 8).

Only http(s) URLs reach a post, a card or the HTML preview's ``href`` (a feed's
``<link>javascript:alert(1)</link>`` was posted with "No warnings"); a Substack JSON field of
the wrong type, HTML nested 500 deep and an unwritable ``-o`` are one line, not "unexpected".
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import FIXTURES, SAMPLE_ISSUE

FEED = (FIXTURES / "newsletters" / "substack-feed-synthetic.xml").read_text(encoding="utf-8")
POST = json.loads((FIXTURES / "newsletters" / "substack-api-post-synthetic.json").read_text(encoding="utf-8"))
EVIL = "javascript:alert(1)"


@pytest.fixture
def evil_feed(tmp_path):
    path = tmp_path / "evil.xml"
    path.write_text(re.sub(r"<link>[^<]*</link>", f"<link>{EVIL}</link>", FEED), encoding="utf-8")
    return str(path)


def test_a_feed_entry_whose_link_is_javascript_is_never_posted(hostile_cli, evil_feed):
    result = hostile_cli("preview", evil_feed, "--format", "json")
    assert result.exit_code == 1
    assert result.output == (
        "Error: 'A newer-style synthetic essay' has no http(s) link ('javascript:alert(1)'): it is never posted\n"
    )


def test_javascript_story_links_reach_no_post_and_no_href(hostile_cli, tmp_path):
    path, page = tmp_path / "evil-links.xml", tmp_path / "p.html"
    path.write_text(FEED.replace("https://example.org/", "javascript:alert(1)//"), encoding="utf-8")
    result = hostile_cli("preview", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert "javascript" not in json.dumps(json.loads(result.stdout)["threads"])  # text, links, facets, card
    assert hostile_cli("preview", str(path), "--format", "html", "-o", str(page)).exit_code == 0
    hrefs = re.findall(r'href="([^"]*)"', page.read_text(encoding="utf-8"))
    assert hrefs and all(h == "" or h.startswith("https://") for h in hrefs), hrefs


@pytest.mark.parametrize("url", [EVIL, "data:text/html,x", "ftp://e.example/x", "not a url"])
def test_url_option_takes_only_http_urls(hostile_cli, url):
    result = hostile_cli("preview", str(SAMPLE_ISSUE), "--url", url)
    assert result.exit_code == 1
    assert result.output == f"Error: --url must be an http(s) URL, not {url!r}\n"


def test_a_10000_character_url_is_not_echoed_whole(hostile_cli):
    url = "ftp://e.example/" + "a" * 10_000
    result = hostile_cli("preview", str(SAMPLE_ISSUE), "--url", url)
    assert result.exit_code == 1
    assert result.output.startswith("Error: --url must be an http(s) URL, not 'ftp://e.example/aaa")
    assert len(result.output) < 200


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("body_html", 123, "body_html must be HTML text, not a number"),
        ("body_html", ["<p>a</p>"], "body_html must be HTML text, not a list"),
        ("body_html", {"html": "x"}, "body_html must be HTML text, not an object"),
    ],
)
def test_substack_json_fields_of_the_wrong_type(hostile_cli, tmp_path, field, value, message):
    path = tmp_path / "post.json"
    path.write_text(json.dumps({**POST, field: value}), encoding="utf-8")
    result = hostile_cli("preview", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: {path}: {message}\n"


@pytest.mark.parametrize("value", [5, EVIL, ["https://e.example/p"]])
def test_a_substack_canonical_url_that_is_not_a_url_is_left_out(hostile_cli, tmp_path, value):
    path = tmp_path / "post.json"
    path.write_text(json.dumps({**POST, "canonical_url": value}), encoding="utf-8")
    result = hostile_cli("preview", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["issue"]["url"] is None
    assert f"canonical_url {value!r} is not an http(s) URL; it was left out" in hostile_cli("preview", str(path)).output


@pytest.mark.parametrize("depth", [500, 5000])
def test_html_nested_deep_is_one_line(hostile_cli, tmp_path, depth):
    path = tmp_path / "deep.html"
    path.write_text("<p>hello</p>" + "<div>" * depth + "<p>deep</p>" + "</div>" * depth, encoding="utf-8")
    result = hostile_cli("preview", str(path))
    if result.exit_code == 0:  # read whole: fine too, as long as it is read
        assert "hello" in result.output
    else:
        assert result.output == f"Error: {path} is nested too deeply to read (as html)\n"


def test_json_nested_deep_is_one_line(hostile_cli, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = hostile_cli("preview", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: {path} is nested too deeply to read (as json)\n"


@pytest.mark.parametrize("command", [["preview", str(SAMPLE_ISSUE), "--format", "html"], ["digest"]])
def test_output_into_a_missing_directory_is_one_line(hostile_cli, command):
    result = hostile_cli(*command, "-o", "/nonexistent/dir/x.html")
    assert result.exit_code == 1
    assert result.output == "Error: cannot write /nonexistent/dir/x.html: No such file or directory\n"


def test_a_10000_character_url_that_fails_is_not_echoed_whole(hostile_cli):
    url = "http://127.0.0.1:9/" + "a" * 10_000  # nothing listens on port 9
    result = hostile_cli("preview", url)
    assert result.exit_code == 1
    line = result.output.strip()
    assert line.startswith("Error: cannot fetch http://127.0.0.1:9/aaa") and "…: " in line
    assert len(line) < 300


def test_regression_a_url_without_a_host_gets_no_bluesky_facet(hostile_cli, tmp_path):
    """Found by tests/test_fuzz_readers.py: an item holding ``https:///x`` was posted with a
    link facet to ``https:///x`` (a URL with no host)."""
    path = tmp_path / "issue.txt"
    path.write_text(SAMPLE_ISSUE.read_text(encoding="utf-8").replace(
        "NVIDIA VP predicts", "https:///x NVIDIA VP predicts", 1), encoding="utf-8")
    result = hostile_cli("preview", str(path), "--platform", "bluesky", "--format", "json")
    assert result.exit_code == 0, result.output
    posts = json.loads(result.stdout)["threads"]["bluesky"]
    assert any("https:///x" in post["text"] for post in posts)
    uris = [f["features"][0]["uri"] for post in posts for f in post["facets"]]
    assert "https:///x" not in uris, uris


def test_regression_a_character_reference_past_unicode_in_a_feed(hostile_cli, tmp_path):
    """Found by tests/test_fuzz_readers.py: ``<div>&#xFFFFFFFF;<rss version="2.0">`` made
    feedparser's lenient parser raise OverflowError, an 'unexpected' line."""
    path = tmp_path / "feed.txt"
    path.write_text('<div>&#xFFFFFFFF;<rss version="2.0">', encoding="utf-8")
    result = hostile_cli("preview", str(path))
    assert result.exit_code == 1
    assert result.output == f"Error: malformed feed {path}: OverflowError in the feed parser\n"
