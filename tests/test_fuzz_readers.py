"""Property-based fuzzing of every newsletter reader and of composition (issue 10).

Through the public entry point (``bot.newsletter.reader.read_issue``, the one ``bot preview``
uses) for plain text, Markdown, HTML, RSS/Atom and Substack JSON, from arbitrary text and from
the real fixtures mutated: reading either gives an issue or raises a :class:`BotError` (one line
for the user), never anything else; and every post composed from what was read fits its
platform by the same oracles the length tests use (twitter-text v3 for X; graphemes and UTF-8
bytes for Bluesky), with only http(s) links, facets inside the text and a web card.

The profile (``HYPOTHESIS_PROFILE``, see tests/conftest.py) sets the number of examples: "ci"
in every test run, "fuzz" for ``make fuzz``.
"""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.compose.length import grapheme_length, utf8_length
from bot.platforms.x.rules import x_length
from bot.compose.plan import plan_threads
from bot.errors import BotError
from bot.newsletter.reader import read_issue
from bot.preview import to_html
from bot.settings import load
from bot.weburl import is_web_url
from tests.conftest import FIXTURES, SAMPLE_ISSUE
from tests.support.fuzz import HOSTILE, JSON_VALUE, dumps, mutated_json, mutated_text

# A fuzzed feed read as HTML makes BeautifulSoup say so; that is not a finding.
pytestmark = pytest.mark.filterwarnings("ignore:It looks like you're using an HTML parser")

NEWSLETTERS = FIXTURES / "newsletters"
DOCUMENTS = {
    "text": (SAMPLE_ISSUE.read_text(encoding="utf-8"), ".txt"),
    "markdown": ((NEWSLETTERS / "interconnects-2023-03-20-gpt4-quiet-parts.md").read_text(encoding="utf-8"), ".md"),
    "html": ((NEWSLETTERS / "substack-post-page-synthetic.html").read_text(encoding="utf-8"), ".html"),
    "feed": ((NEWSLETTERS / "substack-feed-synthetic.xml").read_text(encoding="utf-8"), ".xml"),
}
POST_JSON = json.loads((NEWSLETTERS / "substack-api-post-synthetic.json").read_text(encoding="utf-8"))
SETTINGS = load(None, environ={}, dotenv=None)
LIMITS = {"x": 280, "bluesky": 300}
_HREF = re.compile(r'(?<=\s)href="([^"]*)"')  # an attribute, not "href=" inside a value
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def read_and_compose(text: str | bytes, suffix: str) -> None:
    """The property: read ``text`` as a file; only a BotError may escape; every post fits."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"issue{suffix}"
        path.write_bytes(text.encode("utf-8", "surrogatepass") if isinstance(text, str) else text)
        try:
            issue = read_issue(str(path))
        except BotError as exc:
            assert "\n" not in str(exc).strip() or len(str(exc)) < 2000
            return
    for pick_count in (None, 25):
        try:
            threads = plan_threads(issue, SETTINGS, count=pick_count)
        except BotError:
            continue
        for platform, thread in threads.items():
            for post in thread.posts:
                check_post(platform, post)
        page = to_html(issue, threads)  # an href is http(s) or empty; the text is only text
        assert all(is_web_url(href) or not href for href in _HREF.findall(page)), page


def check_post(platform: str, post) -> None:
    assert post.text.strip(), post
    if platform == "x":
        assert x_length(post.text) <= LIMITS["x"], (x_length(post.text), post.text)
    elif platform != "bluesky":  # Mastodon and any later platform: its own measure and limit
        assert 0 < post.length <= post.limit, (platform, post)
    else:
        assert grapheme_length(post.text) <= LIMITS["bluesky"], post.text
        assert utf8_length(post.text) <= 3000, post.text
        size = utf8_length(post.text)
        for facet in post.facets:
            assert 0 <= facet.byte_start < facet.byte_end <= size, (facet, post.text)
            assert is_web_url(facet.uri), facet
        if post.card:
            assert is_web_url(post.card.uri), post.card
    for link in post.links:  # what the platform will linkify: a URL, or a bare domain on X
        assert is_web_url(link) or not _SCHEME.match(link), link


# -- arbitrary input ---------------------------------------------------------------------------
@given(text=st.text(), suffix=st.sampled_from([".txt", ".md", ".html", ".xml", ".json", ""]))
def test_any_text_is_read_or_refused_in_one_line(text, suffix):
    read_and_compose(text, suffix)


@given(data=st.binary(max_size=2000), suffix=st.sampled_from([".txt", ".html", ".xml", ".json"]))
def test_any_bytes_are_read_or_refused_in_one_line(data, suffix):
    read_and_compose(data, suffix)


@given(pieces=st.lists(st.sampled_from(HOSTILE) | st.text(max_size=20), min_size=1, max_size=12),
       suffix=st.sampled_from([".txt", ".md", ".html", ".xml"]))
def test_hostile_snippets_are_read_or_refused_in_one_line(pieces, suffix):
    read_and_compose("".join(pieces), suffix)


# -- mutated real documents --------------------------------------------------------------------
def _mutated(kind: str):
    original, suffix = DOCUMENTS[kind]
    return mutated_text(original), suffix


@given(text=_mutated("text")[0])
def test_mutated_plain_text_issue(text):
    read_and_compose(text, ".txt")


@given(text=_mutated("markdown")[0])
def test_mutated_markdown_issue(text):
    read_and_compose(text, ".md")


@given(text=_mutated("html")[0])
@example(text="<p>hello</p>" + "<div>" * 600 + "x" + "</div>" * 600)
@example(text="<p>Hello world, a story here.</p><![ML4Sci x]><p>more</p>")
def test_mutated_html_page(text):
    read_and_compose(text, ".html")


@given(text=_mutated("feed")[0])
@example(text=DOCUMENTS["feed"][0].replace("<link>", "<link>javascript:alert(1)//", 1))
@example(text='<div>&#xFFFFFFFF;<rss version="2.0">')
def test_mutated_feed(text):
    read_and_compose(text, ".xml")


@given(body=mutated_json(POST_JSON))
@example(body={**POST_JSON, "body_html": 123})
@example(body={**POST_JSON, "canonical_url": 5})
@example(body={**POST_JSON, "cover_image": "javascript:alert(1)"})
def test_mutated_substack_json(body):
    read_and_compose(dumps(body), ".json")


@given(body=st.lists(mutated_json(POST_JSON), min_size=1, max_size=3) | JSON_VALUE)
def test_substack_json_lists_and_any_json(body):
    read_and_compose(dumps(body), ".json")


# -- through the CLI, as a user runs it ----------------------------------------------------------
@given(pieces=st.lists(st.sampled_from(HOSTILE) | st.text(max_size=20), min_size=1, max_size=8),
       original=st.sampled_from(sorted(DOCUMENTS)), fmt=st.sampled_from(["text", "json", "html"]))
def test_bot_preview_answers_a_post_or_one_error_line(pieces, original, fmt):
    from click.testing import CliRunner

    from bot.cli import cli

    text, suffix = DOCUMENTS[original]
    cut = len(text) // 2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"issue{suffix}"
        path.write_text(text[:cut] + "".join(pieces) + text[cut:], encoding="utf-8", errors="surrogatepass")
        result = CliRunner().invoke(cli, ["--db", str(Path(tmp) / "p.db"), "preview", str(path),
                                          "--format", fmt, "-o", "-"], env={"BOT_CONFIG": ""})
    assert result.exit_code in (0, 1), result.output
    if result.exit_code:
        errors = [line for line in result.output.splitlines() if line.startswith("Error: ")]
        assert len(errors) == 1 and "unexpected" not in errors[0], result.output
